package io.dynconf.jmh;

import static io.dynconf.jmh.EtcdFixtures.bytes;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.testing.EtcdCluster;
import io.dynconf.etcd.testing.EtcdMember;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Initial load and catch-up of an {@link EtcdSource}-backed {@link ConfigRegistry} holding {@code
 * routes} APISIX routes ({@link RouteFixtures}, all served: their upstream {@code u1} exists) in a
 * real one-member etcd, written in the trial's setup.
 *
 * <ul>
 *   <li>{@code initialLoad}: from building the source and the registry and {@code start()} to
 *       {@code awaitReady} with every route served (a paged listing at one revision, then the
 *       whole pipeline for each value). Baseline {@code rawJetcdPagedRead}: a new jetcd client
 *       reading the same keys in pages of {@code pageSize} at the first page's revision, in
 *       etcd's own key order: etcd's and gRPC's floor. {@code rawJetcdPagedReadSorted}: the same
 *       read with the sort option the source sends today (see its javadoc for what that costs).
 *   <li>{@code catchUpAfterCompaction}: a running registry (through the members' proxies, default
 *       source options) is cut off ({@code drop()}), {@code changes} routes are changed meanwhile
 *       (one put each) and etcd is compacted past the watch's position; timed: from {@code
 *       pass()} until the registry has applied etcd's current revision. That includes the
 *       reconnect, the compaction seen by the watch, the relist of every key and the diff. Each
 *       invocation prints where the time went.
 * </ul>
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar EtcdLoadBenchmark}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class EtcdLoadBenchmark {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  /** A one-member etcd holding the upstream and {@code routes} routes. */
  @State(Scope.Benchmark)
  public static class Etcd {
    @Param({"100000"})
    public int routes;

    /** Keys per range request, of the source and of the raw read alike. */
    @Param({"5000"})
    public int pageSize;

    EtcdCluster cluster;
    Client writer;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      cluster = EtcdCluster.builder().members(1).start();
      writer = EtcdFixtures.client(cluster.directEndpoints());
      long start = System.nanoTime();
      EtcdFixtures.writeRoutes(writer, routes, RouteFixtures::route);
      System.out.printf("(setup: wrote %,d routes in %,d ms, etcd revision %d)%n", routes,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), cluster.revision());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (writer != null) {
        writer.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /** What one load opened; closed after the invocation, outside the timing. */
  @State(Scope.Benchmark)
  public static class Opened {
    EtcdSource source;
    ConfigRegistry registry;
    Client client;

    @TearDown(Level.Invocation)
    public void close() {
      if (registry != null) {
        registry.close();
        registry = null;
      }
      if (source != null) {
        source.close();
        source = null;
      }
      if (client != null) {
        client.close();
        client = null;
      }
    }
  }

  /** Start to ready with every route served; returns how many routes are served. */
  @Benchmark
  public int initialLoad(Etcd etcd, Opened opened) throws Exception {
    opened.source = EtcdSource.builder().endpoints(etcd.cluster.directEndpoints()).prefix(EtcdFixtures.PREFIX).pageSize(etcd.pageSize).build();
    opened.registry = ConfigRegistry.builder(opened.source).build().start(); // StandardTypes.all()
    if (!opened.registry.awaitReady(TIMEOUT)) {
      throw new IllegalStateException("not ready after " + TIMEOUT + ": " + opened.registry.status());
    }
    int served = opened.registry.store(StandardTypes.ROUTES).size();
    if (served != etcd.routes) {
      throw new IllegalStateException("served " + served + " of " + etcd.routes + " routes; pending " + opened.registry.snapshot().pending().size());
    }
    return served;
  }

  /**
   * The floor: the same keys read with a new jetcd client, page by page at the first page's
   * revision, in etcd's own key order; returns how many keys were read.
   */
  @Benchmark
  public int rawJetcdPagedRead(Etcd etcd, Opened opened, Blackhole bh) throws Exception {
    opened.client = EtcdFixtures.client(etcd.cluster.directEndpoints());
    return pagedRead(opened.client, etcd, false, bh);
  }

  /**
   * The same read with the sort option {@code EtcdSource.list()} sends (key, ascending): etcd then
   * ignores the page limit, reads every key from the page's start to the end of the range, sorts
   * and truncates, so a listing costs O(keys² / pageSize).
   */
  @Benchmark
  public int rawJetcdPagedReadSorted(Etcd etcd, Opened opened, Blackhole bh) throws Exception {
    opened.client = EtcdFixtures.client(etcd.cluster.directEndpoints());
    return pagedRead(opened.client, etcd, true, bh);
  }

  static int pagedRead(Client client, Etcd etcd, boolean sorted, Blackhole bh) throws Exception {
    ByteSequence from = bytes(EtcdFixtures.PREFIX + "/");
    ByteSequence end = bytes(EtcdFixtures.PREFIX + "0"); // '0' follows '/': the end of the prefix's range
    long revision = 0;
    int read = 0;
    while (true) {
      GetOption.Builder option = GetOption.builder().withRange(end).withLimit(etcd.pageSize);
      if (sorted) {
        option.withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
      }
      if (revision > 0) {
        option.withRevision(revision);
      }
      GetResponse page = client.getKVClient().get(from, option.build()).get(60, TimeUnit.SECONDS);
      if (revision == 0) {
        revision = page.getHeader().getRevision();
      }
      for (io.etcd.jetcd.KeyValue kv : page.getKvs()) {
        bh.consume(kv);
      }
      read += page.getKvs().size();
      if (!page.isMore() || page.getKvs().isEmpty()) {
        break;
      }
      from = page.getKvs().get(page.getKvs().size() - 1).getKey().concat(ByteSequence.from(new byte[] {0}));
    }
    if (read != etcd.routes + 1) {
      throw new IllegalStateException("read " + read + " keys, expected " + (etcd.routes + 1));
    }
    return read;
  }

  /** A registry over the members' proxies, cut off and left behind a compaction before each invocation. */
  @State(Scope.Benchmark)
  public static class CutOff {
    /** Routes changed (one put each) while the registry is cut off. */
    @Param({"1000"})
    public int changes;

    EtcdSource source;
    ConfigRegistry registry;
    List<EtcdMember> members;
    int round;
    long target;
    int relistsBefore;
    String lastChanged;
    String expectedName;
    long cutOffAtNanos;
    long reconnectsBefore;
    long reconnectsAtPass;

    @Setup(Level.Trial)
    public void start(Etcd etcd) throws Exception {
      members = etcd.cluster.members();
      source = EtcdSource.builder().endpoints(etcd.cluster.endpoints()).prefix(EtcdFixtures.PREFIX).pageSize(etcd.pageSize).build();
      registry = ConfigRegistry.builder(source).build().start();
      if (!registry.awaitReady(TIMEOUT)) {
        throw new IllegalStateException("not ready after " + TIMEOUT + ": " + registry.status());
      }
      awaitApplied(registry, etcd.cluster.revision(), System.nanoTime() + TIMEOUT.toNanos());
    }

    @Setup(Level.Invocation)
    public void cutOffWriteAndCompact(Etcd etcd) throws Exception {
      round++;
      reconnectsBefore = source.status().reconnects();
      cutOffAtNanos = System.nanoTime();
      members.forEach(m -> m.proxy().drop());
      int[] keys = new int[changes];
      for (int j = 0; j < changes; j++) {
        keys[j] = (int) (((long) round * changes + j) % etcd.routes);
      }
      String tag = "c" + round;
      EtcdFixtures.putEach(etcd.writer, keys, i -> EtcdFixtures.routeVariant(i, tag));
      target = etcd.cluster.compact(); // etcd's current revision, and the watch's resume point is gone
      relistsBefore = registry.status().relists();
      lastChanged = Integer.toString(keys[changes - 1]);
      expectedName = "route-" + lastChanged + "-" + tag;
    }

    @TearDown(Level.Trial)
    public void stop() {
      if (members != null) {
        members.forEach(m -> m.proxy().pass());
      }
      if (registry != null) {
        registry.close();
      }
      if (source != null) {
        source.close();
      }
    }
  }

  /** From {@code pass()} until the registry has applied etcd's current revision; returns the applied revision. */
  @Benchmark
  public long catchUpAfterCompaction(CutOff c) {
    c.reconnectsAtPass = c.source.status().reconnects();
    long start = System.nanoTime();
    c.members.forEach(m -> m.proxy().pass());
    long deadline = start + TIMEOUT.toNanos();
    long relistedAt = 0;
    while (true) {
      ConfigRegistry.Status s = c.registry.status();
      if (relistedAt == 0 && s.relists() > c.relistsBefore) {
        relistedAt = System.nanoTime();
      }
      if (s.appliedRevision() >= c.target) {
        long end = System.nanoTime();
        Route route = c.registry.store(StandardTypes.ROUTES).get(c.lastChanged);
        if (route == null || !c.expectedName.equals(route.name())) {
          throw new IllegalStateException("route " + c.lastChanged + " is " + route + ", expected the name " + c.expectedName);
        }
        long relist = relistedAt == 0 ? end : relistedAt;
        System.out.printf("(catch-up: cut off %,d ms before pass(), %d watch reconnect attempts by then; pass → relist started %,d ms;"
                + " relist + apply %,d ms; relists %d → %d)%n",
            TimeUnit.NANOSECONDS.toMillis(start - c.cutOffAtNanos), c.reconnectsAtPass - c.reconnectsBefore,
            TimeUnit.NANOSECONDS.toMillis(relist - start), TimeUnit.NANOSECONDS.toMillis(end - relist), c.relistsBefore, s.relists());
        return s.appliedRevision();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the registry did not catch up with revision " + c.target + " in " + TIMEOUT + ": " + s
            + " / " + c.source.status());
      }
      LockSupport.parkNanos(200_000);
    }
  }

  static void awaitApplied(ConfigRegistry registry, long revision, long deadlineNanos) {
    while (registry.status().appliedRevision() < revision) {
      if (System.nanoTime() > deadlineNanos) {
        throw new IllegalStateException("the registry did not apply revision " + revision + ": " + registry.status());
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
