package io.dynconf.jmh;

import io.dynconf.jmh.RouteMatcher.Lookup;
import io.dynconf.jmh.RouteSet.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
 * Route-set lookups, dynconf-radix against the routers its users would pick instead, in the same
 * run: Spring's {@code PathPattern}, Vert.x Web's {@code Router}, Undertow's {@code
 * PathTemplateMatcher} (see {@link RouteMatcher} for how each is set up and what is timed). Every
 * implementation holds all routes of {@code routeFile} and matches method + path.
 *
 * <p>{@code lookup}: {@code all} requests every route of the file in turn with the pattern text as
 * the path ({@code GET /repos/:owner/:repo} is requested as that literal path, as
 * go-http-routing-benchmark's "All" benchmarks do); {@code static1} one static route ({@code GET
 * /user/repos} in the GitHub set); {@code param2} one two-parameter route ({@code GET
 * /repos/julienschmidt/httprouter/stargazers}). One invocation makes {@value #LOOKUPS} lookups,
 * continuing round-robin through the requests (for the 203-route GitHub set, exactly every route
 * once), and the score is per lookup, for any route file ({@code @OperationsPerInvocation}); so is
 * {@code gc.alloc.rate.norm} under {@code -prof gc}.
 *
 * <p>The setup fails unless every implementation matches every route of the file to its own
 * handler, and the single-route requests to the expected handler with the same parameters.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar RouteSetBenchmark -prof gc -f 1 -wi 3 -w 1 -i
 * 5 -r 1}; another route set: {@code -p routeFile=static.txt -p lookup=all,static1} (a bundled set
 * by name, see {@link RouteSet#BUNDLED}) or {@code -p routeFile=/path/to/routes.txt} (any file).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteSetBenchmark {

  /** Lookups per invocation: the GitHub set's size, so that "all" there is every route once. */
  public static final int LOOKUPS = 203;

  /** A bundled route set's name or the path of a file of {@code METHOD PATH} lines ({@link RouteSet#load}). */
  @Param({"github.txt"})
  public String routeFile;

  @Param({"dynconf", "spring", "vertx", "undertow"})
  public String impl;

  /** {@code all}, {@code static1} or {@code param2}. */
  @Param({"all", "static1", "param2"})
  public String lookup;

  private RouteMatcher matcher;
  private int count;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    RouteSet set = RouteSet.load(routeFile);
    matcher = RouteMatcher.create(impl, set.routes());
    Cases cases = Cases.of(set);
    cases.verify(impl, matcher);
    List<Lookup> lookups = cases.lookups(lookup);
    matcher.prepare(lookups);
    count = lookups.size();
    next = 0;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    matcher.close();
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void match(Blackhole bh) {
    RouteMatcher m = matcher;
    int i = next;
    int n = count;
    for (int k = 0; k < LOOKUPS; k++) {
      bh.consume(m.match(i));
      if (++i == n) {
        i = 0;
      }
    }
    next = i;
    bh.consume(m.last());
  }

  /**
   * The requests of each {@code lookup} case for one route set, with the handler and parameters
   * each must produce.
   */
  public record Cases(RouteSet set, @Nullable Lookup static1, int static1Handler, @Nullable Lookup param2,
      int param2Handler, List<String> param2Names, List<String> param2Values) {

    /**
     * Picks the single-route cases: go-http-routing-benchmark's for the GitHub set, else the first
     * fitting route (GET preferred); a case is null when the set has no fitting route.
     */
    public static Cases of(RouteSet set) {
      List<Route> routes = set.routes();
      int s = indexOf(routes, "GET", "/user/repos");
      if (s < 0) {
        s = firstWithParams(routes, 0);
      }
      int p = indexOf(routes, "GET", "/repos/:owner/:repo/stargazers");
      List<String> values = List.of("julienschmidt", "httprouter");
      if (p < 0) {
        p = firstWithParams(routes, 2);
        values = List.of("first-value", "second-value");
      }
      List<String> names = new ArrayList<>();
      Lookup param2 = null;
      if (p >= 0) {
        Route pr = routes.get(p);
        StringBuilder path = new StringBuilder();
        for (String seg : pr.path().substring(1).split("/", -1)) {
          path.append('/');
          if (seg.startsWith(":")) {
            path.append(values.get(names.size()));
            names.add(seg.substring(1));
          } else {
            path.append(seg);
          }
        }
        param2 = new Lookup(pr.method(), path.toString());
      }
      Lookup static1 = s < 0 ? null : new Lookup(routes.get(s).method(), routes.get(s).path());
      return new Cases(set, static1, s, param2, p, List.copyOf(names), values.subList(0, names.size()));
    }

    private static int indexOf(List<Route> routes, String method, String path) {
      return routes.indexOf(new Route(method, path));
    }

    private static int firstWithParams(List<Route> routes, int params) {
      int any = -1;
      for (int i = 0; i < routes.size(); i++) {
        if (routes.get(i).params() == params) {
          if (routes.get(i).method().equals("GET")) {
            return i;
          }
          if (any < 0) {
            any = i;
          }
        }
      }
      return any;
    }

    /** Every route requested once, pattern text as the path. */
    public List<Lookup> all() {
      return set.routes().stream().map(r -> new Lookup(r.method(), r.path())).toList();
    }

    /** The requests of case {@code lookup}. */
    public List<Lookup> lookups(String lookup) {
      return switch (lookup) {
        case "all" -> all();
        case "static1" -> List.of(present(static1, "static route"));
        case "param2" -> List.of(present(param2, "two-parameter route"));
        default -> throw new IllegalArgumentException("lookup " + lookup + ": expected all, static1 or param2");
      };
    }

    private Lookup present(@Nullable Lookup l, String what) {
      if (l == null) {
        throw new IllegalArgumentException("route file " + set.source() + " has no " + what + " for this case");
      }
      return l;
    }

    /**
     * Fails unless {@code matcher} maps every route of the set to its own handler, and the
     * single-route requests to theirs with the expected parameters.
     */
    public void verify(String impl, RouteMatcher matcher) {
      List<Lookup> all = all();
      matcher.prepare(all);
      List<String> wrong = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        int h = matcher.match(i);
        if (h != i) {
          wrong.add(all.get(i) + " -> " + (h < 0 ? "no match" : set.routes().get(h).toString()));
        }
      }
      if (!wrong.isEmpty()) {
        throw new IllegalStateException(impl + " routes " + wrong.size() + " of " + all.size() + " requests of "
            + set.source() + " wrongly, e.g. " + wrong.subList(0, Math.min(5, wrong.size())));
      }
      if (static1 != null) {
        matcher.prepare(List.of(static1));
        expect(impl, matcher, 0, static1, static1Handler);
      }
      if (param2 == null) {
        return;
      }
      matcher.prepare(List.of(param2));
      expect(impl, matcher, 0, param2, param2Handler);
      for (int k = 0; k < param2Names.size(); k++) {
        String got = matcher.param(param2Names.get(k));
        if (!param2Values.get(k).equals(got)) {
          throw new IllegalStateException(impl + ": " + param2 + " bound " + param2Names.get(k) + " to " + got
              + ", expected " + param2Values.get(k));
        }
      }
    }

    private void expect(String impl, RouteMatcher matcher, int i, Lookup l, int handler) {
      int h = matcher.match(i);
      if (h != handler) {
        throw new IllegalStateException(impl + ": " + l + " -> " + (h < 0 ? "no match" : set.routes().get(h))
            + ", expected " + set.routes().get(handler));
      }
    }
  }
}
