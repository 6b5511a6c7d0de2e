package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.apisix.Upstream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's routing examples, run for real. */
class RoutingExampleTest {

  interface Handler {
    String handle();
  }

  @Test
  void readmeRouteTableExample() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix")) {
      source.put("/apisix/upstreams/users", "{\"type\":\"roundrobin\",\"nodes\":{\"10.0.1.5:8080\":1}}");
      source.put("/apisix/routes/user", "{\"uri\":\"/users/:id\",\"hosts\":[\"*.example.com\"],\"upstream_id\":\"users\"}");
      ConfigRegistry registry = ConfigRegistry.builder(source).build().start();
      try (registry) {
        registry.awaitReady(Duration.ofSeconds(10));
        // --- README example begins
        RouteTable routes = RouteTable.attach(registry);   // routes + their services and upstreams, kept current

        // per request, on any thread; one MatchResult per thread and a match allocates nothing
        MatchResult<ResolvedRoute> m = new MatchResult<>();
        RouteRequest request = RouteRequest.of("GET", "/users/42", "api.example.com", "10.0.0.7");
        if (routes.match(request, m)) {
          Upstream routed = m.value().upstream();          // the route's own, its upstream_id's or its service's
          String id = m.param("id");                       // "42"
        } else {
          // 404
        }
        // --- README example ends
        routes.close();
        Upstream seen = m.value().upstream();
        String seenId = m.param("id");
        assertThat(seen.nodes().get(0).port()).isEqualTo(8080);
        assertThat(seenId).isEqualTo("42");
      }
    }
  }

  @Test
  void readmeDynamicRouterExample() {
    Handler userHandler = () -> "user";
    // --- README example begins
    DynamicRouter<Handler> router = new DynamicRouter<>();
    router.put(RouteSpec.builder("user", userHandler).paths("/users/:id").methods("GET").build());
    // --- README example ends
    assertThat(router.match(RouteRequest.of("GET", "/users/7", null, null)).value().handle()).isEqualTo("user");
    // --- README example continues
    router.remove("user");                             // readers never lock or see half a change
    // --- README example ends
    assertThat(router.match(RouteRequest.of("GET", "/users/7", null, null))).isNull();
  }
}
