/**
 * The balancer extension point: a {@link io.dynconf.radix.balance.spi.BalancerFactory} found
 * through {@link java.util.ServiceLoader} (or given to {@code Balancers.Builder.factory}) adds a
 * balancer {@code type}; its {@link io.dynconf.radix.balance.spi.Algorithm} chooses among the
 * nodes of one priority {@link io.dynconf.radix.balance.spi.Group}, while health, priority
 * fallback, retries and per-node counters stay with the library.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix.balance.spi;
