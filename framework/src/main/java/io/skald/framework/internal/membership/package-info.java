/**
 * INTERNAL API: cluster membership decisions Skald takes itself: the majority check behind
 * ownership leases, and downing a member whose process is gone ({@link
 * io.skald.framework.internal.membership.CrashedMemberDowning}).
 */
package io.skald.framework.internal.membership;
