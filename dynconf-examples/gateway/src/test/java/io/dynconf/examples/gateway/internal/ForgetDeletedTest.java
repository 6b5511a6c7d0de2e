package io.dynconf.examples.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.Node;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The gateway's per-route and per-upstream state (balancers, metric series, node health) of
 * deleted routes and upstreams is dropped on registry updates (issue 13, item 4).
 */
class ForgetDeletedTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void createDeleteCyclesWithGeneratedIdsLeaveTheGatewaysMapsAtTheirBaseline() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      RouteTable routes = RouteTable.attach(registry);
      GatewayMetrics metrics = new GatewayMetrics();
      Operators operators = new Operators(source, registry, routes, metrics);
      Balancers balancers = Balancers.builder().listener(operators).build();
      registry.addListener(new ForgetDeleted(registry, balancers, metrics, operators));
      MatchResult<ResolvedRoute> m = new MatchResult<>();
      for (int batch = 0; batch < 100; batch++) { // 100 x 100 = 10,000 create/delete cycles
        java.util.List<String> ids = new java.util.ArrayList<>();
        long rev = 0;
        for (int i = 0; i < 100; i++) {
          String id = UUID.randomUUID().toString(); // as POST generates them
          ids.add(id);
          String upstream = i % 2 == 0 ? ",\"upstream_id\":\"" + id + "\"" : ",\"upstream\":{\"nodes\":{\"127.0.0.2:80\":1}}";
          source.put("/apisix/upstreams/" + id, "{\"nodes\":{\"127.0.0.1:80\":1}}");
          rev = source.put("/apisix/routes/" + id, "{\"uri\":\"/" + id + "\"" + upstream + "}");
        }
        long created = rev;
        await().atMost(WAIT).pollInterval(Duration.ofMillis(2)).until(() -> routes.revision() >= created);
        for (String id : ids) { // what the proxy does per request: route, pick, count; and a node's health changes
          assertThat(routes.match(RouteRequest.of("GET", "/" + id, "h", "10.0.0.1"), m)).isTrue();
          Upstream upstream = m.value().upstream();
          String key = String.valueOf(m.value().upstreamKey());
          balancers.picker(key, m.value().upstreamRevision(), upstream);
          metrics.started();
          metrics.finished(id, 200, 1000);
          operators.nodeHealthChanged(key, new Node("127.0.0.1", 80, 1, 0, java.util.Map.of()), false, "test");
        }
        assertThat(balancers.size()).isEqualTo(100);
        for (String id : ids) {
          source.delete("/apisix/routes/" + id);
          source.delete("/apisix/upstreams/" + id);
        }
      }
      long last = source.list().revision();
      await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= last);
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(balancers.size()).as("balancers").isZero();
        assertThat(metrics.routeSeries()).as("metric series").isZero();
        assertThat(operators.nodeHealthEntries()).as("node health entries").isZero();
      });
      assertThat(registry.store(StandardTypes.ROUTES).size()).isZero();
      balancers.close();
      routes.close();
    }
  }

  /**
   * Issue 13's leftover: a request past routing when its route and upstream are deleted used to
   * re-create the balancer, the route's metric series and the node health entry after the drop
   * (its pick and its count come later), and they stayed. Now the end of the request settles them.
   */
  @Test
  void aRequestInFlightAcrossTheDeleteOfItsRouteLeavesNothingBehind() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      RouteTable routes = RouteTable.attach(registry);
      GatewayMetrics metrics = new GatewayMetrics();
      Operators operators = new Operators(source, registry, routes, metrics);
      Balancers balancers = Balancers.builder().listener(operators).build();
      ForgetDeleted forget = new ForgetDeleted(registry, balancers, metrics, operators);
      registry.addListener(forget);
      java.util.concurrent.CountDownLatch dropped = new java.util.concurrent.CountDownLatch(1);
      registry.addListener(update -> { // runs after ForgetDeleted (listeners run in order)
        if (update.current().store(StandardTypes.ROUTES).item("r1") == null
            && update.current().store(StandardTypes.UPSTREAMS).item("u1") == null) {
          dropped.countDown();
        }
      });
      RequestAccounting accounting = new RequestAccounting(metrics, forget);
      source.put("/apisix/upstreams/u1", "{\"nodes\":{\"127.0.0.1:80\":1}}");
      long created = source.put("/apisix/routes/r1", "{\"uri\":\"/r1\",\"upstream_id\":\"u1\"}");
      await().atMost(WAIT).until(() -> routes.revision() >= created);
      MatchResult<ResolvedRoute> m = new MatchResult<>();
      assertThat(routes.match(RouteRequest.of("GET", "/r1", "h", "10.0.0.1"), m)).isTrue();
      ResolvedRoute route = m.value(); // the request is past routing
      accounting.requestStarted();

      source.delete("/apisix/routes/r1");
      source.delete("/apisix/upstreams/u1");
      assertThat(dropped.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();

      // the request goes on: picks (re-creating the balancer), a node's health changes, it is counted
      String key = String.valueOf(route.upstreamKey());
      assertThat(route.upstream()).isNotNull();
      balancers.picker(key, route.upstreamRevision(), java.util.Objects.requireNonNull(route.upstream()));
      operators.nodeHealthChanged(key, new Node("127.0.0.1", 80, 1, 0, java.util.Map.of()), false, "test");
      accounting.requestFinished(route, 200, 1000);

      assertThat(balancers.size()).as("balancers").isZero();
      assertThat(metrics.routeSeries()).as("metric series").isZero();
      assertThat(operators.nodeHealthEntries()).as("node health entries").isZero();
      assertThat(metrics.inFlight()).isZero();
      balancers.close();
      routes.close();
    }
  }
}
