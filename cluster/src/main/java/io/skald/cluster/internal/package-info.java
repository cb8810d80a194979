/**
 * INTERNAL API of the cluster module: not for use by applications, may change in any release.
 * Applications configure cluster mode with {@code skald-cluster.conf} and use {@code
 * io.skald.cluster} for the schema and the local test tools.
 */
package io.skald.cluster.internal;
