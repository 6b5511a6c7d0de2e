package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The exact-path fast path of a match ({@code PathTree.exactPlain}, the plain masks of a place):
 * a route whose only condition is its methods is decided by the request's method bit without the
 * route's predicate. These are the cases where that could go wrong: a static route that refuses
 * the method, so that a parameter route must answer; several routes on one path in priority
 * order; a route with other conditions beside plain ones; hosts in both kinds of router mode; a
 * trailing slash; unknown methods; a route that stops being plain (or exact) on update; and one
 * {@link MatchResult} reused across matches of every kind.
 */
class ExactFastPathTest {

  private static RouteSpec.Builder<String> route(String id, String... paths) {
    return RouteSpec.builder(id, id).paths(paths);
  }

  private static RouteRequest request(String method, String path, @Nullable String host) {
    return RouteRequest.of(method, path, host, null);
  }

  private static @Nullable String match(Router<String> router, MatchResult<String> result, String method, String path,
      @Nullable String host) {
    return router.match(request(method, path, host), result) ? result.value() : null;
  }

  @Test
  void anExactRouteThatRefusesTheMethodLeavesTheRequestToAParameterRoute() {
    Router<String> r = Router.of(List.of(
        route("exact", "/user/repos").methods("GET").build(),
        route("param", "/user/:name").methods("POST").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/user/repos", null)).isEqualTo("exact");
    assertThat(result.paramCount()).isZero();
    assertThat(match(r, result, "POST", "/user/repos", null)).isEqualTo("param");
    assertThat(result.param("name")).isEqualTo("repos");
    assertThat(match(r, result, "PUT", "/user/repos", null)).isNull();
    assertThat(result.found()).isFalse();
  }

  @Test
  void routesOnOnePathAreTriedInPriorityOrderByTheirMethods() {
    Router<String> r = Router.of(List.of(
        route("low", "/a").methods("GET").build(),
        route("high", "/a").methods("GET", "POST").priority(5).build(),
        route("delete", "/a").methods("DELETE").priority(9).build(),
        route("any", "/:p").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/a", null)).isEqualTo("high");
    assertThat(match(r, result, "POST", "/a", null)).isEqualTo("high");
    assertThat(match(r, result, "DELETE", "/a", null)).isEqualTo("delete");
    assertThat(match(r, result, "PUT", "/a", null)).as("no exact route takes PUT").isEqualTo("any");
    assertThat(result.param("p")).isEqualTo("a");
  }

  @Test
  void aPathWithARouteThatHasOtherConditionsStillTestsThem() {
    RouteFilter wantsFlag = req -> "on".equals(req.var("flag"));
    Router<String> r = Router.of(List.of(
        route("plain", "/a").methods("GET").build(),
        route("filtered", "/a").methods("GET").filter(wantsFlag).priority(10).build(),
        route("fallback", "/:p").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(r.match(RouteRequest.of("GET", "/a", null, null, Map.of("flag", "on")), result)).isTrue();
    assertThat(result.value()).isEqualTo("filtered");
    assertThat(match(r, result, "GET", "/a", null)).isEqualTo("plain");
    assertThat(match(r, result, "POST", "/a", null)).isEqualTo("fallback");
  }

  @Test
  void hostsFilterAnExactRouteInTheUriModes() {
    Router<String> r = Router.of(List.of(
        route("hosted", "/a").hosts("a.example.com").build(),
        route("param", "/:p").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/a", "a.example.com")).isEqualTo("hosted");
    assertThat(result.host()).isEqualTo("a.example.com");
    assertThat(match(r, result, "GET", "/a", "b.example.com")).isEqualTo("param");
    assertThat(match(r, result, "GET", "/a", null)).isEqualTo("param");
  }

  @Test
  void hostBoundRoutesComeFirstInTheHostUriMode() {
    Router<String> r = Router.of(RouterMode.RADIXTREE_HOST_URI, List.of(
        route("plain", "/a").priority(100).build(),
        route("hosted", "/a").hosts("a.example.com").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/a", "a.example.com")).isEqualTo("hosted");
    assertThat(match(r, result, "GET", "/a", "b.example.com")).isEqualTo("plain");
    assertThat(match(r, result, "GET", "/a", null)).isEqualTo("plain");
    assertThat(result.host()).isNull();
  }

  @Test
  void aTrailingSlashIsAnotherExactPath() {
    Router<String> r = Router.of(List.of(
        route("slash", "/a/").build(),
        route("bare", "/a").build(),
        route("param", "/a/:id").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/a/", null)).isEqualTo("slash");
    assertThat(match(r, result, "GET", "/a", null)).isEqualTo("bare");
    assertThat(match(r, result, "GET", "/a/x", null)).isEqualTo("param");
    assertThat(match(r, result, "GET", "/a//", null)).isNull();
  }

  @Test
  void onlyARouteWithoutMethodsTakesAnUnknownMethod() {
    Router<String> r = Router.of(List.of(
        route("get", "/a").methods("GET").priority(1).build(),
        route("any", "/a").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/a", null)).isEqualTo("get");
    for (String m : List.of("get", "GETX", "GE", "PROPFIND", "")) {
      assertThat(match(r, result, m, "/a", null)).as(m).isEqualTo("any");
    }
    assertThat(match(r, result, "HEAD", "/a", null)).isEqualTo("any");
  }

  @Test
  void anUpdateMovesARouteInAndOutOfTheFastPath() {
    DynamicRouter<String> r = new DynamicRouter<>();
    r.put(route("fallback", "/:p").build());
    r.put(route("route", "/a").methods("GET").build());
    MatchResult<String> result = new MatchResult<>();
    assertThat(r.match(request("GET", "/a", null), result)).isTrue();
    assertThat(result.id()).isEqualTo("route");
    r.put(route("route", "/a").methods("POST").build());
    assertThat(r.match(request("GET", "/a", null), result)).isTrue();
    assertThat(result.id()).as("methods changed").isEqualTo("fallback");
    r.put(route("route", "/a").methods("GET").filter(req -> false).build());
    assertThat(r.match(request("GET", "/a", null), result)).isTrue();
    assertThat(result.id()).as("no longer plain: its filter refuses").isEqualTo("fallback");
    r.put(route("route", "/a").methods("GET").build());
    assertThat(r.match(request("GET", "/a", null), result)).isTrue();
    assertThat(result.id()).isEqualTo("route");
    r.put(route("route", "/a/:x").methods("GET").build());
    assertThat(r.match(request("GET", "/a", null), result)).isTrue();
    assertThat(result.id()).as("no longer exact").isEqualTo("fallback");
    r.remove("route");
    r.put(route("route", "/a").methods("GET").build());
    r.remove("route");
    assertThat(r.match(request("GET", "/a", null), result)).isTrue();
    assertThat(result.id()).as("removed").isEqualTo("fallback");
  }

  /**
   * Past 1,024 exact paths the exact table is bucketed and the tree keeps no flat index of it; past
   * 4,096 keys a node's literal table is chunked and the node keeps no copy of its arrays: both
   * fall back to the tables themselves, through edits in both directions.
   */
  @Test
  void largeTablesFallBackToTheTablesThemselves() {
    DynamicRouter<String> r = new DynamicRouter<>();
    r.put(route("catch", "/:p/:q").build());
    r.put(route("catch1", "/:p").build());
    MatchResult<String> result = new MatchResult<>();
    for (int n : new int[] {10, 1_100, 5_000}) {
      for (int i = 0; i < n; i++) {
        r.put(route("e" + i, "/e" + i).methods(i % 2 == 0 ? "GET" : "POST").build());
        r.put(route("s" + i, "/s" + i + "/:id").build());
      }
      for (int i = 0; i < n; i += 97) {
        assertThat(r.match(request("GET", "/e" + i, null), result)).isTrue();
        assertThat(result.id()).as("n %d i %d", n, i).isEqualTo(i % 2 == 0 ? "e" + i : "catch1");
        assertThat(r.match(request("GET", "/s" + i + "/x", null), result)).isTrue();
        assertThat(result.id()).isEqualTo("s" + i);
        assertThat(result.param("id")).isEqualTo("x");
      }
    }
    for (int i = 0; i < 5_000; i++) {
      if (i % 3 != 0) {
        r.remove("e" + i);
        r.remove("s" + i);
      }
    }
    for (int i = 0; i < 5_000; i += 89) {
      assertThat(r.match(request("GET", "/e" + i, null), result)).isTrue();
      assertThat(result.id()).as("i %d", i).isEqualTo(i % 3 == 0 && i % 2 == 0 ? "e" + i : "catch1");
      assertThat(r.match(request("GET", "/s" + i + "/x", null), result)).isTrue();
      assertThat(result.id()).isEqualTo(i % 3 == 0 ? "s" + i : "catch");
    }
  }

  @Test
  void oneResultReusedAcrossExactParameterAndMissedMatches() {
    Router<String> r = Router.of(List.of(
        route("exact", "/x").build(),
        route("param", "/x/:id").build()));
    MatchResult<String> result = new MatchResult<>();
    assertThat(match(r, result, "GET", "/x/7", null)).isEqualTo("param");
    assertThat(result.params()).isEqualTo(Map.of("id", "7"));
    assertThat(match(r, result, "GET", "/x", null)).isEqualTo("exact");
    assertThat(result.paramCount()).isZero();
    assertThat(result.param("id")).isNull();
    assertThat(result.pattern()).isEqualTo("/x");
    RouteMatch<String> copy = result.toMatch();
    assertThat(copy).isNotNull();
    assertThat(copy.params()).isEmpty();
    assertThat(match(r, result, "GET", "/nothing/here", null)).isNull();
    assertThat(result.found()).isFalse();
    assertThat(result.toMatch()).isNull();
    assertThat(match(r, result, "GET", "/x/8", null)).isEqualTo("param");
    assertThat(result.param("id")).isEqualTo("8");
  }
}
