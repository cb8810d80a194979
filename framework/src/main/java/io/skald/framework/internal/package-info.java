/**
 * INTERNAL API: the actors, entities, serializers and settings behind the public API in {@code
 * io.skald.framework}. Nothing here is stable; do not depend on it.
 */
package io.skald.framework.internal;
