/**
 * Micrometer binders for the router ({@link io.dynconf.radix.metrics.RouteTableMetrics}).
 * Micrometer is an optional dependency: see {@code io.dynconf.core.metrics} for the registry's.
 * Every meter reads state at scrape time; nothing is recorded per request.
 */
@NullMarked
package io.dynconf.radix.metrics;

import org.jspecify.annotations.NullMarked;
