package io.dynconf.jmh;

import io.dynconf.etcd.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * etcd's own floor for configuration propagation: the time from a put until a raw jetcd watch on
 * the prefix sees it, on a real etcd started for the run. dynconf's propagation benchmarks report
 * their figures against this baseline measured in the same run.
 *
 * <p>{@code members=1} is one fsync-bound member; {@code members=3} writes through the leader and
 * watches through a follower, as a node of a fleet would.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar EtcdWatchLatencyBenchmark -p members=1,3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class EtcdWatchLatencyBenchmark {
  private static final String PREFIX = "/apisix/routes/";

  @Param({"1"})
  public int members;

  private EtcdCluster etcd;
  private Client writer;
  private Client watcher;
  private Watch.Watcher watch;
  private final AtomicLong lastSeen = new AtomicLong();
  private final AtomicReference<CompletableFuture<Long>> pending = new AtomicReference<>(new CompletableFuture<>());
  private long sequence;

  @Setup(Level.Trial)
  public void setUp() {
    etcd = EtcdCluster.builder().members(members).start();
    URI leader = etcd.leader().directEndpoint();
    URI watchVia = members == 1 ? leader : etcd.followers().get(0).directEndpoint();
    writer = client(leader);
    watcher = client(watchVia);
    ByteSequence prefix = bytes(PREFIX);
    // Watch from a known revision: a watch "from now" may be created after the first put.
    long from = etcd.revision() + 1;
    watch =
        watcher
            .getWatchClient()
            .watch(
                prefix,
                WatchOption.builder().isPrefix(true).withRevision(from).build(),
                response -> {
                  for (WatchEvent e : response.getEvents()) {
                    lastSeen.accumulateAndGet(e.getKeyValue().getModRevision(), Math::max);
                  }
                  pending.get().complete(lastSeen.get());
                });
  }

  private static Client client(URI endpoint) {
    return Client.builder().endpoints(List.of(endpoint).toArray(URI[]::new)).connectTimeout(Duration.ofSeconds(2)).build();
  }

  /** One put, and the wait until the watch delivers it; returns the revision the watch saw. */
  @Benchmark
  public long putThenWatchEvent() throws Exception {
    long revision =
        writer.getKVClient().put(bytes(PREFIX + (sequence++ % 64)), bytes("{\"uri\":\"/r\"}")).get(10, TimeUnit.SECONDS)
            .getHeader()
            .getRevision();
    while (true) {
      // Arm first, then check: an event that lands in between is seen by the check.
      CompletableFuture<Long> next = new CompletableFuture<>();
      pending.set(next);
      long seen = lastSeen.get();
      if (seen >= revision) {
        return seen;
      }
      next.get(10, TimeUnit.SECONDS);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (watch != null) {
      watch.close();
    }
    if (writer != null) {
      writer.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
