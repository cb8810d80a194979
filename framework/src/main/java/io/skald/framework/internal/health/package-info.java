/**
 * INTERNAL API: what a node's readiness is made of that no other subsystem knows: the recovery of
 * the partitions this node hosts, and a probe write to the journal.
 */
package io.skald.framework.internal.health;
