package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** APISIX's three router modes: parameters bound or literal, host-bound routes first or not. */
class RouterModeTest {

  private static RouteSpec<String> route(String id, String path, String... hosts) {
    return RouteSpec.builder(id, id).paths(path).hosts(List.of(hosts)).build();
  }

  private static @Nullable String match(Router<String> router, String path, @Nullable String host) {
    RouteMatch<String> m = router.match(RouteRequest.of("GET", path, host, "10.0.0.1"));
    return m == null ? null : m.value();
  }

  @Test
  void parametersBindOnlyInUriWithParameter() {
    List<RouteSpec<String>> routes = List.of(route("p", "/a/:id"), route("q", "/b/:id/*"));
    Router<String> binding = Router.of(RouterMode.RADIXTREE_URI_WITH_PARAMETER, routes);
    RouteMatch<String> m = binding.match(RouteRequest.of("GET", "/a/42", null, null));
    assertThat(m).isNotNull();
    assertThat(m.params()).containsEntry("id", "42");
    assertThat(match(binding, "/b/7/x", null)).isEqualTo("q");

    for (RouterMode literal : List.of(RouterMode.RADIXTREE_URI, RouterMode.RADIXTREE_HOST_URI)) {
      Router<String> r = Router.of(literal, routes);
      assertThat(match(r, "/a/42", null)).as(literal.apisixName()).isNull();
      assertThat(match(r, "/a/:id", null)).as(literal.apisixName()).isEqualTo("p");
      assertThat(match(r, "/b/7/x", null)).as(literal.apisixName()).isNull();
      assertThat(match(r, "/b/:id/x", null)).as(literal.apisixName()).isEqualTo("q");
      assertThat(r.match(RouteRequest.of("GET", "/a/:id", null, null)).params()).isEmpty();
    }
  }

  @Test
  void hostBoundRoutesFirstOnlyInHostUri() {
    // the host-less route is older and has the same pattern: it wins wherever hosts only filter
    List<RouteSpec<String>> routes = List.of(route("any", "/*"), route("foo", "/*", "foo.com"));
    assertThat(match(Router.of(RouterMode.RADIXTREE_HOST_URI, routes), "/x", "foo.com")).isEqualTo("foo");
    assertThat(match(Router.of(RouterMode.RADIXTREE_HOST_URI, routes), "/x", "bar.com")).isEqualTo("any");
    assertThat(match(Router.of(RouterMode.RADIXTREE_HOST_URI, routes), "/x", null)).isEqualTo("any");
    assertThat(match(Router.of(RouterMode.RADIXTREE_URI, routes), "/x", "foo.com")).isEqualTo("any");
    assertThat(match(Router.of(RouterMode.RADIXTREE_URI_WITH_PARAMETER, routes), "/x", "foo.com")).isEqualTo("any");
  }

  @Test
  void hostUriTriesTheExactHostThenWildcardsLongestSuffixFirstThenHostless() {
    List<RouteSpec<String>> routes = List.of(
        route("exact-path", "/a/b"),
        route("wild", "/a/b", "*.example.com"),
        route("wild-longer", "/*", "*.b.example.com"),
        route("exact-host", "/*", "API.example.com"));
    Router<String> r = Router.of(RouterMode.RADIXTREE_HOST_URI, routes);
    assertThat(match(r, "/a/b", "api.example.com")).isEqualTo("exact-host");
    assertThat(match(r, "/a/b", "x.b.example.com")).isEqualTo("wild-longer");
    assertThat(match(r, "/a/b", "x.example.com")).isEqualTo("wild");
    assertThat(match(r, "/a/c", "x.example.com")).isNull(); // the wildcard route's path does not match
    assertThat(match(r, "/a/b", "example.org")).isEqualTo("exact-path");
    // hosts only filter: the exact path wins for every host it admits
    Router<String> uri = Router.of(RouterMode.RADIXTREE_URI, routes);
    assertThat(match(uri, "/a/b", "api.example.com")).isEqualTo("exact-path");
  }

  @Test
  void aHostRouteWhosePathMissesFallsBackToHostlessRoutes() {
    Router<String> r = Router.of(RouterMode.RADIXTREE_HOST_URI,
        List.of(route("api", "/api/*", "foo.com"), route("site", "/*")));
    assertThat(match(r, "/api/x", "foo.com")).isEqualTo("api");
    assertThat(match(r, "/index.html", "foo.com")).isEqualTo("site");
    assertThat(match(r, "/api/x", "foo.com:8080")).isEqualTo("api");
  }

  @Test
  void theMatchedHostIsReportedLowerCased() {
    Router<String> r = Router.of(RouterMode.RADIXTREE_HOST_URI,
        List.of(route("e", "/e", "Foo.COM"), route("w", "/w", "*.Example.COM")));
    assertThat(r.match(RouteRequest.of("GET", "/e", "FOO.com", null)).host()).isEqualTo("foo.com");
    assertThat(r.match(RouteRequest.of("GET", "/w", "a.example.com", null)).host()).isEqualTo("*.example.com");
  }

  @ParameterizedTest
  @EnumSource(RouterMode.class)
  void starAloneMatchesEveryPath(RouterMode mode) {
    Router<String> r = Router.of(mode, List.of(route("all", "*")));
    assertThat(match(r, "/", null)).isEqualTo("all");
    assertThat(match(r, "/a/b/c", null)).isEqualTo("all");
  }

  @Test
  void anOptionalTrailingSlashAfterAParameterMatchesBothForms() {
    Router<String> r = Router.of(RouterMode.RADIXTREE_URI_WITH_PARAMETER, List.of(route("u", "/users/:id/?")));
    assertThat(r.match(RouteRequest.of("GET", "/users/42", null, null)).params()).containsEntry("id", "42");
    assertThat(r.match(RouteRequest.of("GET", "/users/42/", null, null)).params()).containsEntry("id", "42");
    assertThat(match(r, "/users/42/x", null)).isNull();
    assertThat(route("u", "/users/:id/?").paths()).containsExactly("/users/:id/?");
    // literal modes compare the text
    Router<String> literal = Router.of(RouterMode.RADIXTREE_URI, List.of(route("u", "/users/:id/?")));
    assertThat(match(literal, "/users/42", null)).isNull();
    assertThat(match(literal, "/users/:id/?", null)).isEqualTo("u");
  }

  @Test
  void modesByApisixName() {
    for (RouterMode m : RouterMode.values()) {
      assertThat(RouterMode.ofApisixName(m.apisixName())).isEqualTo(m);
    }
    assertThat(RouterMode.RADIXTREE_HOST_URI.apisixName()).isEqualTo("radixtree_host_uri");
    assertThatThrownBy(() -> RouterMode.ofApisixName("radixtree_host"))
        .hasMessageContaining("radixtree_host_uri, radixtree_uri or radixtree_uri_with_parameter");
  }

  @Test
  void aRouteTableRoutesInItsMode() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix")) {
      source.put("/apisix/upstreams/u", "{\"type\":\"roundrobin\",\"nodes\":{\"10.0.1.5:8080\":1}}");
      source.put("/apisix/routes/1", "{\"uri\":\"/*\",\"upstream_id\":\"u\"}");
      source.put("/apisix/routes/2", "{\"uri\":\"/*\",\"hosts\":[\"foo.com\"],\"upstream_id\":\"u\"}");
      source.put("/apisix/routes/3", "{\"uri\":\"/items/:id\",\"upstream_id\":\"u\",\"priority\":10}");
      try (ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
        assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
        try (RouteTable hostUri = RouteTable.builder().mode(RouterMode.RADIXTREE_HOST_URI).attach(registry);
             RouteTable withParams = RouteTable.attach(registry)) {
          assertThat(hostUri.match(RouteRequest.of("GET", "/x", "foo.com", null)).value().route().id()).isEqualTo("2");
          assertThat(hostUri.match(RouteRequest.of("GET", "/items/7", null, null)).value().route().id()).isEqualTo("1");
          assertThat(withParams.match(RouteRequest.of("GET", "/x", "foo.com", null)).value().route().id()).isEqualTo("1");
          assertThat(withParams.match(RouteRequest.of("GET", "/items/7", null, null)).value().route().id()).isEqualTo("3");
        }
      }
    }
  }

  /**
   * A dynamic router changed route by route (path-copying, host groups counted incrementally)
   * answers as a fresh build of the same routes, in every mode.
   */
  @ParameterizedTest
  @EnumSource(RouterMode.class)
  void incrementalChangesAgreeWithAFreshBuild(RouterMode mode) {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("RouterModeTest.incrementalChangesAgreeWithAFreshBuild[" + mode + "]: seed " + seed
        + " (replay with -Ddynconf.seed=" + seed + ")");
    Random rnd = new Random(seed);
    String[] paths = {"/*", "/a", "/a/*", "/a/:id", "/a/b", "/a/:id/c", "*", "/b*", "/a/b/?"};
    String[] hosts = {"foo.com", "*.foo.com", "*.a.foo.com", "a.foo.com", "*oo.com", "bar.com"};
    String[] requestHosts = {"foo.com", "a.foo.com", "x.a.foo.com", "boo.com", "bar.com", "BAR.com:80", null};
    String[] requestPaths = {"/", "/a", "/a/b", "/a/7", "/a/7/c", "/a/:id", "/a/:id/c", "/b", "/bc", "/a/b/"};
    DynamicRouter<String> dynamic = new DynamicRouter<>(mode);
    Map<String, RouteSpec<String>> model = new LinkedHashMap<>();
    for (int step = 0; step < 400; step++) {
      String id = "r" + rnd.nextInt(12);
      if (rnd.nextInt(4) == 0) {
        dynamic.remove(id);
        model.remove(id);
      } else {
        List<String> hs = new ArrayList<>();
        for (int h = rnd.nextInt(3); h > 0; h--) {
          String host = hosts[rnd.nextInt(hosts.length)];
          if (!hs.contains(host)) {
            hs.add(host);
          }
        }
        RouteSpec<String> r = RouteSpec.builder(id, id + "@" + step).paths(paths[rnd.nextInt(paths.length)])
            .hosts(hs).priority(rnd.nextInt(3) == 0 ? 1 : 0).build();
        dynamic.put(r);
        model.put(id, dynamic.get(id));
      }
      Router<String> fresh = Router.of(mode, new ArrayList<>(model.values()));
      for (int q = 0; q < 6; q++) {
        String p = requestPaths[rnd.nextInt(requestPaths.length)];
        String h = requestHosts[rnd.nextInt(requestHosts.length)];
        assertThat(match(dynamic.router(), p, h))
            .as("seed %d, step %d, %s %s, routes %s", seed, step, h, p, model.values())
            .isEqualTo(match(fresh, p, h));
      }
    }
  }
}
