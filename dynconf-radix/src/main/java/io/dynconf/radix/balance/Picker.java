package io.dynconf.radix.balance;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.internal.GroupImpl;
import io.dynconf.radix.balance.internal.HealthPolicy;
import io.dynconf.radix.balance.internal.NodeState;
import io.dynconf.radix.balance.spi.Algorithm;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Picks the node for each attempt of a request to one version of one upstream. Obtained from
 * {@link Balancers#picker}; immutable apart from the shared node state it reads and updates;
 * thread-safe and lock-free on the pick path.
 *
 * <p>A host server, per request:
 *
 * <pre>{@code
 * Picker picker = balancers.picker(upstreamId, version, upstream);
 * List<Node> tried = new ArrayList<>(1);          // or List.of() until a retry is needed
 * long first = 0;
 * while (true) {
 *   Node node = picker.pick(request, tried);      // null: no node at all (502)
 *   long started = picker.start(node);
 *   if (first == 0) first = started;
 *   ... proxy ...
 *   picker.finish(node, started, outcome, status);
 *   if (ok || !picker.mayRetry(tried.size() + 1, first)) break;
 *   tried.add(node);
 * }
 * }</pre>
 *
 * <p>Keep using the same picker for every attempt of a request (as APISIX does), and call {@link
 * #finish} once for every {@link #start}; a finish reaches the node's shared state even after a
 * newer version of the picker has replaced this one.
 *
 * <p>Priority: nodes are grouped by priority, highest first; a lower group is used only when no
 * node of the higher groups is eligible (healthy, weight above 0, not yet tried). When no node of
 * the whole upstream is healthy, traffic goes to all of them (as APISIX does); {@link
 * HealthListener#allUnhealthy} is told and {@link #fallbackPicks()} counts such picks. A retry
 * never picks a node already tried while an untried one is usable; once every node was tried, a
 * tried one is picked again.
 */
public final class Picker {
  /** The latency recorded for a failed connection, so a fast-failing node does not look fast. */
  static final long FAILURE_PENALTY_NANOS = 1_000_000_000L;

  private final Balancers owner;
  private final UpstreamState state;
  private final long version;
  private final Upstream upstream;
  private final List<Node> nodes;
  private final GroupImpl[] groups;
  private final Algorithm[] algorithms;
  private final int retries;
  private final long retryTimeoutNanos;
  private final boolean trackLatency;
  private final boolean hasWeight;

  Picker(Balancers owner, UpstreamState state, long version, Upstream upstream, List<Node> nodes, GroupImpl[] groups,
      Algorithm[] algorithms, boolean trackLatency) {
    this.owner = owner;
    this.state = state;
    this.version = version;
    this.upstream = upstream;
    this.nodes = List.copyOf(nodes);
    this.groups = groups;
    this.algorithms = algorithms;
    Integer r = upstream.retries();
    this.retries = r == null || r < 0 ? Math.max(0, upstream.nodes().size() - 1) : r;
    Double rt = upstream.retryTimeout();
    this.retryTimeoutNanos = rt == null || rt <= 0 ? 0 : (long) (rt * 1e9);
    this.trackLatency = trackLatency;
    this.hasWeight = nodes.stream().anyMatch(n -> n.weight() > 0);
  }

  /**
   * The node for the next attempt, or null when the upstream has no node of positive weight.
   * Allocation-free for the built-in {@code roundrobin} and {@code chash}.
   *
   * @param request read for the {@code chash} key; {@link BalancerRequest#NONE} will do for others
   * @param tried the nodes this request already tried ({@code List.of()} on the first attempt)
   */
  public @Nullable Node pick(BalancerRequest request, List<Node> tried) {
    GroupImpl[] gs = groups;
    for (int g = 0; g < gs.length; g++) {
      int i = algorithms[g].select(gs[g], request, tried, false);
      if (i >= 0) {
        if (state.allUnhealthy.get()) {
          owner.allUnhealthy(state, false);
        }
        return gs[g].node(i);
      }
    }
    boolean anyHealthy = false;
    for (GroupImpl g : gs) {
      if (g.anyAvailable()) {
        anyHealthy = true;
        break;
      }
    }
    if (!anyHealthy && hasWeight) {
      state.fallbackPicks.increment();
      if (!state.allUnhealthy.get()) {
        owner.allUnhealthy(state, true);
      }
      for (int g = 0; g < gs.length; g++) {
        int i = algorithms[g].select(gs[g], request, tried, true);
        if (i >= 0) {
          return gs[g].node(i);
        }
      }
    }
    if (tried.isEmpty()) {
      return null;
    }
    for (int g = 0; g < gs.length; g++) {
      int i = algorithms[g].select(gs[g], request, List.of(), !anyHealthy);
      if (i >= 0) {
        return gs[g].node(i);
      }
    }
    return null;
  }

  /**
   * An attempt at {@code node} begins: counts it in flight. Returns the start time (the
   * {@link Balancers} clock, nanoseconds) to pass to {@link #finish}.
   */
  public long start(Node node) {
    NodeState s = stateOf(node);
    if (s != null) {
      s.started();
    }
    return owner.clock.getAsLong();
  }

  /**
   * The attempt begun by {@link #start} ended: no longer in flight; its latency feeds the
   * latency average, and its outcome the passive health check (when the upstream has {@code
   * checks}): a status in {@code checks.passive.unhealthy.http_statuses}, a failure or a timeout
   * count toward ejection, a status in {@code healthy.http_statuses} (or 0) toward recovery.
   *
   * @param status the HTTP status for {@link Outcome#RESPONSE}, else ignored
   */
  public void finish(Node node, long startNanos, Outcome outcome, int status) {
    NodeState s = stateOf(node);
    if (s == null) {
      return;
    }
    s.finished();
    long now = owner.clock.getAsLong();
    if (trackLatency && outcome != Outcome.CANCELLED) {
      long rtt = Math.max(0, now - startNanos);
      s.recordLatency(outcome == Outcome.FAILURE ? Math.max(rtt, FAILURE_PENALTY_NANOS) : rtt, now);
    }
    HealthPolicy p = state.policy;
    if (!p.enabled) {
      return;
    }
    NodeState.Transition t;
    String reason;
    switch (outcome) {
      case RESPONSE -> {
        if (p.passiveUnhealthy.has(status)) {
          t = s.failure(NodeState.Failure.HTTP, p.passiveUnhealthy.httpFailures(), false, now, owner.ejectionNanos,
              owner.maxEjectionNanos);
          reason = "passive: " + p.passiveUnhealthy.httpFailures() + " http failures (last status " + status + ")";
        } else if (status == 0 || p.passiveHealthy.has(status)) {
          t = s.success(p.passiveHealthy.successes(), false, now);
          reason = "passive: " + Math.max(1, p.passiveHealthy.successes()) + " successes";
        } else {
          return;
        }
      }
      case FAILURE -> {
        t = s.failure(NodeState.Failure.TCP, p.passiveUnhealthy.tcpFailures(), false, now, owner.ejectionNanos,
            owner.maxEjectionNanos);
        reason = "passive: " + p.passiveUnhealthy.tcpFailures() + " tcp failures";
      }
      case TIMEOUT -> {
        t = s.failure(NodeState.Failure.TIMEOUT, p.passiveUnhealthy.timeouts(), false, now, owner.ejectionNanos,
            owner.maxEjectionNanos);
        reason = "passive: " + p.passiveUnhealthy.timeouts() + " timeouts";
      }
      default -> {
        return;
      }
    }
    owner.transition(state, node, s, t, reason, now);
  }

  private @Nullable NodeState stateOf(Node node) {
    return node.handle instanceof NodeState s ? s : state.nodes.get(node.address());
  }

  /**
   * Whether another attempt may start after {@code attempts} attempts, the first of which started
   * at {@code firstStartNanos}: fewer than {@link #retries()} retries so far and, when {@code
   * retry_timeout} is set, less than that time since the first start.
   */
  public boolean mayRetry(int attempts, long firstStartNanos) {
    return attempts - 1 < retries
        && (retryTimeoutNanos == 0 || owner.clock.getAsLong() - firstStartNanos < retryTimeoutNanos);
  }

  /** Retries after the first attempt: {@code retries}, or the number of nodes − 1 when unset. */
  public int retries() {
    return retries;
  }

  /** {@code retry_timeout}, or null when unbounded. */
  public @Nullable Duration retryTimeout() {
    return retryTimeoutNanos == 0 ? null : Duration.ofNanos(retryTimeoutNanos);
  }

  /** Whether the node is healthy now (not ejected, not failed by probes). */
  public boolean healthy(Node node) {
    NodeState s = stateOf(node);
    return s == null || s.available(owner.clock);
  }

  /** The requests in flight at the node, across picker versions. */
  public int inFlight(Node node) {
    NodeState s = stateOf(node);
    return s == null ? 0 : s.inFlight();
  }

  /** How many picks went to an unhealthy node because no node of the upstream was healthy. */
  public long fallbackPicks() {
    return state.fallbackPicks.sum();
  }

  public String upstreamKey() {
    return state.key;
  }

  public long version() {
    return version;
  }

  public Upstream upstream() {
    return upstream;
  }

  /** The nodes, in the order of the upstream. */
  public List<Node> nodes() {
    return nodes;
  }

  @Override
  public String toString() {
    return "Picker[" + state.key + " v" + version + ", " + upstream.type() + ", " + nodes.size() + " nodes]";
  }
}
