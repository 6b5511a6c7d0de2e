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
      registry.addListener(new ForgetDeleted(balancers, metrics));
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
        }
        assertThat(balancers.size()).isEqualTo(100);
        for (String id : ids) {
          source.delete("/apisix/routes/" + id);
          source.delete("/apisix/upstreams/" + id);
        }
        // ForgetDeleted runs after the route table on the notifier thread: the next batch counts
        // its own pickers only once this batch's are forgotten
        await().atMost(WAIT).pollInterval(Duration.ofMillis(2)).until(() -> balancers.size() == 0);
      }
      long last = source.list().revision();
      await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= last);
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(balancers.size()).as("balancers").isZero();
        assertThat(metrics.routeSeries()).as("metric series").isZero();
        assertThat(balancers.health()).as("node health").isEmpty();
      });
      assertThat(registry.store(StandardTypes.ROUTES).size()).isZero();
      balancers.close();
      routes.close();
    }
  }

  @Test
  void aRequestInFlightThatReCreatesADeletedEntryIsSweptAway() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      RouteTable routes = RouteTable.attach(registry);
      GatewayMetrics metrics = new GatewayMetrics();
      Balancers balancers = Balancers.create();
      ForgetDeleted forget = new ForgetDeleted(balancers, metrics);
      registry.addListener(forget);
      source.put("/apisix/upstreams/kept", "{\"nodes\":{\"127.0.0.1:80\":1}}");
      source.put("/apisix/routes/kept", "{\"uri\":\"/kept\",\"upstream_id\":\"kept\"}");
      source.put("/apisix/upstreams/gone", "{\"nodes\":{\"127.0.0.1:81\":1}}");
      long rev = source.put("/apisix/routes/gone", "{\"uri\":\"/gone\",\"upstream_id\":\"gone\"}");
      await().atMost(WAIT).until(() -> routes.revision() >= rev);
      MatchResult<ResolvedRoute> kept = new MatchResult<>();
      MatchResult<ResolvedRoute> inFlight = new MatchResult<>();
      assertThat(routes.match(RouteRequest.of("GET", "/kept", "h", "10.0.0.1"), kept)).isTrue();
      assertThat(routes.match(RouteRequest.of("GET", "/gone", "h", "10.0.0.1"), inFlight)).isTrue(); // routed before the delete

      source.delete("/apisix/routes/gone");
      long deleted = source.delete("/apisix/upstreams/gone") ? source.list().revision() : -1;
      await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= deleted);
      // what the request routed before the delete does after it: pick, count
      ResolvedRoute r = inFlight.value();
      balancers.picker(String.valueOf(r.upstreamKey()), r.upstreamRevision(), r.upstream());
      metrics.started();
      metrics.finished("gone", 200, 1000);
      ResolvedRoute k = kept.value();
      balancers.picker(String.valueOf(k.upstreamKey()), k.upstreamRevision(), k.upstream());
      metrics.started();
      metrics.finished("kept", 200, 1000);
      metrics.started();
      metrics.finished("", 404, 1000);
      assertThat(balancers.keys()).containsExactlyInAnyOrder("/upstreams/gone", "/upstreams/kept");

      assertThat(forget.sweep(registry.snapshot())).isEqualTo(2);
      assertThat(balancers.keys()).containsExactly("/upstreams/kept");
      assertThat(metrics.routes()).containsExactlyInAnyOrder("kept", "");
      assertThat(forget.sweep(registry.snapshot())).as("nothing left to sweep").isZero();
      balancers.close();
      routes.close();
    }
  }

  @Test
  void trafficSplitsInlineBalancersLiveAsLongAsTheirRoute() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      Balancers balancers = Balancers.create();
      ForgetDeleted forget = new ForgetDeleted(balancers, new GatewayMetrics());
      registry.addListener(forget);
      long rev = source.put("/apisix/routes/kept", "{\"uri\":\"/kept\",\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1}}}");
      await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= rev);
      io.dynconf.core.apisix.Upstream inline = registry.snapshot().store(io.dynconf.core.apisix.StandardTypes.ROUTES)
          .get("kept").upstream();
      balancers.picker("/routes/kept#traffic-split/0/1", 7, inline);
      balancers.picker("/routes/gone#traffic-split/0/0", 7, inline);
      assertThat(forget.sweep(registry.snapshot())).isEqualTo(1);
      assertThat(balancers.keys()).containsExactly("/routes/kept#traffic-split/0/1");
      balancers.close();
    }
  }
}
