/**
 * The Micrometer binder of the etcd source ({@link io.dynconf.etcd.metrics.EtcdSourceMetrics}).
 * Micrometer is an optional dependency: see {@code io.dynconf.core.metrics} for the registry's
 * meters, which carry the truthful health.
 */
@NullMarked
package io.dynconf.etcd.metrics;

import org.jspecify.annotations.NullMarked;
