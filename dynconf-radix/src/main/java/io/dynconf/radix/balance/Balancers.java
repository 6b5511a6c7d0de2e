package io.dynconf.radix.balance;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.internal.Ewma;
import io.dynconf.radix.balance.internal.GroupImpl;
import io.dynconf.radix.balance.internal.HealthPolicy;
import io.dynconf.radix.balance.internal.LeastConn;
import io.dynconf.radix.balance.internal.Maglev;
import io.dynconf.radix.balance.internal.NodeState;
import io.dynconf.radix.balance.internal.RoundRobin;
import io.dynconf.radix.balance.spi.Algorithm;
import io.dynconf.radix.balance.spi.BalancerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of load balancing: the registry of balancer types and the cache of {@link
 * Picker}s per upstream key and version, with the per-node state (in-flight counts, latency
 * averages, health) that outlives every picker version.
 *
 * <p>Balancer types: the built-in {@code roundrobin}, {@code chash}, {@code ewma} and {@code
 * least_conn}, plus every {@link BalancerFactory} found by {@link ServiceLoader} or given to
 * {@link Builder#factory}. dynconf-core accepts any {@code type} string (as APISIX's schema
 * does), so a stored upstream with a custom type is valid config; it is this registry that
 * rejects a name it does not know, when it builds a picker ({@link #picker}) or when asked to
 * {@link #check} an upstream (for example in an admin API before writing).
 *
 * <p>Health: with {@code checks} set, every {@link Picker#finish} feeds the passive check; with
 * {@code checks.active} set and a {@link Prober} and scheduler given ({@link
 * Builder#activeChecks}), each upstream has an active checker: one periodic task on the scheduler
 * (never a request thread) that probes each node every {@code healthy.interval} while it is
 * healthy and every {@code unhealthy.interval} while it is down, with at most {@code concurrency}
 * probes of the upstream in flight and one per node. Passive and active checks count into the
 * same per-node state. A new version of an upstream with the same {@code checks} keeps its checker
 * running (new nodes join it, removed ones leave it); a change of {@code checks} restarts that
 * upstream's checker alone, probing every node at once with the new settings; node health
 * survives both, as in APISIX. Removing {@code checks} forgets every verdict (nodes healthy).
 * {@link #remove} stops the upstream's checker; {@link #health()} reports every node. Time comes
 * from the injected clock.
 *
 * <p>Thread-safe. {@link #picker} is lock-free when the cached version is current; building a new
 * version locks only that upstream. {@link #close} stops the active checks (the scheduler is the
 * caller's to shut down).
 */
public final class Balancers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Balancers.class);
  final LongSupplier clock;
  final long ejectionNanos;
  final long maxEjectionNanos;
  private final long slowStartNanos;
  private final @Nullable RandomGenerator random;
  private final @Nullable ScheduledExecutorService scheduler;
  private final @Nullable Prober prober;
  private final HealthListener listener;
  private final Map<String, BalancerFactory> factories;
  private final ConcurrentHashMap<String, UpstreamState> upstreams = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private Balancers(Builder b) {
    clock = b.clock;
    ejectionNanos = b.ejection.toNanos();
    maxEjectionNanos = b.maxEjection.toNanos();
    slowStartNanos = b.slowStart.toNanos();
    random = b.random;
    scheduler = b.scheduler;
    prober = b.prober;
    listener = b.listener;
    Map<String, BalancerFactory> all = new LinkedHashMap<>();
    List<BalancerFactory> candidates = new ArrayList<>(List.of(new RoundRobin(), new Maglev(), new Ewma(), new LeastConn()));
    candidates.addAll(b.factories);
    if (b.serviceLoader) {
      ServiceLoader.load(BalancerFactory.class, b.classLoader).forEach(candidates::add);
    }
    for (BalancerFactory f : candidates) {
      BalancerFactory previous = all.putIfAbsent(f.type(), f);
      if (previous != null) {
        throw new IllegalStateException("balancer type \"" + f.type() + "\" is registered twice: by "
            + previous.getClass().getName() + " and by " + f.getClass().getName());
      }
    }
    factories = Map.copyOf(all);
  }

  /** Balancers with the defaults: system clock, no active checks, built-ins and ServiceLoader types. */
  public static Balancers create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The balancer types known here, sorted. */
  public Set<String> types() {
    return new TreeSet<>(factories.keySet());
  }

  /**
   * The picker of this version of the upstream: the cached one when {@code version} is the cached
   * version of {@code upstreamKey}, else a new one (replacing it in the cache) that shares the node
   * state of the previous versions. A failed build leaves the cached picker in place.
   *
   * @param upstreamKey a stable identity, such as the upstream's id, or {@code "route/7"} for an
   *     upstream embedded in route 7
   * @param version changes whenever {@code upstream} does (the store's mod revision will do)
   * @throws InvalidConfigException for an unknown {@code type}, a bad {@code hash_on}/{@code key},
   *     or {@code checks} that cannot work, naming the field
   */
  public Picker picker(String upstreamKey, long version, Upstream upstream) {
    UpstreamState state = upstreams.get(upstreamKey);
    if (state == null) {
      state = upstreams.computeIfAbsent(upstreamKey, UpstreamState::new);
    }
    Picker current = state.current;
    if (current != null && current.version() == version) {
      return current;
    }
    List<Runnable> events = new ArrayList<>(0);
    Picker built;
    synchronized (state) {
      current = state.current;
      if (current != null && current.version() == version) {
        return current;
      }
      built = build(state, version, upstream, true, events);
      state.current = built;
    }
    events.forEach(Runnable::run); // listener calls, outside the lock
    return built;
  }

  /**
   * Checks that a picker can be built for the upstream (known type, usable chash key and health
   * checks) without caching anything.
   *
   * @throws InvalidConfigException naming the field and the reason
   */
  public void check(Upstream upstream) {
    build(new UpstreamState("check"), 0, upstream, false, new ArrayList<>(0));
  }

  /** The keys of the upstreams that have a picker and node state here (a copy). */
  public Set<String> keys() {
    return Set.copyOf(upstreams.keySet());
  }

  /** How many upstreams have a picker and node state here. */
  public int size() {
    return upstreams.size();
  }

  /**
   * Forgets an upstream: its picker, node state and active checker. Its periodic task is
   * cancelled at once; a probe still in flight completes but its result is dropped.
   */
  public void remove(String upstreamKey) {
    UpstreamState state = upstreams.remove(upstreamKey);
    if (state != null) {
      synchronized (state) {
        state.closed = true;
        cancel(state);
      }
    }
  }

  /**
   * Runs one round of active probes for every upstream now: every node that is due (the
   * scheduler runs rounds on its own; this is for start-up and tests). Probes are started, not
   * awaited.
   */
  public void probeNow() {
    upstreams.values().forEach(this::probeRound);
  }

  /**
   * The health of every upstream that has a picker here, sorted by key: per node whether it takes
   * traffic, lua-resty-healthcheck's status name, how long it has been in that state, the last
   * probe's result and the consecutive counts. For a status page and metrics; costs a lock per
   * node, so call it per scrape, not per request.
   */
  public List<UpstreamHealth> health() {
    List<UpstreamHealth> all = new ArrayList<>(upstreams.size());
    for (UpstreamState state : new TreeMap<>(upstreams).values()) {
      UpstreamHealth h = health(state);
      if (h != null) {
        all.add(h);
      }
    }
    return all;
  }

  /** The health of one upstream, or null when it has no picker here. */
  public @Nullable UpstreamHealth health(String upstreamKey) {
    UpstreamState state = upstreams.get(upstreamKey);
    return state == null ? null : health(state);
  }

  private @Nullable UpstreamHealth health(UpstreamState state) {
    Picker picker = state.current;
    if (picker == null) {
      return null;
    }
    long now = clock.getAsLong();
    List<NodeHealth> nodes = new ArrayList<>(picker.nodes().size());
    for (Node node : picker.nodes()) {
      NodeState s = (NodeState) Objects.requireNonNull(node.handle);
      NodeState.Counts c = s.counts();
      ProbeResult last = s.lastProbe();
      nodes.add(new NodeHealth(node, s.available(clock), c.status(), Duration.ofNanos(Math.max(0, now - s.changedAt())),
          last, last == null ? null : Duration.ofNanos(Math.max(0, now - s.lastProbeAt())), c.successes(),
          c.httpFailures(), c.tcpFailures(), c.timeouts(), c.ejections(), s.inFlight()));
    }
    HealthPolicy policy = state.policy;
    HealthPolicy.Active active = policy.active;
    return new UpstreamHealth(state.key, picker.version(), policy.enabled, active == null ? null : active.type(),
        state.activeTask != null && !state.closed, state.checkerStarts, state.allUnhealthy.get(),
        state.fallbackPicks.sum(), nodes);
  }

  /**
   * Stops every active checker for good (a later {@link #picker} call starts none, and forgets the
   * verdicts of probes, as nothing would undo them); pickers keep working. The scheduler and the
   * prober are the caller's to shut down.
   */
  @Override
  public void close() {
    closed = true;
    upstreams.values().forEach(state -> {
      synchronized (state) {
        state.closed = true;
        cancel(state);
      }
    });
  }

  private Picker build(UpstreamState state, long version, Upstream upstream, boolean live, List<Runnable> events) {
    BalancerFactory factory = factories.get(upstream.type());
    if (factory == null) {
      throw new InvalidConfigException("/type", "unknown balancer type \"" + upstream.type() + "\": known types are "
          + types() + " (custom ones are added with a BalancerFactory through ServiceLoader)");
    }
    HealthPolicy policy = HealthPolicy.of(upstream.checks());
    long now = clock.getAsLong();
    boolean rebuild = state.current != null;
    Map<String, NodeState> fresh = live ? state.nodes : new ConcurrentHashMap<>();
    List<Node> nodes = new ArrayList<>(upstream.nodes().size());
    Set<String> addresses = new HashSet<>();
    TreeMap<Integer, List<Node>> byPriority = new TreeMap<>(Comparator.reverseOrder());
    Map<Node, NodeState> stateOf = new LinkedHashMap<>();
    for (Upstream.Node n : upstream.nodes()) {
      Node plain = Node.of(n, upstream.scheme());
      NodeState s = fresh.get(plain.address());
      if (s == null) {
        s = new NodeState(plain.address(), now);
        if (rebuild && slowStartNanos > 0) {
          s.startRamp(now);
        }
        fresh.put(plain.address(), s);
      }
      Node node = plain.withHandle(s);
      nodes.add(node);
      addresses.add(node.address());
      stateOf.put(node, s);
      byPriority.computeIfAbsent(node.priority(), p -> new ArrayList<>()).add(node);
    }
    GroupImpl[] groups = new GroupImpl[byPriority.size()];
    Algorithm[] algorithms = new Algorithm[groups.length];
    int g = 0;
    for (Map.Entry<Integer, List<Node>> e : byPriority.entrySet()) {
      Node[] members = e.getValue().toArray(new Node[0]);
      NodeState[] states = new NodeState[members.length];
      for (int i = 0; i < members.length; i++) {
        states[i] = (NodeState) Objects.requireNonNull(members[i].handle);
      }
      groups[g] = new GroupImpl(members, states, e.getKey(), clock, slowStartNanos, random);
      try {
        algorithms[g] = factory.create(groups[g], upstream);
      } catch (IllegalArgumentException ex) {
        throw new InvalidConfigException("/type", upstream.type() + ": " + ex.getMessage(), ex);
      }
      g++;
    }
    boolean trackLatency = !(factory instanceof RoundRobin || factory instanceof Maglev || factory instanceof LeastConn);
    Picker picker = new Picker(this, state, version, upstream, nodes, groups, algorithms, trackLatency);
    if (live) {
      fresh.entrySet().removeIf(en -> !addresses.contains(en.getKey()) && en.getValue().inFlight() == 0);
      boolean checksChanged = !upstream.checks().equals(state.checks);
      state.policy = policy;
      state.checks = upstream.checks();
      HealthPolicy.Active active = policy.active;
      boolean probing = active != null && prober != null && scheduler != null && !closed;
      if (!probing) {
        // nothing would ever probe a node that probes took down (and without checks nothing
        // would restore an ejected one): forget those verdicts, as APISIX drops the checker
        for (Node node : nodes) {
          NodeState s = (NodeState) Objects.requireNonNull(node.handle);
          if (!s.healthy() && (!policy.enabled || s.downUntilProbed()) && s.resetHealth(now)) {
            String reason = policy.enabled ? "no active checks to bring it back" : "checks removed";
            events.add(() -> listener.nodeHealthChanged(state.key, node, true, reason));
          }
        }
      }
      schedule(state, probing, checksChanged);
    }
    return picker;
  }

  /** Starts, keeps or stops the upstream's checker; under the state's lock. */
  private void schedule(UpstreamState state, boolean probing, boolean checksChanged) {
    HealthPolicy.Active active = state.policy.active;
    ScheduledExecutorService sched = scheduler;
    if (!probing || active == null || sched == null || closed || state.closed) {
      cancel(state);
      return;
    }
    if (state.activeTask != null && !checksChanged) {
      return; // same checks, new nodes: the checker keeps running and probes the new nodes when due
    }
    cancel(state);
    for (NodeState s : state.nodes.values()) {
      s.nextProbe(Long.MIN_VALUE); // new settings: probe every node at once
    }
    long period = Math.min(active.healthy().intervalNanos(), active.unhealthy().intervalNanos());
    long generation = ++state.generation;
    state.checkerStarts++;
    state.activeTask = sched.scheduleWithFixedDelay(() -> runRound(state, generation), 0, period, TimeUnit.NANOSECONDS);
  }

  private static void cancel(UpstreamState state) {
    if (state.activeTask != null) {
      state.activeTask.cancel(false);
      state.activeTask = null;
      state.generation++;
    }
  }

  /** A scheduled round: never throws, so the periodic task is never silently cancelled. */
  private void runRound(UpstreamState state, long generation) {
    if (state.generation != generation) {
      return; // a stale refill of a stopped or restarted checker
    }
    try {
      probeRound(state);
    } catch (RuntimeException | Error e) {
      LOG.error("active health check round of upstream {} failed; the next round runs as scheduled", state.key, e);
    }
  }

  private void probeRound(UpstreamState state) {
    Picker picker = state.current;
    HealthPolicy.Active active = state.policy.active;
    Prober p = prober;
    if (picker == null || active == null || p == null || state.closed || closed) {
      return;
    }
    long generation = state.generation;
    long now = clock.getAsLong();
    for (Node node : picker.nodes()) {
      NodeState s = (NodeState) Objects.requireNonNull(node.handle);
      long due = s.nextProbe();
      if (due != Long.MIN_VALUE && now - due < 0 || s.probing()) {
        continue;
      }
      if (!acquire(state, active.concurrency())) {
        state.starved.set(true); // the next probe to end starts another round
        return;
      }
      if (!s.tryStartProbe()) {
        state.probesInFlight.decrementAndGet();
        continue;
      }
      s.nextProbe(now + (s.healthy() ? active.healthy().intervalNanos() : active.unhealthy().intervalNanos()));
      ProbeTarget target = new ProbeTarget(state.key, node, active.type(), probeHost(picker.upstream(), active),
          active.port() == null ? node.port() : active.port(), active.method(), active.path(), active.body(),
          active.headers(), active.timeout(), active.verifyCertificate());
      CompletableFuture<ProbeResult> f;
      try {
        f = Objects.requireNonNull(p.probe(target), "Prober returned null");
      } catch (RuntimeException e) {
        LOG.warn("prober {} threw for {} of upstream {}; counted as a failed probe", p, node.address(), state.key, e);
        f = CompletableFuture.failedFuture(e);
      }
      f.copy().orTimeout(active.timeout().toNanos() * 2, TimeUnit.NANOSECONDS)
          .whenComplete((result, error) -> completed(state, generation, active, node, s, result, error));
    }
  }

  private static boolean acquire(UpstreamState state, int limit) {
    while (true) {
      int n = state.probesInFlight.get();
      if (n >= limit) {
        return false;
      }
      if (state.probesInFlight.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** The Host header of a probe: {@code upstream_host} when {@code pass_host} is rewrite, else {@code checks.active.host}. */
  private static @Nullable String probeHost(Upstream upstream, HealthPolicy.Active active) {
    String rewrite = upstream.upstreamHost();
    return "rewrite".equals(upstream.passHost()) && rewrite != null ? rewrite : active.host();
  }

  private void completed(UpstreamState state, long generation, HealthPolicy.Active active, Node node, NodeState s,
      @Nullable ProbeResult result, @Nullable Throwable error) {
    try {
      state.probesInFlight.decrementAndGet();
      long now = clock.getAsLong();
      ProbeResult r = result != null ? result
          : error instanceof TimeoutException || error != null && error.getCause() instanceof TimeoutException
              ? ProbeResult.timedOut() : ProbeResult.failed();
      if (error != null && !(r.outcome() == Outcome.TIMEOUT)) {
        LOG.debug("probe of {} (upstream {}) failed", node.address(), state.key, error);
      }
      // dropped: the upstream was removed, its checker restarted, or the node left the upstream
      boolean current = !state.closed && !closed && state.generation == generation && state.nodes.get(node.address()) == s;
      s.endProbe(r.outcome() == Outcome.CANCELLED ? null : r, now);
      if (current) {
        probed(state, active, node, s, r, now);
      }
    } catch (RuntimeException | Error e) {
      LOG.error("recording the probe of {} (upstream {}) failed", node.address(), state.key, e);
    } finally {
      ScheduledExecutorService sched = scheduler;
      if (sched != null && state.starved.compareAndSet(true, false) && !state.closed && state.generation == generation) {
        try {
          sched.execute(() -> runRound(state, generation));
        } catch (RejectedExecutionException e) {
          LOG.debug("scheduler shut down; no refill round for upstream {}", state.key);
        }
      }
    }
  }

  private void probed(UpstreamState state, HealthPolicy.Active active, Node node, NodeState s, ProbeResult result,
      long now) {
    HealthPolicy.Side good = active.healthy();
    HealthPolicy.Side bad = active.unhealthy();
    NodeState.Transition t;
    String reason;
    switch (result.outcome()) {
      case RESPONSE -> {
        int status = result.status();
        if (active.type().equals("tcp") || good.has(status)) {
          t = s.success(good.successes(), true, now);
          reason = "active: " + good.successes() + " successes" + (status == 0 ? "" : " (last status " + status + ")");
        } else if (bad.has(status) || status == 0) { // 0: no readable status line, an http failure in lua too
          t = s.failure(NodeState.Failure.HTTP, bad.httpFailures(), true, now, ejectionNanos, maxEjectionNanos);
          reason = "active: " + bad.httpFailures() + " http failures (last " + (status == 0 ? "a bad status line" : "status " + status) + ")";
        } else {
          return; // in neither list: ignored, as lua-resty-healthcheck does
        }
      }
      case TIMEOUT -> {
        t = s.failure(NodeState.Failure.TIMEOUT, bad.timeouts(), true, now, ejectionNanos, maxEjectionNanos);
        reason = "active: " + bad.timeouts() + " timeouts";
      }
      case FAILURE -> {
        t = s.failure(NodeState.Failure.TCP, bad.tcpFailures(), true, now, ejectionNanos, maxEjectionNanos);
        reason = "active: " + bad.tcpFailures() + " tcp failures";
      }
      default -> {
        return;
      }
    }
    transition(state, node, s, t, reason, now);
  }

  void transition(UpstreamState state, Node node, NodeState s, NodeState.Transition t, String reason, long now) {
    if (t == NodeState.Transition.NONE) {
      return;
    }
    boolean up = t == NodeState.Transition.UP;
    if (up && slowStartNanos > 0) {
      s.startRamp(now);
    }
    HealthPolicy.Active active = state.policy.active;
    if (active != null) {
      // probed from now on at the interval of its new side (a healthy node's next probe may be far off)
      s.nextProbe(now + (up ? active.healthy().intervalNanos() : active.unhealthy().intervalNanos()));
    }
    listener.nodeHealthChanged(state.key, node, up, reason);
  }

  void allUnhealthy(UpstreamState state, boolean all) {
    if (state.allUnhealthy.compareAndSet(!all, all)) {
      listener.allUnhealthy(state.key, all);
    }
  }

  /**
   * Settings of {@link Balancers}. Not thread-safe; every setter validates at once and {@link
   * #build} may be called more than once.
   */
  public static final class Builder {
    private LongSupplier clock = System::nanoTime;
    private Duration ejection = Duration.ofSeconds(10);
    private Duration maxEjection = Duration.ofMinutes(5);
    private Duration slowStart = Duration.ZERO;
    private @Nullable RandomGenerator random;
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable Prober prober;
    private HealthListener listener = HealthListener.NONE;
    private final List<BalancerFactory> factories = new ArrayList<>();
    private boolean serviceLoader = true;
    private @Nullable ClassLoader classLoader = Balancers.class.getClassLoader();

    private Builder() {}

    /** A monotonic clock in nanoseconds (default {@code System::nanoTime}). */
    public Builder clock(LongSupplier nanoClock) {
      this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    /**
     * A passively ejected node's first ejection period (default 10 s); each repeat doubles it, up
     * to {@code max} (default 5 min). After {@code max} healthy, the count starts over.
     */
    public Builder ejection(Duration first, Duration max) {
      if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
        throw new IllegalArgumentException("ejection: first must be > 0 and max >= first, were " + first + " and " + max);
      }
      this.ejection = first;
      this.maxEjection = max;
      return this;
    }

    /**
     * How long a new or recovered node takes to ramp to full weight (default 0: off), from 5 % of
     * its share: roundrobin scales its share of turns, least_conn and ewma its weight; chash does
     * not ramp (keys would leave their node and come back).
     */
    public Builder slowStart(Duration window) {
      if (window.isNegative()) {
        throw new IllegalArgumentException("slowStart: must not be negative, was " + window);
      }
      this.slowStart = window;
      return this;
    }

    /**
     * One random source for all picks, e.g. a seeded one in tests; it must be thread-safe if picks
     * run concurrently. Default: {@code ThreadLocalRandom}.
     */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Active health checks: probes sent by {@code prober} ({@link SocketProber} or the host
     * server's own), rounds run on {@code scheduler} (one periodic task per upstream with {@code
     * checks.active}; a single thread will do, the probes themselves do not block it). Without
     * this call {@code checks.active} is validated but nothing is probed. Both or neither; both
     * stay the caller's to close.
     */
    public Builder activeChecks(Prober prober, ScheduledExecutorService scheduler) {
      this.prober = Objects.requireNonNull(prober, "prober");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    public Builder listener(HealthListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Adds a balancer type; a type may be registered once. */
    public Builder factory(BalancerFactory factory) {
      this.factories.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** Whether to load {@link BalancerFactory} services (default true), and with which class loader. */
    public Builder serviceLoader(boolean enabled, @Nullable ClassLoader loader) {
      this.serviceLoader = enabled;
      this.classLoader = loader;
      return this;
    }

    /**
     * The balancers.
     *
     * @throws IllegalStateException when two factories claim one type
     */
    public Balancers build() {
      return new Balancers(this);
    }
  }
}
