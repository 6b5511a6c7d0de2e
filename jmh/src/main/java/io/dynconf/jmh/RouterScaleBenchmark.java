package io.dynconf.jmh;

import io.dynconf.jmh.ScaleRoutes.Probe;
import io.dynconf.radix.DynamicRouter;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteSpec;
import io.dynconf.radix.Router;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * dynconf-radix at 1k, 10k and 100k generated routes ({@link ScaleRoutes}: static, parameter,
 * prefix/catch-all and host-bound): lookups (static hit, parameter hit, host-bound hit, miss; each
 * invocation makes {@value #LOOKUPS} lookups over requests spread across the set, the score is per
 * lookup), a full build ({@code Router.of} over every route) and single-route updates on a
 * {@link DynamicRouter} (replace one route by a changed copy; add a new route and remove it again,
 * two publications). Retained heap per route is measured by {@link RouterHeap}.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar RouterScaleBenchmark -prof gc -f 1 -wi 3 -w 1
 * -i 5 -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RouterScaleBenchmark {

  public static final int LOOKUPS = 256;

  @Param({"1000", "10000", "100000"})
  public int routes;

  private ScaleRoutes set;
  private Router<Integer> router;
  private final MatchResult<Integer> result = new MatchResult<>();
  private RouteRequest[] staticHits;
  private RouteRequest[] paramHits;
  private RouteRequest[] hostHits;
  private RouteRequest[] misses;
  private int next;

  private DynamicRouter<Integer> dynamic;
  private RouteSpec<Integer> replaceA;
  private RouteSpec<Integer> replaceB;
  private boolean flip;
  private RouteSpec<Integer> fresh;

  @Setup(Level.Trial)
  public void setUp() {
    set = ScaleRoutes.generate(routes);
    router = Router.of(set.routes());
    staticHits = verified(router, result, set.staticHits());
    paramHits = verified(router, result, set.paramHits());
    hostHits = verified(router, result, set.hostHits());
    misses = verified(router, result, set.misses());

    dynamic = new DynamicRouter<>(set.routes());
    // a static route in the middle of the set, replaced alternately by two changed copies
    Probe victim = set.staticHits().get(set.staticHits().size() / 2);
    RouteSpec<Integer> old = set.routes().get(victim.expected());
    replaceA = old.toBuilder().priority(1).build();
    replaceB = old.toBuilder().priority(2).build();
    fresh = RouteSpec.builder("fresh", -1).paths("/svc7/fresh-resource/:id").methods("GET").build();
    dynamic.put(replaceA);
    if (!dynamic.match(victim.request(), result) || result.route().priority() != 1) {
      throw new IllegalStateException("replacing route " + old.id() + " did not take effect");
    }
  }

  /** The probes' requests, after checking that each matches its expected route (or nothing). */
  static RouteRequest[] verified(Router<Integer> router, MatchResult<Integer> result, List<Probe> probes) {
    if (probes.isEmpty()) {
      throw new IllegalStateException("no requests of this kind in the generated set");
    }
    RouteRequest[] out = new RouteRequest[probes.size()];
    for (int i = 0; i < out.length; i++) {
      Probe p = probes.get(i);
      boolean hit = router.match(p.request(), result);
      int got = hit ? result.value() : -1;
      if (got != p.expected()) {
        throw new IllegalStateException(p.request().method() + " " + p.request().path() + " host "
            + p.request().host() + " matched " + (hit ? result.id() : "nothing") + ", expected "
            + (p.expected() < 0 ? "nothing" : "r" + p.expected()));
      }
      out[i] = p.request();
    }
    return out;
  }

  private void lookups(RouteRequest[] requests, Blackhole bh) {
    Router<Integer> r = router;
    MatchResult<Integer> res = result;
    int i = next;
    int n = requests.length;
    for (int k = 0; k < LOOKUPS; k++) {
      if (i >= n) {
        i = 0;
      }
      bh.consume(r.match(requests[i++], res) ? res.value() : null);
    }
    next = i;
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void staticHit(Blackhole bh) {
    lookups(staticHits, bh);
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void paramHit(Blackhole bh) {
    lookups(paramHits, bh);
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void hostHit(Blackhole bh) {
    lookups(hostHits, bh);
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void miss(Blackhole bh) {
    lookups(misses, bh);
  }

  /** A full build: {@code Router.of} over every route (specs already built). */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Router<Integer> build() {
    return Router.of(set.routes());
  }

  /** One route replaced by a changed copy (path-copying update, one publication). */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long updateReplace() {
    flip = !flip;
    dynamic.put(flip ? replaceB : replaceA);
    return dynamic.version();
  }

  /** A new route added, then removed: two path-copying updates, two publications; the score is per update. */
  @Benchmark
  @OperationsPerInvocation(2)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long updateAddRemove() {
    dynamic.put(fresh);
    dynamic.remove("fresh");
    return dynamic.version();
  }
}
