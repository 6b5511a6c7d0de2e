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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Full load: the time from {@code start()} to the first snapshot for a source holding {@code
 * routes} APISIX routes (plus their upstream), each through the full route pipeline. Baseline
 * {@code pipelineOnly}: the same values through the pipeline alone, in one thread.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar RegistryFullLoadBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class RegistryFullLoadBenchmark {
  @Param({"100000"})
  public int routes;

  private InMemorySource source;
  private byte[][] values;

  @Setup(Level.Trial)
  public void setUp() {
    source = new InMemorySource("/apisix", 16);
    source.put("/apisix/upstreams/u1", RouteFixtures.UPSTREAM);
    values = new byte[routes][];
    for (int i = 0; i < routes; i++) {
      values[i] = RouteFixtures.route(i);
      source.put("/apisix/routes/" + i, values[i]);
    }
  }

  @Benchmark
  public int registryStartToReady() throws Exception {
    try (ConfigRegistry registry = ConfigRegistry.builder(source).types(StandardTypes.all()).build().start()) {
      if (!registry.awaitReady(Duration.ofMinutes(2))) {
        throw new IllegalStateException("not ready");
      }
      int served = registry.store(StandardTypes.ROUTES).size();
      if (served != routes) {
        throw new IllegalStateException("served " + served + " of " + routes + " routes");
      }
      return served;
    }
  }

  @Benchmark
  public void pipelineOnly(Blackhole bh) {
    for (int i = 0; i < routes; i++) {
      ConfigItem<Route> item = StandardTypes.ROUTES.validate(ResourceKey.of("/apisix", "routes", Integer.toString(i)), values[i], 2, 3);
      bh.consume(item);
    }
  }
}
