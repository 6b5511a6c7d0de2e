package io.dynconf.jmh;

import static io.dynconf.jmh.EtcdFixtures.ROUTES;
import static io.dynconf.jmh.EtcdFixtures.bytes;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * Propagation latency: the time from a put of an APISIX route through jetcd until it is seen, on a
 * real etcd started for the run.
 *
 * <ul>
 *   <li>{@code registryListener}: until a {@link ConfigRegistry} over an {@link EtcdSource} (the
 *       standard types) has called its listener with a snapshot at the put's revision or later:
 *       etcd → watch → EtcdSource → apply thread (JSON, schema, decode, checks, references) →
 *       snapshot → notifier thread → listener.
 *   <li>{@code rawJetcdWatch}: until a raw jetcd prefix watch sees the put: etcd's own floor.
 * </ul>
 *
 * <p>Both methods run on the same fixture, built in full in both (JMH gives each method its own
 * fork): the upstream {@code u1} and {@code routes} routes ({@link RouteFixtures}) are written
 * first, so every route is served, not pending; then the raw watch and the registry both watch the
 * prefix while each operation rewrites one route (a new value each time). Writes go to the leader;
 * with {@code members=3} the raw watch and the source use a follower, as a node of a fleet would.
 * Direct endpoints, no proxy.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar EtcdPropagationBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class EtcdPropagationBenchmark {
  /** Members of the etcd cluster. */
  @Param({"1", "3"})
  public int members;

  /** Routes held by the registry; each operation rewrites the next one of them. */
  @Param({"1000"})
  public int routes;

  private EtcdCluster etcd;
  private Client writer;
  private Client rawClient;
  private Watch.Watcher rawWatch;
  private EtcdSource source;
  private ConfigRegistry registry;
  private ByteSequence[] keys;
  private ByteSequence[][] values; // two different values per route, used in turn
  private long sequence;

  private final AtomicLong rawSeen = new AtomicLong();
  private final AtomicReference<CompletableFuture<Void>> rawWaiter = new AtomicReference<>(new CompletableFuture<>());
  private final AtomicLong registrySeen = new AtomicLong();
  private final AtomicReference<CompletableFuture<Void>> registryWaiter = new AtomicReference<>(new CompletableFuture<>());

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    etcd = EtcdCluster.builder().members(members).start();
    URI leader = etcd.leader().directEndpoint();
    URI readVia = members == 1 ? leader : etcd.followers().get(0).directEndpoint();
    writer = EtcdFixtures.client(List.of(leader));

    keys = new ByteSequence[routes];
    values = new ByteSequence[2][routes];
    for (int i = 0; i < routes; i++) {
      keys[i] = bytes(ROUTES + i);
      values[0][i] = ByteSequence.from(EtcdFixtures.routeVariant(i, "a"));
      values[1][i] = ByteSequence.from(EtcdFixtures.routeVariant(i, "b"));
    }
    EtcdFixtures.writeRoutes(writer, routes, RouteFixtures::route);

    // The raw watch starts from a known revision: a watch "from now" may be created after the first put.
    rawClient = EtcdFixtures.client(List.of(readVia));
    long from = etcd.revision() + 1;
    rawWatch = rawClient.getWatchClient().watch(
        bytes(ROUTES),
        WatchOption.builder().isPrefix(true).withRevision(from).build(),
        response -> {
          for (WatchEvent e : response.getEvents()) {
            rawSeen.accumulateAndGet(e.getKeyValue().getModRevision(), Math::max);
          }
          rawWaiter.get().complete(null);
        });

    source = EtcdSource.builder().endpoints(List.of(readVia)).prefix(EtcdFixtures.PREFIX).build();
    registry = ConfigRegistry.builder(source).build(); // StandardTypes.all()
    registry.addListener(update -> {
      registrySeen.accumulateAndGet(update.current().revision(), Math::max);
      registryWaiter.get().complete(null);
    });
    registry.start();
    if (!registry.awaitReady(Duration.ofSeconds(60))) {
      throw new IllegalStateException("the registry did not load within 60 s: " + registry.status());
    }
    int served = registry.store(StandardTypes.ROUTES).size();
    if (served != routes || !registry.snapshot().pending().isEmpty()) {
      throw new IllegalStateException("served " + served + " of " + routes + " routes, pending " + registry.snapshot().pending().keySet());
    }
  }

  /** Puts the next route; returns its revision. */
  private long put() throws Exception {
    long n = sequence++;
    int i = (int) (n % routes);
    ByteSequence value = values[(int) ((n / routes) & 1)][i];
    return writer.getKVClient().put(keys[i], value).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /** One put, and the wait until the raw jetcd watch delivers it; returns the revision it saw. */
  @Benchmark
  public long rawJetcdWatch() throws Exception {
    return awaitRevision(put(), rawSeen, rawWaiter);
  }

  /** One put, and the wait until the registry's listener got a snapshot at its revision; returns that revision. */
  @Benchmark
  public long registryListener() throws Exception {
    return awaitRevision(put(), registrySeen, registryWaiter);
  }

  static long awaitRevision(long revision, AtomicLong seen, AtomicReference<CompletableFuture<Void>> waiter) throws Exception {
    while (true) {
      // Arm first, then check: a callback that lands in between is seen by the check.
      CompletableFuture<Void> next = new CompletableFuture<>();
      waiter.set(next);
      long now = seen.get();
      if (now >= revision) {
        return now;
      }
      next.get(10, TimeUnit.SECONDS);
    }
  }

  /** The registry, for tests. */
  ConfigRegistry registry() {
    return registry;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (registry != null) {
      registry.close();
    }
    if (source != null) {
      source.close();
    }
    if (rawWatch != null) {
      rawWatch.close();
    }
    if (rawClient != null) {
      rawClient.close();
    }
    if (writer != null) {
      writer.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }
}
