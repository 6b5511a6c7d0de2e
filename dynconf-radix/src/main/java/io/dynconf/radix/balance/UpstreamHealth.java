package io.dynconf.radix.balance;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The health of one upstream's nodes at one moment ({@link Balancers#health()}). Immutable.
 *
 * @param upstreamKey the key given to {@link Balancers#picker}
 * @param version the version of the current picker
 * @param checks whether the upstream has {@code checks} (else every node counts as healthy)
 * @param activeType {@code checks.active.type} ({@code http}, {@code https}, {@code tcp}), or null
 *     without active checks
 * @param probing whether active probes run for it now (active checks configured and a {@link
 *     Prober} given to the builder)
 * @param checkerStarts how often its active checker was started: once, plus once per change of
 *     {@code checks} (a change of nodes alone keeps the checker running)
 * @param allUnhealthy whether no node is healthy, so traffic goes to all of them
 * @param fallbackPicks how many picks went to an unhealthy node because none was healthy
 * @param nodes the nodes of the current version, in the upstream's order
 */
public record UpstreamHealth(String upstreamKey, long version, boolean checks, @Nullable String activeType,
    boolean probing, long checkerStarts, boolean allUnhealthy, long fallbackPicks, List<NodeHealth> nodes) {
  public UpstreamHealth {
    nodes = List.copyOf(nodes);
  }
}
