package io.dynconf.jmh;

import static io.dynconf.jmh.EtcdFixtures.ROUTES;
import static io.dynconf.jmh.EtcdFixtures.bytes;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
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

/**
 * A fleet on one etcd: {@code nodes} registries, each with its own {@link EtcdSource} (its own
 * connection and prefix watch, as separate gateway processes would have), all watching one etcd
 * member; each operation rewrites one route and waits until <em>every</em> node's listener has a
 * snapshot at that revision. Besides the time, each measured iteration prints etcd's own CPU time
 * per change ({@code /proc/<pid>/stat}), the figure a fleet's operator watches: it grows with the
 * watchers etcd must send every event to.
 *
 * <p>The nodes share this JVM and its cores, so the time includes every node's apply work one after
 * another on the machine's cores (on a real fleet each node applies on its own); etcd's CPU per change
 * does not depend on that.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar EtcdFleetBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class EtcdFleetBenchmark {
  /** Registries watching the prefix. */
  @Param({"1", "8", "32"})
  public int nodes;

  /** Routes every node holds; each operation rewrites the next one. */
  @Param({"100"})
  public int routes;

  private EtcdCluster etcd;
  private Client writer;
  private final List<EtcdSource> sources = new ArrayList<>();
  private final List<ConfigRegistry> registries = new ArrayList<>();
  private AtomicLongArray seen;
  private final AtomicLong slowest = new AtomicLong();
  private final AtomicReference<CompletableFuture<Void>> waiter = new AtomicReference<>(new CompletableFuture<>());
  private ByteSequence[][] values;
  private long sequence;
  private long iterationTicks;
  private long iterationChanges;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    etcd = EtcdCluster.builder().members(1).start();
    writer = EtcdFixtures.client(List.of(etcd.leader().directEndpoint()));
    values = new ByteSequence[2][routes];
    for (int i = 0; i < routes; i++) {
      values[0][i] = ByteSequence.from(EtcdFixtures.routeVariant(i, "a"));
      values[1][i] = ByteSequence.from(EtcdFixtures.routeVariant(i, "b"));
    }
    EtcdFixtures.writeRoutes(writer, routes, RouteFixtures::route);
    seen = new AtomicLongArray(nodes);
    for (int n = 0; n < nodes; n++) {
      int node = n;
      EtcdSource source = EtcdSource.builder().endpoints(List.of(etcd.leader().directEndpoint())).prefix(EtcdFixtures.PREFIX).build();
      ConfigRegistry registry = ConfigRegistry.builder(source).build();
      registry.addListener(update -> {
        seen.accumulateAndGet(node, update.current().revision(), Math::max);
        slowest.accumulateAndGet(minSeen(), Math::max); // the minimum only grows; a late writer must not lower it
        waiter.get().complete(null);
      });
      sources.add(source);
      registries.add(registry);
      registry.start();
    }
    for (ConfigRegistry r : registries) {
      if (!r.awaitReady(Duration.ofSeconds(120))) {
        throw new IllegalStateException("a node did not load within 120 s: " + r.status());
      }
    }
  }

  private long minSeen() {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < seen.length(); i++) {
      min = Math.min(min, seen.get(i));
    }
    return min;
  }

  @Setup(Level.Iteration)
  public void startIteration() throws Exception {
    iterationTicks = etcdCpuTicks();
    iterationChanges = sequence;
  }

  @TearDown(Level.Iteration)
  public void endIteration() throws Exception {
    long changes = sequence - iterationChanges;
    double micros = (etcdCpuTicks() - iterationTicks) * 1e6 / 100.0; // USER_HZ = 100
    System.out.printf("%n  etcd CPU: %.0f µs per change (%d changes, %d node(s))%n",
        changes == 0 ? 0.0 : micros / changes, changes, nodes);
  }

  /** etcd's user + system CPU time so far, in clock ticks. */
  private long etcdCpuTicks() throws Exception {
    long pid = etcd.leader().pid().orElseThrow(() -> new IllegalStateException("etcd's pid is unknown"));
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
  }

  /** One route rewritten, and the wait until every node has applied it; returns the revision. */
  @Benchmark
  public long everyNodeApplied() throws Exception {
    long n = sequence++;
    int i = (int) (n % routes);
    long revision = writer.getKVClient().put(bytes(ROUTES + i), values[(int) ((n / routes) & 1)][i])
        .get(10, TimeUnit.SECONDS).getHeader().getRevision();
    return EtcdPropagationBenchmark.awaitRevision(revision, slowest, waiter);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    registries.forEach(ConfigRegistry::close);
    sources.forEach(EtcdSource::close);
    if (writer != null) {
      writer.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }
}
