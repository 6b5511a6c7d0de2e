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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's embedding code, compiled and run in a user's project. */
class ReadmeEmbeddingTest {
  @Test
  void servesAndRoutesTheStandaloneFile() throws Exception {
    List<String> seen = new ArrayList<>();
    FileSource source = FileSource.builder(Path.of("conf/apisix.yaml")).build(); // APISIX standalone file
    ConfigRegistry registry = ConfigRegistry.builder(source).build();            // APISIX's standard types
    registry.addListener(update -> {                     // after each applied batch, off the request path
      for (StoreChange<Route> c : update.changes(StandardTypes.ROUTES)) {
        seen.add((c.isRemove() ? "removed " : "route ") + c.id());
      }
    });
    registry.start();
    assertTrue(registry.awaitReady(Duration.ofSeconds(10)), registry.status().toString());

    ConfigSnapshot snapshot = registry.snapshot();       // one volatile read; consistent at one revision
    Route route = snapshot.store(StandardTypes.ROUTES).get("1");
    Upstream upstream = snapshot.store(StandardTypes.UPSTREAMS).get(route.upstreamId());
    assertEquals(8080, upstream.nodes().get(0).port());

    RouteTable routes = RouteTable.attach(registry);   // routes + their services and upstreams, kept current
    MatchResult<ResolvedRoute> m = new MatchResult<>();
    RouteRequest request = RouteRequest.of("GET", "/users/42", "api.example.com", "10.0.0.7");
    assertTrue(routes.match(request, m));
    assertEquals("42", m.param("id"));
    assertEquals("users", m.value().upstream().id());
    routes.close();
    registry.close();
    source.close();
  }
}
