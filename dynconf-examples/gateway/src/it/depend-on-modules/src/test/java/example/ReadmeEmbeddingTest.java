package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.StoreChange;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.core.source.FileSource;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteTable;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's embedding code, compiled and run in a user's project. */
class ReadmeEmbeddingTest {
  @Test
  void servesAndRoutesTheStandaloneFile() throws Exception {
    // --- README example begins
    FileSource source = FileSource.builder(Path.of("conf/apisix.yaml")).build(); // APISIX standalone file
    ConfigRegistry registry = ConfigRegistry.builder(source).build();            // APISIX's standard types
    registry.addListener(update -> {                     // after each applied batch, off the request path
      for (StoreChange<Route> c : update.changes(StandardTypes.ROUTES)) {
        System.out.println((c.isRemove() ? "removed " : "route ") + c.id());
      }
    });
    registry.start();
    if (!registry.awaitReady(Duration.ofSeconds(10))) {   // false: nothing loaded yet
      throw new IllegalStateException("configuration not ready: " + registry.health());
    }

    ConfigSnapshot snapshot = registry.snapshot();       // one volatile read; consistent at one revision
    Route route = snapshot.store(StandardTypes.ROUTES).get("1");
    Upstream upstream = snapshot.store(StandardTypes.UPSTREAMS).get(route.upstreamId());
    snapshot.rejections().values().forEach(r -> System.err.println(r.message()));
    // over etcd: /apisix/routes/7 (revision 12): /methods/0: GETX is not a valid enum value
    // --- README example ends
    assertEquals(8080, upstream.nodes().get(0).port());
    assertTrue(snapshot.rejections().isEmpty(), snapshot.rejections().toString());

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
    assertEquals("42", m.param("id"));
    assertEquals("users", m.value().upstream().id());
    routes.close();
    registry.close();
    source.close();
  }
}
