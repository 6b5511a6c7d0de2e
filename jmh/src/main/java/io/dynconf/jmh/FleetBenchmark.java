package io.dynconf.jmh;

import static io.dynconf.jmh.EtcdFixtures.ROUTES;
import static io.dynconf.jmh.EtcdFixtures.bytes;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.testing.EtcdCluster;
import io.dynconf.etcd.testing.EtcdGrpcProxy;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fleet on one etcd, as a plain {@code main} (not a JMH benchmark): many watchers on one etcd
 * member, directly or through etcd's own gRPC proxy, and the time from a put's answer until the
 * <em>last</em> of them saw that revision, with etcd's (and the proxy's) CPU and memory.
 *
 * <p>Run: {@code java -cp jmh/target/benchmarks.jar io.dynconf.jmh.FleetBenchmark --watchers 100}
 *
 * <ul>
 *   <li>{@code --watchers N} (100): lightweight watchers, each a jetcd {@code Watch} on the prefix
 *       that only records when each revision arrived. jetcd 0.8 opens one gRPC {@code Watch} call
 *       (one HTTP/2 stream) per watcher, so N watchers are N watch streams carrying one watcher
 *       each, multiplexed on the connections of {@code --clients} clients; the run prints etcd's own
 *       counts ({@code etcd_debugging_mvcc_watch_stream_total}, {@code ..._watcher_total}).
 *   <li>{@code --clients C} (4): jetcd clients (connections) the watchers share, round robin.
 *   <li>{@code --registries N} (0): instead of lightweight watchers, N full nodes: a {@link
 *       ConfigRegistry} over its own {@link EtcdSource} each (one connection and one watch each).
 *   <li>{@code --proxy}: the watchers (or nodes) connect to an {@code etcd grpc-proxy} in front of
 *       etcd; the writer always talks to etcd itself.
 *   <li>{@code --changes K} (500) measured, after {@code --warmup W} (50) unmeasured; {@code
 *       --routes R} (100) routes held.
 * </ul>
 *
 * <p>The run: etcd (and the proxy) start on free loopback ports; R APISIX routes are written; a
 * floor phase puts K changes with no fleet watching (etcd's CPU per change for the write alone);
 * then the watchers open at the next revision and each change (a rewrite of one route, one at a
 * time, the next only after every watcher saw the last) is timed from the put's answer to the last
 * watcher's arrival. Nothing is random. A watcher error, a missed, repeated or unexpected revision,
 * or a change not seen by every watcher within 30 s fails the run (exit status 1); the processes
 * are killed on every exit. The last line holds the result as {@code key=value} pairs.
 */
public final class FleetBenchmark {
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(120);
  private static final double USER_HZ = 100.0;

  private FleetBenchmark() {}

  /** The command line. */
  record Options(int watchers, int clients, int registries, boolean proxy, int changes, int warmup, int routes) {
    static Options parse(String[] args) {
      int watchers = 100;
      int clients = 4;
      int registries = 0;
      boolean proxy = false;
      int changes = 500;
      int warmup = 50;
      int routes = 100;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--watchers" -> watchers = positive(a, value(args, ++i, a));
          case "--clients" -> clients = positive(a, value(args, ++i, a));
          case "--registries" -> registries = positive(a, value(args, ++i, a));
          case "--proxy" -> proxy = true;
          case "--changes" -> changes = positive(a, value(args, ++i, a));
          case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, a));
          case "--routes" -> routes = positive(a, value(args, ++i, a));
          case "--help", "-h" -> throw new IllegalArgumentException(usage());
          default -> throw new IllegalArgumentException("unknown argument " + a + "\n" + usage());
        }
      }
      if (warmup < 0) {
        throw new IllegalArgumentException("--warmup must be >= 0");
      }
      return new Options(watchers, clients, registries, proxy, changes, warmup, routes);
    }

    int nodes() {
      return registries > 0 ? registries : watchers;
    }

    private static String value(String[] args, int i, String flag) {
      if (i >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value\n" + usage());
      }
      return args[i];
    }

    private static int positive(String flag, String v) {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new IllegalArgumentException(flag + " must be >= 1, was " + n);
      }
      return n;
    }

    static String usage() {
      return "usage: FleetBenchmark [--watchers N (100)] [--clients C (4)] [--registries N (0: lightweight watchers)]"
          + " [--proxy] [--changes K (500)] [--warmup W (50)] [--routes R (100)]";
    }
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Resources resources = new Resources();
    Thread hook = new Thread(resources::close, "fleet-benchmark-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    int status = 0;
    try {
      new FleetBenchmark().run(options, resources);
    } catch (Throwable e) {
      System.out.flush();
      System.err.println("FleetBenchmark FAILED: " + e.getMessage());
      e.printStackTrace();
      status = 1;
    } finally {
      resources.close();
    }
    System.exit(status); // jetcd's and Vert.x's threads must not keep the JVM alive
  }

  /** One run with these arguments, its resources closed at the end; returns the result line. */
  static String measure(String... args) throws Exception {
    Resources resources = new Resources();
    try {
      return new FleetBenchmark().run(Options.parse(args), resources);
    } finally {
      resources.close();
    }
  }

  private String run(Options o, Resources resources) throws Exception {
    System.out.printf(Locale.ROOT, "fleet: %s, %s, %d change(s) after %d warm-up, %d routes; nothing random; "
            + "%s; load average %s%n",
        o.registries > 0 ? o.registries + " full registries (own client each)"
            : o.watchers + " lightweight watchers on " + Math.min(o.clients, o.watchers) + " client(s)",
        o.proxy ? "through etcd grpc-proxy" : "directly on etcd", o.changes, o.warmup, o.routes,
        Instant.now(), loadAverage());

    EtcdCluster etcd = resources.add(EtcdCluster.builder().members(1).start());
    URI etcdEndpoint = etcd.member(0).directEndpoint();
    long etcdPid = etcd.member(0).pid().orElseThrow(() -> new IllegalStateException("etcd's pid is unknown"));
    EtcdGrpcProxy proxy = o.proxy ? resources.add(EtcdGrpcProxy.start(etcd)) : null;
    long proxyPid = proxy == null ? -1 : proxy.pid().orElseThrow(() -> new IllegalStateException("the proxy's pid is unknown"));
    URI fleetEndpoint = proxy == null ? etcdEndpoint : proxy.endpoint();
    System.out.printf("etcd pid %d at %s%s%n", etcdPid, etcdEndpoint,
        proxy == null ? "" : "; grpc-proxy pid " + proxyPid + " at " + fleetEndpoint);

    Client writer = resources.add(EtcdFixtures.client(List.of(etcdEndpoint)));
    EtcdFixtures.writeRoutes(writer, o.routes, RouteFixtures::route);
    int total = o.warmup + o.changes;
    ByteSequence[][] values = new ByteSequence[2][o.routes];
    for (int i = 0; i < o.routes; i++) {
      values[0][i] = ByteSequence.from(EtcdFixtures.routeVariant(i, "a"));
      values[1][i] = ByteSequence.from(EtcdFixtures.routeVariant(i, "b"));
    }

    // Floor: the same puts, one at a time, with no fleet watching.
    long floorTicks = cpuTicks(etcdPid);
    long floorStart = System.nanoTime();
    long revision = 0;
    long[] floorPut = new long[o.changes];
    for (int n = 0; n < o.changes; n++) {
      long sent = System.nanoTime();
      revision = put(writer, n, values, o.routes).getHeader().getRevision();
      floorPut[n] = System.nanoTime() - sent;
    }
    double floorCpu = (cpuTicks(etcdPid) - floorTicks) * 1e6 / USER_HZ / o.changes;
    Arrays.sort(floorPut);
    System.out.printf(Locale.ROOT, "floor (no fleet): etcd CPU %.0f µs per change, put answered p50 %.2f ms, %d changes in %.1f s%n",
        floorCpu, floorPut[rank(o.changes, 0.50)] / 1e6, o.changes, (System.nanoTime() - floorStart) / 1e9);

    long etcdRssBefore = rssKiB(etcdPid);
    long proxyRssBefore = proxy == null ? 0 : rssKiB(proxyPid);
    Metrics etcdBefore = Metrics.read(etcdEndpoint);

    // The fleet, watching from the next revision on.
    long first = revision + 1;
    Tracker tracker = new Tracker(o.nodes(), first, total, o.registries == 0);
    long openStart = System.nanoTime();
    if (o.registries > 0) {
      openRegistries(o, fleetEndpoint, tracker, resources);
    } else {
      openWatchers(o, fleetEndpoint, tracker, resources);
    }
    Metrics etcdOpen = proxy == null ? awaitWatchers(etcdEndpoint, etcdBefore, o.nodes(), tracker) : Metrics.read(etcdEndpoint);
    // etcd's own gauges (a grpc-proxy's /metrics only relays etcd's, so the proxy's coalescing shows here).
    System.out.printf(Locale.ROOT, "fleet open in %.1f s: etcd counts %s watch streams and %s watchers (%s and %s before)%n",
        (System.nanoTime() - openStart) / 1e9,
        etcdOpen.value("etcd_debugging_mvcc_watch_stream_total"), etcdOpen.value("etcd_debugging_mvcc_watcher_total"),
        etcdBefore.value("etcd_debugging_mvcc_watch_stream_total"), etcdBefore.value("etcd_debugging_mvcc_watcher_total"));

    long[] fromAnswer = new long[o.changes];
    long[] fromSend = new long[o.changes];
    long[] spread = new long[o.changes];
    int seenBeforeAnswer = 0;
    long etcdTicks = 0;
    long proxyTicks = 0;
    long jvmCpu = 0;
    long measureStart = 0;
    for (int n = 0; n < total; n++) {
      if (n == o.warmup) {
        etcdTicks = cpuTicks(etcdPid);
        proxyTicks = proxy == null ? 0 : cpuTicks(proxyPid);
        jvmCpu = jvmCpuNanos();
        measureStart = System.nanoTime();
      }
      int index = n;
      long sent = System.nanoTime();
      long[] answered = new long[1];
      PutResponse r = await(writer.getKVClient()
          .put(bytes(ROUTES + ((o.changes + n) % o.routes)), values[((o.changes + n) / o.routes) % 2][(o.changes + n) % o.routes])
          .thenApply(p -> {
            answered[0] = System.nanoTime();
            return p;
          }), "put of change " + n);
      long rev = r.getHeader().getRevision();
      if (rev != first + n) {
        throw new IllegalStateException("change " + n + " has revision " + rev + ", expected " + (first + n)
            + ": something else writes to this etcd");
      }
      tracker.awaitAll(index);
      if (n >= o.warmup) {
        int m = n - o.warmup;
        long d = tracker.last(index) - answered[0];
        if (d < 0) {
          seenBeforeAnswer++;
        }
        fromAnswer[m] = Math.max(0, d);
        fromSend[m] = tracker.last(index) - sent;
        spread[m] = tracker.last(index) - tracker.first(index);
        if ((m + 1) % Math.max(1, o.changes / 5) == 0) {
          System.out.printf(Locale.ROOT, "  %d/%d changes, last one: %.2f ms from its answer to the last watcher%n",
              m + 1, o.changes, fromAnswer[m] / 1e6);
        }
      }
    }
    double seconds = (System.nanoTime() - measureStart) / 1e9;
    double etcdCpu = (cpuTicks(etcdPid) - etcdTicks) * 1e6 / USER_HZ / o.changes;
    double proxyCpu = proxy == null ? 0 : (cpuTicks(proxyPid) - proxyTicks) * 1e6 / USER_HZ / o.changes;
    double jvmCpuPerChange = (jvmCpuNanos() - jvmCpu) / 1e3 / o.changes;
    long etcdRss = rssKiB(etcdPid);
    long proxyRss = proxy == null ? 0 : rssKiB(proxyPid);
    tracker.checkEveryNodeSawEverything();
    if (o.registries > 0) {
      for (ConfigRegistry registry : resources.registries) {
        ConfigRegistry.Status s = registry.status();
        if (s.listenerFailures() > 0 || registry.snapshot().revision() < first + total - 1) {
          throw new IllegalStateException("a registry's snapshot is at revision " + registry.snapshot().revision()
              + " (expected " + (first + total - 1) + ") or its listener failed: " + s);
        }
      }
    }

    Arrays.sort(fromAnswer);
    Arrays.sort(fromSend);
    Arrays.sort(spread);
    int k = o.changes;
    System.out.printf(Locale.ROOT, "from the put's answer to the last watcher: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f"
            + " (%d of %d changes seen by every watcher before the put's answer arrived: counted as 0)%n",
        ms(fromAnswer, k, 0.50), ms(fromAnswer, k, 0.90), ms(fromAnswer, k, 0.99), fromAnswer[k - 1] / 1e6, seenBeforeAnswer, k);
    System.out.printf(Locale.ROOT, "from the put's send to the last watcher: p50 %.2f ms, p99 %.2f; first to last watcher: p50 %.2f ms, p99 %.2f%n",
        ms(fromSend, k, 0.50), ms(fromSend, k, 0.99), ms(spread, k, 0.50), ms(spread, k, 0.99));
    System.out.printf(Locale.ROOT, "etcd: CPU %.0f µs per change (floor %.0f: %+.1f µs per watcher), RSS %.1f MB (%.1f MB before the fleet:"
            + " %.1f KiB per node); %.0f changes/s%n",
        etcdCpu, floorCpu, (etcdCpu - floorCpu) / o.nodes(), etcdRss / 1024.0, etcdRssBefore / 1024.0,
        (etcdRss - etcdRssBefore) / (double) o.nodes(), k / seconds);
    if (proxy != null) {
      System.out.printf(Locale.ROOT, "grpc-proxy: CPU %.0f µs per change, RSS %.1f MB (%.1f MB before the fleet: %.1f KiB per node)%n",
          proxyCpu, proxyRss / 1024.0, proxyRssBefore / 1024.0, (proxyRss - proxyRssBefore) / (double) o.nodes());
    }
    System.out.printf(Locale.ROOT, "this JVM (writer and every watcher): CPU %.0f µs per change; load average %s%n",
        jvmCpuPerChange, loadAverage());
    String result = String.format(Locale.ROOT, "fleet %s=%d clients=%d via=%s changes=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
            + " etcd_cpu_us_per_change=%.0f etcd_floor_cpu_us_per_change=%.0f etcd_rss_mb=%.1f proxy_cpu_us_per_change=%s proxy_rss_mb=%s",
        o.registries > 0 ? "registries" : "watchers", o.nodes(), o.registries > 0 ? o.registries : Math.min(o.clients, o.watchers),
        proxy == null ? "direct" : "proxy", k, ms(fromAnswer, k, 0.50), ms(fromAnswer, k, 0.99), fromAnswer[k - 1] / 1e6,
        etcdCpu, floorCpu, etcdRss / 1024.0,
        proxy == null ? "-" : String.format(Locale.ROOT, "%.0f", proxyCpu),
        proxy == null ? "-" : String.format(Locale.ROOT, "%.1f", proxyRss / 1024.0));
    System.out.println(result);
    return result;
  }

  private static PutResponse put(Client writer, int n, ByteSequence[][] values, int routes) {
    return await(writer.getKVClient().put(bytes(ROUTES + (n % routes)), values[(n / routes) % 2][n % routes]), "floor put " + n);
  }

  /**
   * Directly on etcd, waits until etcd counts every node's watcher (a registry is ready once it has
   * listed; its watch may be created a moment later). etcd has no callback for that: its gauge is
   * polled.
   */
  private static Metrics awaitWatchers(URI etcd, Metrics before, int nodes, Tracker tracker)
      throws IOException, InterruptedException {
    String name = "etcd_debugging_mvcc_watcher_total";
    long want = Long.parseLong(before.value(name)) + nodes;
    long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
    while (true) {
      Metrics m = Metrics.read(etcd);
      if (Long.parseLong(m.value(name)) >= want) {
        return m;
      }
      if (tracker.failed.isDone()) {
        tracker.failed.join();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("etcd counts " + m.value(name) + " watchers after " + OPEN_TIMEOUT + ", expected " + want);
      }
      Thread.sleep(50); // the pause between two polls of a gauge we cannot get a callback from
    }
  }

  private static void openWatchers(Options o, URI endpoint, Tracker tracker, Resources resources) throws InterruptedException {
    int clients = Math.min(o.clients, o.watchers);
    List<Client> list = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      list.add(resources.add(EtcdFixtures.client(List.of(endpoint))));
    }
    CountDownLatch created = new CountDownLatch(o.watchers);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(tracker.first).withCreateNotify(true).build();
    for (int w = 0; w < o.watchers; w++) {
      int node = w;
      resources.add(list.get(w % clients).getWatchClient().watch(bytes(EtcdFixtures.PREFIX + "/"), option,
          new io.etcd.jetcd.Watch.Listener() {
            @Override
            public void onNext(WatchResponse response) {
              long now = System.nanoTime();
              if (response.isCreatedNotify()) {
                created.countDown();
                return;
              }
              for (WatchEvent e : response.getEvents()) {
                if (e.getEventType() != WatchEvent.EventType.PUT) {
                  tracker.fail("watcher " + node + " got a " + e.getEventType() + " event");
                }
                tracker.advance(node, e.getKeyValue().getModRevision(), now);
              }
            }

            @Override
            public void onError(Throwable t) {
              tracker.fail("watcher " + node + " failed: " + t);
            }

            @Override
            public void onCompleted() {
              if (!resources.closing.get()) {
                tracker.fail("watcher " + node + " was completed (cancelled) while the run was on");
              }
            }
          }));
    }
    tracker.awaitLatch(created, OPEN_TIMEOUT, "watchers created");
  }

  private static void openRegistries(Options o, URI endpoint, Tracker tracker, Resources resources) throws InterruptedException {
    for (int n = 0; n < o.registries; n++) {
      int node = n;
      EtcdSource source = resources.add(EtcdSource.builder().endpoints(List.of(endpoint)).prefix(EtcdFixtures.PREFIX).build());
      ConfigRegistry registry = ConfigRegistry.builder(source).build();
      resources.add(registry);
      resources.registries.add(registry);
      registry.addListener(update -> tracker.advance(node, update.current().revision(), System.nanoTime()));
      registry.start();
    }
    for (ConfigRegistry r : resources.registries) {
      if (!r.awaitReady(OPEN_TIMEOUT)) {
        throw new IllegalStateException("a registry did not load within " + OPEN_TIMEOUT + ": " + r.status());
      }
    }
  }

  /**
   * Which node saw which revision when. Revisions {@code first .. first + count - 1} are tracked;
   * a strict tracker (lightweight watchers) demands every revision one by one on every node, a
   * lenient one (registries, whose snapshot may cover several revisions) takes a jump as having
   * seen each revision in between.
   */
  private static final class Tracker {
    final int nodes;
    final long first;
    final int count;
    final boolean strict;
    final AtomicLongArray lastByNode;
    final AtomicIntegerArray seen;
    final AtomicLongArray firstSeen;
    final AtomicLongArray lastSeen;
    final CompletableFuture<?>[] done;
    final CompletableFuture<Void> failed = new CompletableFuture<>();

    Tracker(int nodes, long first, int count, boolean strict) {
      this.nodes = nodes;
      this.first = first;
      this.count = count;
      this.strict = strict;
      this.lastByNode = new AtomicLongArray(nodes);
      for (int i = 0; i < nodes; i++) {
        lastByNode.set(i, first - 1);
      }
      this.seen = new AtomicIntegerArray(count);
      this.firstSeen = new AtomicLongArray(count);
      this.lastSeen = new AtomicLongArray(count);
      this.done = new CompletableFuture<?>[count];
      for (int i = 0; i < count; i++) {
        done[i] = new CompletableFuture<Void>();
      }
    }

    void advance(int node, long revision, long nanos) {
      long last = lastByNode.get(node);
      if (revision <= last) {
        if (strict) {
          fail("node " + node + " saw revision " + revision + " again (had " + last + ")");
        }
        return;
      }
      if (strict && revision != last + 1) {
        fail("node " + node + " missed revision " + (last + 1) + " (got " + revision + ")");
        return;
      }
      if (revision >= first + count) {
        fail("node " + node + " saw revision " + revision + ", beyond the last change " + (first + count - 1));
        return;
      }
      lastByNode.set(node, revision);
      for (long r = last + 1; r <= revision; r++) {
        int i = (int) (r - first);
        firstSeen.compareAndSet(i, 0, nanos);
        lastSeen.accumulateAndGet(i, nanos, Math::max);
        int c = seen.incrementAndGet(i);
        if (c == nodes) {
          done[i].complete(null);
        } else if (c > nodes) {
          fail("revision " + r + " seen " + c + " times by " + nodes + " nodes");
        }
      }
    }

    void fail(String message) {
      failed.completeExceptionally(new IllegalStateException(message));
    }

    void awaitAll(int index) throws InterruptedException {
      try {
        CompletableFuture.anyOf(done[index], failed).get(CHANGE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IllegalStateException("revision " + (first + index) + ": only " + seen.get(index) + " of " + nodes
            + " nodes saw it within " + CHANGE_TIMEOUT);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
      }
      if (failed.isDone()) {
        failed.join(); // throws the failure
      }
    }

    void awaitLatch(CountDownLatch latch, Duration timeout, String what) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!latch.await(100, TimeUnit.MILLISECONDS)) {
        if (failed.isDone()) {
          failed.join();
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(what + ": " + latch.getCount() + " still missing after " + timeout);
        }
      }
    }

    long first(int index) {
      return firstSeen.get(index);
    }

    long last(int index) {
      return lastSeen.get(index);
    }

    void checkEveryNodeSawEverything() {
      if (failed.isDone()) {
        failed.join();
      }
      for (int n = 0; n < nodes; n++) {
        if (lastByNode.get(n) != first + count - 1) {
          throw new IllegalStateException("node " + n + " ended at revision " + lastByNode.get(n) + ", expected " + (first + count - 1));
        }
      }
    }
  }

  /** A few gauges from a Prometheus {@code /metrics} page. */
  private record Metrics(String text) {
    static Metrics read(URI endpoint) throws IOException {
      HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/metrics").toURL().openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(10_000);
      try (InputStream in = c.getInputStream()) {
        return new Metrics(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } finally {
        c.disconnect();
      }
    }

    String value(String name) {
      for (String line : text.split("\n")) {
        if (line.startsWith(name + " ")) {
          return line.substring(name.length() + 1).trim();
        }
      }
      return "?";
    }
  }

  /** Everything the run opened, closed in reverse order exactly once (at the end, or by the shutdown hook). */
  private static final class Resources {
    final AtomicBoolean closing = new AtomicBoolean();
    final Deque<AutoCloseable> open = new ArrayDeque<>();
    final List<ConfigRegistry> registries = new ArrayList<>();

    synchronized <T extends AutoCloseable> T add(T resource) {
      open.push(resource);
      return resource;
    }

    void close() {
      if (!closing.compareAndSet(false, true)) {
        return;
      }
      synchronized (this) {
        while (!open.isEmpty()) {
          AutoCloseable r = open.pop();
          try {
            r.close();
          } catch (Exception e) {
            System.err.println("closing " + r + " failed: " + e);
          }
        }
      }
    }
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(what + " failed: " + e, e);
    }
  }

  private static int rank(int n, double q) {
    return Math.max(0, (int) Math.ceil(q * n) - 1);
  }

  private static double ms(long[] sorted, int n, double q) {
    return sorted[rank(n, q)] / 1e6;
  }

  /** A process's user + system CPU time so far, in clock ticks ({@code /proc/<pid>/stat} fields 14 and 15). */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(proc(pid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** A process's resident set size in KiB ({@code VmRSS} of {@code /proc/<pid>/status}). */
  private static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(proc(pid, "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
  }

  private static Path proc(long pid, String file) {
    Path path = Path.of("/proc/" + pid + "/" + file);
    if (!Files.exists(path)) {
      throw new IllegalStateException("process " + pid + " (etcd or its grpc-proxy) is gone: no " + path);
    }
    return path;
  }

  private static long jvmCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
