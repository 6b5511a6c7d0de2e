package io.dynconf.jmh;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Apply throughput: route puts per second through the registry's single apply thread, each put a
 * separate revision, each value through the full APISIX route pipeline (JSON parse, schema, decode,
 * checks, reference resolution), into a store that already holds {@code size} routes. The baseline
 * {@code pipelineOnly} runs the same values through the pipeline alone, so the ratio is the
 * registry's own cost. Scores are per put.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar RegistryApplyBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RegistryApplyBenchmark {
  private static final int BATCH = 1000;

  @Param({"1000", "10000"})
  public int size;

  private InMemorySource source;
  private ConfigRegistry registry;
  private byte[][] routes;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    source = new InMemorySource("/apisix", 1_000);
    source.put("/apisix/upstreams/u1", RouteFixtures.UPSTREAM);
    routes = new byte[size][];
    for (int i = 0; i < size; i++) {
      routes[i] = RouteFixtures.route(i);
      source.put("/apisix/routes/" + i, routes[i]);
    }
    registry = ConfigRegistry.builder(source).types(StandardTypes.all()).build().start();
    if (!registry.awaitReady(Duration.ofMinutes(1))) {
      throw new IllegalStateException("registry not ready");
    }
  }

  /** {@value #BATCH} puts of existing routes (replacements), then the wait until all are applied. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long registryPuts() {
    long last = 0;
    for (int k = 0; k < BATCH; k++) {
      int i = next++ % size;
      last = source.put("/apisix/routes/" + i, routes[i]);
    }
    while (registry.status().appliedRevision() < last) {
      Thread.onSpinWait();
    }
    return last;
  }

  /** The pipeline alone on the same values: the floor the registry builds on. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void pipelineOnly(Blackhole bh) {
    for (int k = 0; k < BATCH; k++) {
      int i = next++ % size;
      ConfigItem<Route> item = StandardTypes.ROUTES.validate(ResourceKey.of("/apisix", "routes", Integer.toString(i)), routes[i], 2, 3);
      bh.consume(item);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    registry.close();
    source.close();
  }
}
