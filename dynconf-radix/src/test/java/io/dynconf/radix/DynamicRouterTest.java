package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DynamicRouterTest {

  private static RouteSpec<String> route(String id, String value, String... paths) {
    return RouteSpec.builder(id, value).paths(paths).build();
  }

  private static String value(DynamicRouter<String> r, String path) {
    RouteMatch<String> m = r.match(RouteRequest.of("GET", path, null, null));
    return m == null ? null : m.value();
  }

  @Test
  void putReplacesByIdAndRemoveDeletes() {
    DynamicRouter<String> r = new DynamicRouter<>();
    r.put(route("1", "v1", "/a"));
    r.put(route("2", "v2", "/b/:id"));
    assertThat(value(r, "/a")).isEqualTo("v1");
    assertThat(value(r, "/b/7")).isEqualTo("v2");
    long v = r.version();
    r.put(route("1", "v1b", "/c"));
    assertThat(r.version()).isGreaterThan(v);
    assertThat(value(r, "/a")).as("the old path of a replaced route is gone").isNull();
    assertThat(value(r, "/c")).isEqualTo("v1b");
    assertThat(r.remove("2")).isTrue();
    assertThat(r.remove("2")).isFalse();
    assertThat(value(r, "/b/7")).isNull();
    assertThat(r.size()).isEqualTo(1);
  }

  @Test
  void aReplacedRouteKeepsItsPlaceAmongEqualCandidates() {
    DynamicRouter<String> r = new DynamicRouter<>();
    r.put(route("first", "first", "/p/:id"));
    r.put(route("second", "second", "/p/:id"));
    r.put(route("first", "first-v2", "/p/:id"));
    assertThat(value(r, "/p/1")).isEqualTo("first-v2");
    r.remove("first");
    r.put(route("first", "first-v3", "/p/:id"));
    assertThat(value(r, "/p/1")).as("a route removed and added again goes last").isEqualTo("second");
  }

  @Test
  void anOldRouterIsASnapshotThatLaterChangesDoNotTouch() {
    DynamicRouter<String> r = new DynamicRouter<>(List.of(route("1", "v1", "/a")));
    Router<String> before = r.router();
    r.put(route("1", "v2", "/a"));
    r.put(route("2", "v3", "/b"));
    assertThat(before.match(RouteRequest.of("GET", "/a", null, null)).value()).isEqualTo("v1");
    assertThat(before.match(RouteRequest.of("GET", "/b", null, null))).isNull();
    assertThat(before.size()).isEqualTo(1);
  }

  @Test
  void applyPublishesABatchAtOnce() {
    DynamicRouter<String> r = new DynamicRouter<>(List.of(route("1", "v1", "/a"), route("2", "v2", "/b")));
    long v = r.version();
    r.apply(List.of(route("3", "v3", "/c"), route("1", "v1b", "/a")), List.of("2", "missing"));
    assertThat(r.version()).isEqualTo(v + 1);
    assertThat(value(r, "/a")).isEqualTo("v1b");
    assertThat(value(r, "/b")).isNull();
    assertThat(value(r, "/c")).isEqualTo("v3");
  }

  /**
   * Random puts, replacements, removals and batches, small and large (path copying and rebuild):
   * after each, the dynamic router answers every probe exactly as a router built from scratch from
   * the same routes.
   */
  @Test
  void randomChangesAgreeWithAFreshBuild() {
    long seed = Long.getLong("dynconf.seed", Long.getLong("router.seed", new SecureRandom().nextLong()));
    System.out.println("DynamicRouterTest.randomChangesAgreeWithAFreshBuild: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int run = 0; run < 40; run++) {
      DynamicRouter<String> dyn = new DynamicRouter<>();
      Map<String, Boolean> ids = new LinkedHashMap<>();
      List<String> patterns = new ArrayList<>();
      for (int step = 0; step < 150; step++) {
        int op = rnd.nextInt(10);
        if (op < 5 || ids.isEmpty()) {
          String id = rnd.nextInt(3) == 0 && !ids.isEmpty() ? pickId(ids, rnd) : "r" + rnd.nextInt(100_000);
          dyn.put(randomRoute(id, rnd, patterns));
          ids.put(id, true);
        } else if (op < 8) {
          String id = pickId(ids, rnd);
          assertThat(dyn.remove(id)).isTrue();
          ids.remove(id);
        } else {
          List<RouteSpec<String>> puts = new ArrayList<>();
          List<String> removes = new ArrayList<>();
          int size = rnd.nextInt(4) == 0 ? 100 : 1 + rnd.nextInt(4);
          for (int i = 0; i < size; i++) {
            if (rnd.nextBoolean() && !ids.isEmpty()) {
              String id = pickId(ids, rnd);
              if (puts.stream().anyMatch(p -> p.id().equals(id))) {
                continue; // apply() removes before it puts: keep the model's order the same
              }
              removes.add(id);
              ids.remove(id);
            } else {
              String id = "r" + rnd.nextInt(100_000);
              if (puts.stream().noneMatch(p -> p.id().equals(id))) {
                puts.add(randomRoute(id, rnd, patterns));
                ids.put(id, true);
              }
            }
          }
          dyn.apply(puts, removes);
        }
        assertThat(dyn.size()).isEqualTo(ids.size());
        List<RouteSpec<String>> current = new ArrayList<>();
        for (String id : ids.keySet()) {
          current.add(dyn.get(id));
        }
        Router<String> fresh = Router.of(current);
        for (int k = 0; k < 20; k++) {
          String path = rnd.nextBoolean() ? RouterDifferentialTest.randomPath(rnd)
              : RouterDifferentialTest.instantiate(patterns.get(rnd.nextInt(patterns.size())), rnd);
          assertThat(describe(dyn.router().candidates(path)))
              .as("seed %d run %d step %d path %s", seed, run, step, path)
              .isEqualTo(describe(fresh.candidates(path)));
          String host = rnd.nextInt(4) == 0 ? null : "h" + rnd.nextInt(6) + ".test";
          RouteRequest request = RouteRequest.of("GET", path, host, null);
          RouteMatch<String> got = dyn.match(request);
          RouteMatch<String> want = fresh.match(request);
          assertThat(got == null ? null : got.id() + got.pattern() + got.params())
              .as("seed %d run %d step %d path %s host %s", seed, run, step, path, host)
              .isEqualTo(want == null ? null : want.id() + want.pattern() + want.params());
        }
      }
    }
  }

  private static List<String> describe(List<RouteMatch<String>> matches) {
    return matches.stream().map(m -> m.id() + ":" + m.value() + ":" + m.pattern() + m.params()).toList();
  }

  private static String pickId(Map<String, Boolean> ids, SplittableRandom rnd) {
    int i = rnd.nextInt(ids.size());
    for (String id : ids.keySet()) {
      if (i-- == 0) {
        return id;
      }
    }
    throw new AssertionError();
  }

  private static RouteSpec<String> randomRoute(String id, SplittableRandom rnd, List<String> patterns) {
    List<String> paths = new ArrayList<>();
    int n = 1 + (rnd.nextInt(4) == 0 ? 1 : 0);
    for (int i = 0; i < n; i++) {
      String p = !patterns.isEmpty() && rnd.nextInt(3) > 0 ? patterns.get(rnd.nextInt(patterns.size()))
          : RouterDifferentialTest.randomPattern(rnd);
      patterns.add(p);
      paths.add(p);
    }
    RouteSpec.Builder<String> b = RouteSpec.builder(id, id + "#" + rnd.nextInt(1000)).paths(paths).priority(rnd.nextInt(3));
    if (rnd.nextInt(3) > 0) {
      b.hosts(rnd.nextInt(8) == 0 ? "*.test" : "h" + rnd.nextInt(6) + ".test"); // crowded places get a host index
    }
    return b.build();
  }
}
