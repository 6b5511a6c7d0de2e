/**
 * Load balancing for APISIX upstreams: {@link io.dynconf.radix.balance.Balancers} turns an {@link
 * io.dynconf.core.apisix.Upstream} into a {@link io.dynconf.radix.balance.Picker} that a host server calls
 * on every request ({@code pick}, {@code start}, {@code finish}), with the balancers {@code
 * roundrobin} (smooth weighted), {@code chash} (Maglev), {@code ewma}, {@code least_conn}, node
 * priority groups, passive and active health checks, slow start and retries.
 *
 * <p>Per-node state (in-flight count, latency average, health) is kept per upstream key by {@link
 * io.dynconf.radix.balance.Balancers}, outside the pickers, so it survives a new upstream version
 * and health flips. Everything here is thread-safe unless a type says otherwise; see DESIGN notes
 * in dynconf-radix/BALANCING.md.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix.balance;
