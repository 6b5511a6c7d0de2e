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
 *
 * <p>Active health checks, as APISIX runs {@code checks.active}: give the builder a prober and a
 * scheduler, and every upstream with {@code checks.active} gets its own checker, probing its nodes
 * with no client traffic; verdicts land in the same per-node state as the passive checks, so a
 * node the probes took down is skipped by every pick. {@link io.dynconf.radix.balance.SocketProber}
 * is the library's prober (JDK sockets: {@code tcp}, {@code http}, {@code https}); a host may
 * bring its own {@link io.dynconf.radix.balance.Prober}.
 *
 * <pre>{@code
 * ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor();
 * SocketProber prober = SocketProber.create();
 * Balancers balancers = Balancers.builder().activeChecks(prober, checks).listener(myListener).build();
 * ...
 * balancers.remove(upstreamId);       // on delete: its checker stops
 * ...
 * balancers.close(); prober.close(); checks.shutdownNow();
 * }</pre>
 *
 * <p>Reading node health, for a status page and metrics: {@link
 * io.dynconf.radix.balance.Balancers#health()} returns one {@link
 * io.dynconf.radix.balance.UpstreamHealth} per upstream, sorted by key, each with one {@link
 * io.dynconf.radix.balance.NodeHealth} per node: whether it takes traffic ({@code healthy}, the
 * value of APISIX's {@code apisix_upstream_status} gauge), lua-resty-healthcheck's status name, how
 * long it has been in that state, the last probe's result and age, and the consecutive counts
 * (successes, HTTP failures, TCP failures, timeouts). {@link
 * io.dynconf.radix.balance.HealthListener} is told of each change as it happens.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix.balance;
