package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Every matching feature and ordering rule of {@link Router}, one request at a time. */
class RouterConformanceTest {

  private static RouteSpec.Builder<String> route(String id, String... paths) {
    return RouteSpec.builder(id, id).paths(paths);
  }

  private static @Nullable String id(Router<String> router, String method, String path) {
    return id(router, RouteRequest.of(method, path, null, null));
  }

  private static @Nullable String id(Router<String> router, RouteRequest request) {
    RouteMatch<String> m = router.match(request);
    return m == null ? null : m.id();
  }

  @Test
  void exactPathBeatsEveryPattern() {
    Router<String> r = Router.of(
        route("catch", "/users/*").priority(100).build(),
        route("param", "/users/:id").priority(50).build(),
        route("prefix", "/users/ne*").priority(10).build(),
        route("exact", "/users/new").build());
    assertThat(id(r, "GET", "/users/new")).isEqualTo("exact");
  }

  @Test
  void literalThenPrefixLongestFirstThenParamThenCatchAllAtEachSegment() {
    Router<String> r = Router.of(
        route("catch", "/a/*rest").build(),
        route("param", "/a/:x/c").build(),
        route("short-prefix", "/a/b*").build(),
        route("long-prefix", "/a/bb*").build(),
        route("literal", "/a/bbb/c").build());
    assertThat(id(r, "GET", "/a/bbb/c")).isEqualTo("literal");
    assertThat(id(r, "GET", "/a/bbb/d")).isEqualTo("long-prefix");
    assertThat(id(r, "GET", "/a/bx/c")).isEqualTo("short-prefix");
    assertThat(id(r, "GET", "/a/zz/c")).isEqualTo("param");
    assertThat(id(r, "GET", "/a/zz/d")).isEqualTo("catch");
    assertThat(r.candidates("/a/bbb/c")).extracting(RouteMatch::id)
        .containsExactly("literal", "long-prefix", "short-prefix", "param", "catch");
  }

  @Test
  void withinOnePlacePriorityThenLongerPatternThenInsertionOrder() {
    Router<String> byPriority = Router.of(
        route("low", "/p/:id").priority(1).build(),
        route("high", "/p/:name").priority(2).build());
    assertThat(id(byPriority, "GET", "/p/1")).isEqualTo("high");

    Router<String> byLength = Router.of(
        route("short", "/p/:id").build(),
        route("long", "/p/:identifier").build());
    assertThat(id(byLength, "GET", "/p/1")).isEqualTo("long");

    Router<String> byInsertion = Router.of(
        route("first", "/p/:id").build(),
        route("second", "/p/:id").build());
    assertThat(id(byInsertion, "GET", "/p/1")).isEqualTo("first");

    Router<String> bySequence = Router.of(
        route("later", "/p/:id").sequence(9).build(),
        route("earlier", "/p/:id").sequence(3).build());
    assertThat(id(bySequence, "GET", "/p/1")).isEqualTo("earlier");
  }

  @Test
  void prefixAndCatchAllPathSemantics() {
    Router<String> r = Router.of(
        route("prefix", "/foo*").build(),
        route("catch", "/bar/*").build());
    assertThat(id(r, "GET", "/foo")).isEqualTo("prefix");
    assertThat(id(r, "GET", "/foobar")).isEqualTo("prefix");
    assertThat(id(r, "GET", "/foo/x/y")).isEqualTo("prefix");
    assertThat(id(r, "GET", "/bar/")).isEqualTo("catch");
    assertThat(id(r, "GET", "/bar/x/y")).isEqualTo("catch");
    assertThat(id(r, "GET", "/bar")).isNull();
    assertThat(id(r, "GET", "/fo")).isNull();
  }

  @Test
  void trailingSlashIsSignificantAndAParamNeedsANonEmptySegment() {
    Router<String> r = Router.of(route("a", "/a").build(), route("a-slash", "/a/").build(),
        route("param", "/u/:id").build());
    assertThat(id(r, "GET", "/a")).isEqualTo("a");
    assertThat(id(r, "GET", "/a/")).isEqualTo("a-slash");
    assertThat(id(r, "GET", "/u/")).isNull();
    assertThat(id(r, "GET", "/u/1/")).isNull();
    assertThat(id(r, "GET", "")).isNull();
    assertThat(id(r, "GET", "a")).isNull();
  }

  @Test
  void aMatchCarriesValueParamsPatternAndHost() {
    Router<String> r = Router.of(
        route("repo", "/repos/:owner/:repo/*rest").hosts("*.example.com").build());
    RouteMatch<String> m = r.match(RouteRequest.of("GET", "/repos/o1/r2/a/b", "API.Example.com:8443", null));
    assertThat(m).isNotNull();
    assertThat(m.value()).isEqualTo("repo");
    assertThat(m.pattern()).isEqualTo("/repos/:owner/:repo/*rest");
    assertThat(m.params()).containsExactly(Map.entry("owner", "o1"), Map.entry("repo", "r2"), Map.entry("rest", "a/b"));
    assertThat(m.host()).isEqualTo("*.example.com");

    MatchResult<String> reused = new MatchResult<>();
    assertThat(r.match(RouteRequest.of("GET", "/repos/x/y/", "a.example.com", null), reused)).isTrue();
    assertThat(reused.param("owner")).isEqualTo("x");
    assertThat(reused.param("rest")).isEmpty();
    assertThat(reused.param("nope")).isNull();
    assertThat(r.match(RouteRequest.of("GET", "/nothing", null, null), reused)).isFalse();
    assertThat(reused.found()).isFalse();
    assertThatThrownBy(reused::value).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void methods() {
    Router<String> r = Router.of(
        route("get", "/m").methods("GET", "HEAD").build(),
        route("post", "/m").methods("POST").build(),
        route("any", "/any").build());
    assertThat(id(r, "GET", "/m")).isEqualTo("get");
    assertThat(id(r, "HEAD", "/m")).isEqualTo("get");
    assertThat(id(r, "POST", "/m")).isEqualTo("post");
    assertThat(id(r, "DELETE", "/m")).isNull();
    assertThat(id(r, "get", "/m")).as("methods are case-sensitive").isNull();
    assertThat(id(r, "PROPFIND", "/any")).as("an unknown method matches a route without methods").isEqualTo("any");
    assertThat(id(r, "PROPFIND", "/m")).isNull();
    assertThat(id(r, "PURGE", "/any")).isEqualTo("any");
  }

  @Test
  void remoteAddresses() {
    Router<String> r = Router.of(
        route("v4", "/r").remoteAddrs("10.0.0.0/8", "192.168.1.7").build(),
        route("v6", "/r").remoteAddrs("2001:db8::/32").build(),
        route("other", "/r").build());
    assertThat(id(r, RouteRequest.of("GET", "/r", null, "10.20.30.40"))).isEqualTo("v4");
    assertThat(id(r, RouteRequest.of("GET", "/r", null, "192.168.1.7"))).isEqualTo("v4");
    assertThat(id(r, RouteRequest.of("GET", "/r", null, "192.168.1.8"))).isEqualTo("other");
    assertThat(id(r, RouteRequest.of("GET", "/r", null, "2001:db8:1::5"))).isEqualTo("v6");
    assertThat(id(r, RouteRequest.of("GET", "/r", null, "2001:db9::5"))).isEqualTo("other");
    assertThat(id(r, RouteRequest.of("GET", "/r", null, null))).isEqualTo("other");
    assertThat(id(r, RouteRequest.of("GET", "/r", null, "not-an-ip"))).isEqualTo("other");
  }

  @Test
  void hosts() {
    Router<String> r = Router.of(
        route("exact", "/h").hosts("api.example.com").build(),
        route("wild", "/h").hosts("*.example.com").build(),
        route("port", "/h").hosts("admin.test:8080").build(),
        route("v6", "/h").hosts("[::1]").build(),
        route("none", "/h").build());
    assertThat(id(r, RouteRequest.of("GET", "/h", "api.example.com", null))).isEqualTo("exact");
    assertThat(id(r, RouteRequest.of("GET", "/h", "API.EXAMPLE.COM:80", null))).isEqualTo("exact");
    assertThat(id(r, RouteRequest.of("GET", "/h", "a.b.example.com", null))).isEqualTo("wild");
    assertThat(id(r, RouteRequest.of("GET", "/h", "example.com", null))).isEqualTo("none");
    assertThat(id(r, RouteRequest.of("GET", "/h", "admin.test:8080", null))).isEqualTo("port");
    assertThat(id(r, RouteRequest.of("GET", "/h", "admin.test:8081", null))).isEqualTo("none");
    assertThat(id(r, RouteRequest.of("GET", "/h", "admin.test", null))).isEqualTo("none");
    assertThat(id(r, RouteRequest.of("GET", "/h", "[::1]:9080", null))).isEqualTo("v6");
    assertThat(id(r, RouteRequest.of("GET", "/h", null, null))).isEqualTo("none");
  }

  @Test
  void varsAndFilter() {
    RouteVars jsonArg = req -> "json".equals(req.var("arg_format"));
    Router<String> r = Router.of(
        route("vars", "/v").vars(jsonArg).build(),
        route("filter", "/v").filter(req -> req.var("http_x_beta") != null).build(),
        route("plain", "/v").build());
    assertThat(id(r, RouteRequest.of("GET", "/v", null, null, Map.of("arg_format", "json")))).isEqualTo("vars");
    assertThat(id(r, RouteRequest.of("GET", "/v", null, null, Map.of("http_x_beta", "1")))).isEqualTo("filter");
    assertThat(id(r, RouteRequest.of("GET", "/v", null, null, Map.of("arg_format", "xml")))).isEqualTo("plain");
  }

  @Test
  void apisixVarsExpressions() {
    RouteVars vars = RouteVars.compile(List.of(
        List.of("arg_name", "==", "json"),
        List.of("http_x_id", "~~", "^[0-9]+$"),
        List.of("OR", List.of("remote_addr", "ipmatch", List.of("10.0.0.0/8")), List.of("host", "==", "ok.test"))));
    Router<String> r = Router.of(route("vars", "/e").vars(vars).build(), route("fallback", "/e").build());
    Map<String, Object> good = Map.of("arg_name", "json", "http_x_id", "42");
    assertThat(id(r, RouteRequest.of("GET", "/e", null, "10.1.1.1", good))).isEqualTo("vars");
    assertThat(id(r, RouteRequest.of("GET", "/e", "OK.test:8080", "192.0.2.1", good)))
        .as("host is the request's host without port, lower case").isEqualTo("vars");
    assertThat(id(r, RouteRequest.of("GET", "/e", null, "192.0.2.1", good))).isEqualTo("fallback");
    assertThat(id(r, RouteRequest.of("GET", "/e", null, "10.1.1.1", Map.of("arg_name", "json", "http_x_id", "4a"))))
        .isEqualTo("fallback");
    assertThat(id(r, RouteRequest.of("GET", "/e", null, "10.1.1.1", Map.of("http_x_id", "42")))).isEqualTo("fallback");

    Router<String> byUri = Router.of(route("uri", "/u/*").vars(RouteVars.compile(List.of(
        List.of("uri", "~~", "\\.json$"), List.of("request_method", "!", "==", "DELETE")))).build());
    assertThat(id(byUri, "GET", "/u/a.json")).isEqualTo("uri");
    assertThat(id(byUri, "DELETE", "/u/a.json")).isNull();
    assertThat(id(byUri, "GET", "/u/a.xml")).isNull();
    assertThat(RouteVars.compile(List.of())).as("an empty expression is no condition").isNull();
  }

  @Test
  void badVarsAreRejectedWhenCompiled() {
    assertThatThrownBy(() -> RouteVars.compile(List.of(List.of("arg_a", "~~", "(unclosed"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/vars/0/2").hasMessageContaining("regular expression");
    assertThatThrownBy(() -> RouteVars.compile(List.of(List.of("arg_a", "=~", "x"))))
        .hasMessageContaining("/vars/0/1").hasMessageContaining("invalid operator");
    assertThatThrownBy(() -> RouteVars.compile(List.of(List.of("remote_addr", "ipmatch", List.of("10.0.0.0/40")))))
        .hasMessageContaining("10.0.0.0/40");
  }

  @Test
  void predicatesRunInOrderAndStopAtTheFirstFailure() {
    List<String> calls = new ArrayList<>();
    AtomicInteger filterCalls = new AtomicInteger();
    Router<String> r = Router.of(route("only", "/o").methods("GET").remoteAddrs("10.0.0.1").hosts("a.test")
        .vars(req -> {
          calls.add("vars");
          return true;
        })
        .filter(req -> {
          calls.add("filter");
          filterCalls.incrementAndGet();
          return true;
        }).build());
    assertThat(id(r, RouteRequest.of("POST", "/o", "a.test", "10.0.0.1"))).isNull();
    assertThat(id(r, RouteRequest.of("GET", "/o", "a.test", "10.0.0.2"))).isNull();
    assertThat(id(r, RouteRequest.of("GET", "/o", "b.test", "10.0.0.1"))).isNull();
    assertThat(calls).as("vars and filter never ran: an earlier predicate failed").isEmpty();
    assertThat(id(r, RouteRequest.of("GET", "/o", "a.test", "10.0.0.1"))).isEqualTo("only");
    assertThat(calls).containsExactly("vars", "filter");
  }

  @Test
  void aRouteWithSeveralPathsMatchesOnEach() {
    Router<String> r = Router.of(route("multi", "/a", "/b/:id", "/a").build());
    assertThat(id(r, "GET", "/a")).isEqualTo("multi");
    assertThat(id(r, "GET", "/b/3")).isEqualTo("multi");
    assertThat(r.match(RouteRequest.of("GET", "/b/3", null, null)).pattern()).isEqualTo("/b/:id");
    assertThat(r.route("multi").paths()).as("duplicates dropped").containsExactly("/a", "/b/:id");
  }

  @Test
  void aCandidateFailingItsPredicatesFallsThroughToTheNextPlace() {
    Router<String> r = Router.of(
        route("exact-post", "/x/y").methods("POST").build(),
        route("param-get", "/x/:id").methods("GET").build(),
        route("catch", "/x/*").build());
    assertThat(id(r, "GET", "/x/y")).isEqualTo("param-get");
    assertThat(id(r, "PUT", "/x/y")).isEqualTo("catch");
    assertThat(id(r, "POST", "/x/y")).isEqualTo("exact-post");
  }

  @Test
  void badInputNamesTheRouteTheFieldAndTheReason() {
    assertThatThrownBy(() -> route("r1", "/a/*/b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("route r1").hasMessageContaining("paths[0]");
    assertThatThrownBy(() -> route("r2", "no-slash").build()).hasMessageContaining("route r2").hasMessageContaining("no path starts with '/'");
    assertThatThrownBy(() -> route("r3", "/a").methods("FETCH").build()).hasMessageContaining("route r3: methods").hasMessageContaining("FETCH");
    assertThatThrownBy(() -> route("r4", "/a").remoteAddrs("10.0.0.0/33").build()).hasMessageContaining("route r4: remote_addrs").hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> route("r5", "/a").hosts("bad host").build()).hasMessageContaining("route r5: hosts").hasMessageContaining("bad host");
    assertThatThrownBy(() -> route("r6", "/a").hosts("a.test:99999").build()).hasMessageContaining("route r6: hosts").hasMessageContaining("port");
    assertThatThrownBy(() -> RouteSpec.builder("r7", "v").build()).hasMessageContaining("route r7: paths");
    assertThatThrownBy(() -> Router.of(route("dup", "/a").build(), route("dup", "/b").build())).hasMessageContaining("route dup");
  }

  @Test
  void anEmptyRouterMissesEverything() {
    assertThat(Router.<String>empty().match(RouteRequest.of("GET", "/", null, null))).isNull();
  }
}
