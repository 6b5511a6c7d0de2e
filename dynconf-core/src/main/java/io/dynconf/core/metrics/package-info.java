/**
 * Micrometer binders for the registry ({@link io.dynconf.core.metrics.ConfigRegistryMetrics}).
 * Micrometer is an optional dependency of dynconf: a host that uses it binds these to its
 * {@code MeterRegistry}; a host that does not never loads this package. The etcd source and the
 * router have their own binders ({@code io.dynconf.etcd.metrics}, {@code io.dynconf.radix.metrics}).
 *
 * <p>Every meter reads the library's state when it is scraped: nothing is recorded on the request
 * path, so binding costs nothing per request.
 */
@NullMarked
package io.dynconf.core.metrics;

import org.jspecify.annotations.NullMarked;
