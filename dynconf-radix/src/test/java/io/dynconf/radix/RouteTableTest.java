package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RouteTable} over a real {@link ConfigRegistry} fed by an {@link InMemorySource}. */
class RouteTableTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemorySource source = new InMemorySource("/apisix");
  private ConfigRegistry registry;
  private RouteTable table;

  private RouteTable start() throws Exception {
    registry = ConfigRegistry.builder(source).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    table = RouteTable.attach(registry);
    return table;
  }

  @AfterEach
  void close() {
    if (table != null) {
      table.close();
    }
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  private static String upstream(String node) {
    return "{\"type\":\"roundrobin\",\"nodes\":{\"" + node + "\":1}}";
  }

  private @Nullable RouteMatch<ResolvedRoute> match(String method, String path, @Nullable String host) {
    return table.match(RouteRequest.of(method, path, host, "127.0.0.1"));
  }

  private void awaitRevision(long revision) {
    await().atMost(WAIT).until(() -> table.revision() >= revision);
  }

  @Test
  void routesResolveTheirUpstreamDirectlyOrThroughTheirService() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"));
    source.put("/apisix/upstreams/u2", upstream("10.0.0.2:80"));
    source.put("/apisix/services/s1", "{\"upstream_id\":\"u2\",\"hosts\":[\"svc.test\"]}");
    source.put("/apisix/services/s2", "{\"upstream\":" + upstream("10.0.0.3:80") + "}");
    source.put("/apisix/routes/direct", "{\"uri\":\"/direct\",\"upstream_id\":\"u1\"}");
    source.put("/apisix/routes/inline", "{\"uri\":\"/inline/*\",\"upstream\":" + upstream("10.0.0.9:80") + "}");
    source.put("/apisix/routes/via-service", "{\"uri\":\"/svc/:id\",\"service_id\":\"s1\"}");
    source.put("/apisix/routes/service-inline", "{\"uri\":\"/svc2\",\"service_id\":\"s2\",\"hosts\":[\"own.test\"]}");
    start();

    RouteMatch<ResolvedRoute> direct = match("GET", "/direct", null);
    assertThat(direct.value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.1");
    assertThat(direct.value().upstreamKey()).isEqualTo("/upstreams/u1");

    RouteMatch<ResolvedRoute> inline = match("GET", "/inline/x", null);
    assertThat(inline.value().upstreamKey()).isEqualTo("/routes/inline");
    assertThat(inline.params()).isEmpty();

    assertThat(match("GET", "/svc/7", null)).as("the service's hosts apply to its routes").isNull();
    RouteMatch<ResolvedRoute> viaService = match("GET", "/svc/7", "svc.test");
    assertThat(viaService.value().service().id()).isEqualTo("s1");
    assertThat(viaService.value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.2");
    assertThat(viaService.params()).containsEntry("id", "7");

    assertThat(match("GET", "/svc2", "svc.test")).isNull();
    RouteMatch<ResolvedRoute> own = match("GET", "/svc2", "own.test");
    assertThat(own.value().hosts()).as("a route's own hosts override its service's").containsExactly("own.test");
    assertThat(own.value().upstreamKey()).isEqualTo("/services/s2");
  }

  @Test
  void followsChangesToRoutesServicesAndUpstreams() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"));
    source.put("/apisix/services/s1", "{\"upstream_id\":\"u1\"}");
    source.put("/apisix/routes/r1", "{\"uri\":\"/a\",\"service_id\":\"s1\"}");
    source.put("/apisix/routes/r2", "{\"uri\":\"/b\",\"upstream_id\":\"u1\"}");
    start();
    assertThat(match("GET", "/a", null).value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.1");

    awaitRevision(source.put("/apisix/upstreams/u1", upstream("10.0.0.5:80")));
    assertThat(match("GET", "/a", null).value().upstream().nodes().get(0).host())
        .as("a route sees its service's upstream change").isEqualTo("10.0.0.5");
    assertThat(match("GET", "/b", null).value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.5");

    awaitRevision(source.put("/apisix/services/s1", "{\"upstream_id\":\"u1\",\"hosts\":[\"only.test\"]}"));
    assertThat(match("GET", "/a", null)).isNull();
    assertThat(match("GET", "/a", "only.test")).isNotNull();

    awaitRevision(source.put("/apisix/routes/r1", "{\"uri\":\"/a2\",\"methods\":[\"POST\"],\"service_id\":\"s1\"}"));
    assertThat(match("POST", "/a", "only.test")).isNull();
    assertThat(match("POST", "/a2", "only.test").id()).isEqualTo("r1");
    assertThat(match("GET", "/a2", "only.test")).isNull();

    assertThat(source.delete("/apisix/routes/r2")).isTrue();
    awaitRevision(source.revision());
    assertThat(match("GET", "/b", null)).isNull();
    assertThat(table.router().size()).isEqualTo(1);
  }

  @Test
  void disabledAndLuaFilterRoutesAreLeftOutWithAReason() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"));
    source.put("/apisix/routes/off", "{\"uri\":\"/off\",\"upstream_id\":\"u1\",\"status\":0}");
    source.put("/apisix/routes/lua", "{\"uri\":\"/lua\",\"upstream_id\":\"u1\",\"filter_func\":\"function(vars) return true end\"}");
    start();
    assertThat(match("GET", "/off", null)).isNull();
    assertThat(match("GET", "/lua", null)).isNull();
    assertThat(table.skipped()).containsOnlyKeys("off", "lua");
    assertThat(table.skipped().get("off")).contains("status 0");
    assertThat(table.skipped().get("lua")).contains("filter_func");

    awaitRevision(source.put("/apisix/routes/off", "{\"uri\":\"/off\",\"upstream_id\":\"u1\",\"status\":1}"));
    assertThat(match("GET", "/off", null)).isNotNull();
    assertThat(table.skipped()).containsOnlyKeys("lua");
  }

  @Test
  void aUriWithoutALeadingSlashNeverMatchesAndAloneLeavesTheRouteOut() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"));
    source.put("/apisix/routes/one", "{\"uri\":\"1\",\"upstream_id\":\"u1\"}"); // APISIX accepts it
    source.put("/apisix/routes/mixed", "{\"uris\":[\"x\",\"/mixed\"],\"upstream_id\":\"u1\"}");
    start();
    assertThat(table.skipped()).containsOnlyKeys("one");
    assertThat(table.skipped().get("one")).contains("no path starts with '/'");
    assertThat(match("GET", "/1", null)).isNull();
    assertThat(match("GET", "/mixed", null)).isNotNull();
    assertThat(match("GET", "/x", null)).isNull();
  }

  @Test
  void aFilterFactoryServesFilterFuncRoutes() throws Exception {
    source.put("/apisix/routes/lua", "{\"uri\":\"/lua\",\"upstream\":" + upstream("10.0.0.1:80")
        + ",\"filter_func\":\"function(vars) return vars.http_x_channel == 'beta' end\"}");
    registry = ConfigRegistry.builder(source).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    table = RouteTable.builder()
        // a user's stand-in for the Lua function: here, recognise one known function by its text
        .filterFunctions(route -> req -> route.filterFunc().contains("'" + req.var("http_x_channel") + "'"))
        .attach(registry);
    assertThat(table.match(RouteRequest.of("GET", "/lua", null, null, java.util.Map.of("http_x_channel", "beta")))).isNotNull();
    assertThat(table.match(RouteRequest.of("GET", "/lua", null, null))).isNull();
  }

  @Test
  void aFilterFactoryThatThrowsRefusesThatRouteAndTheTableGoesOn() throws Exception {
    source.put("/apisix/routes/ok", "{\"uri\":\"/ok\",\"upstream\":" + upstream("10.0.0.1:80") + "}");
    source.put("/apisix/routes/boom", "{\"uri\":\"/boom\",\"upstream\":" + upstream("10.0.0.1:80")
        + ",\"filter_func\":\"function(vars) return boom end\"}");
    source.put("/apisix/routes/deep", "{\"uri\":\"/deep\",\"upstream\":" + upstream("10.0.0.1:80")
        + ",\"filter_func\":\"function(vars) return deep end\"}");
    registry = ConfigRegistry.builder(source).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    table = RouteTable.builder()
        .filterFunctions(route -> {
          if (route.filterFunc().contains("boom")) {
            throw new IllegalArgumentException("cannot compile filter (test)");
          }
          if (route.filterFunc().contains("deep")) {
            throw new StackOverflowError("filter compiler recursed (test)");
          }
          return req -> true;
        })
        .attach(registry);

    assertThat(table.match(RouteRequest.of("GET", "/ok", null, null))).isNotNull();
    assertThat(table.match(RouteRequest.of("GET", "/boom", null, null))).isNull();
    assertThat(table.skipped()).containsOnlyKeys("boom", "deep");
    assertThat(table.skipped().get("boom")).contains("filter_func refused").contains("cannot compile filter (test)");
    assertThat(table.skipped().get("deep")).contains("StackOverflowError");

    // the table goes on: later changes apply, a full rebuild too
    awaitRevision(source.put("/apisix/routes/later", "{\"uri\":\"/later\",\"upstream\":" + upstream("10.0.0.1:80") + "}"));
    assertThat(table.match(RouteRequest.of("GET", "/later", null, null))).isNotNull();
    table.sync(registry.snapshot());
    assertThat(table.match(RouteRequest.of("GET", "/later", null, null))).isNotNull();
    assertThat(table.match(RouteRequest.of("GET", "/ok", null, null))).isNotNull();
    awaitRevision(source.put("/apisix/routes/boom", "{\"uri\":\"/boom\",\"upstream\":" + upstream("10.0.0.1:80") + "}"));
    assertThat(table.match(RouteRequest.of("GET", "/boom", null, null))).isNotNull();
    assertThat(table.skipped()).containsOnlyKeys("deep");
  }

  @Test
  void anOlderSnapshotIsNeverInstalledOverANewerOne() throws Exception {
    source.put("/apisix/routes/r", "{\"uri\":\"/v1\",\"upstream\":" + upstream("10.0.0.1:80") + "}");
    start();
    io.dynconf.core.ConfigSnapshot v1 = registry.snapshot();
    awaitRevision(source.put("/apisix/routes/r", "{\"uri\":\"/v2\",\"upstream\":" + upstream("10.0.0.1:80") + "}"));
    long version = table.snapshotVersion();

    // what attach did when a listener applied a newer update between its read of the snapshot and its sync
    table.sync(v1);

    assertThat(table.snapshotVersion()).isEqualTo(version);
    assertThat(match("GET", "/v2", null)).isNotNull();
    assertThat(match("GET", "/v1", null)).isNull();
  }

  @Test
  void routesMatchOnTheirVarsExpression() throws Exception {
    source.put("/apisix/routes/json", "{\"uri\":\"/v\",\"vars\":[[\"arg_format\",\"==\",\"json\"]],\"upstream\":"
        + upstream("10.0.0.1:80") + "}");
    start();
    assertThat(table.match(RouteRequest.of("GET", "/v", null, null, java.util.Map.of("arg_format", "json")))).isNotNull();
    assertThat(table.match(RouteRequest.of("GET", "/v", null, null, java.util.Map.of("arg_format", "xml")))).isNull();
  }

  @Test
  void aBadPathPatternIsRejectedByTheStoreAndTheOldRouteKeepsServing() throws Exception {
    source.put("/apisix/routes/r", "{\"uri\":\"/good/:id\",\"upstream\":" + upstream("10.0.0.1:80") + "}");
    start();
    long rev = source.put("/apisix/routes/r", "{\"uri\":\"/bad/*/middle\",\"upstream\":" + upstream("10.0.0.1:80") + "}");
    await().atMost(WAIT).until(() -> registry.snapshot().rejections().containsKey("/apisix/routes/r"));
    assertThat(registry.snapshot().rejections().get("/apisix/routes/r").message()).contains("/uri").contains("'*'");
    assertThat(registry.snapshot().revision()).isGreaterThanOrEqualTo(rev);
    assertThat(match("GET", "/good/1", null).id()).isEqualTo("r");
    assertThat(match("GET", "/bad/x/middle", null)).isNull();
  }

  @Test
  void anUpstreamsNewValueRebuildsNoRouteAndEveryMatchGetsIt() throws Exception {
    java.util.concurrent.atomic.AtomicInteger computed = new java.util.concurrent.atomic.AtomicInteger();
    source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"));
    source.put("/apisix/services/s1", "{\"upstream_id\":\"u1\"}");
    for (int i = 0; i < 20; i++) {
      source.put("/apisix/routes/r" + i, "{\"uri\":\"/r" + i + "\",\"upstream_id\":\"u1\"}");
    }
    source.put("/apisix/routes/via", "{\"uri\":\"/via\",\"service_id\":\"s1\"}");
    source.put("/apisix/routes/own", "{\"uri\":\"/own\",\"upstream\":" + upstream("10.0.0.9:80") + "}");
    registry = ConfigRegistry.builder(source).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    table = RouteTable.builder().attachments(r -> computed.incrementAndGet()).attach(registry);
    assertThat(computed.get()).isEqualTo(22);
    long routerVersion = table.router().version();

    awaitRevision(source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"))); // same bytes, new revision
    assertThat(computed.get()).as("an unchanged value is not a change for the routes").isEqualTo(22);

    long changed = source.put("/apisix/upstreams/u1", upstream("10.0.0.2:80"));
    awaitRevision(changed);
    assertThat(computed.get()).as("no route rebuilt for an upstream's new nodes").isEqualTo(22);
    assertThat(table.router().version()).isEqualTo(routerVersion);
    for (String path : List.of("/r3", "/via")) {
      ResolvedRoute now = match("GET", path, null).value(); // the allocating match
      assertThat(now.upstream().nodes().get(0).host()).as(path).isEqualTo("10.0.0.2");
      assertThat(now.upstreamRevision()).isEqualTo(changed);
      assertThat(now.upstreamKey()).isEqualTo("/upstreams/u1");
      assertThat(now.attachment()).as("the route's attachment is kept").isNotNull();
      MatchResult<ResolvedRoute> m = new MatchResult<>(); // the allocation-free match
      assertThat(table.match(RouteRequest.of("GET", path, null, "127.0.0.1"), m)).isTrue();
      assertThat(m.value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.2");
      assertThat(m.value().upstreamRevision()).isEqualTo(changed);
    }
    assertThat(match("GET", "/own", null).value().upstream().nodes().get(0).host()).as("an inline upstream").isEqualTo("10.0.0.9");

    // a change of the route itself rebuilds it with the newest upstream
    awaitRevision(source.put("/apisix/routes/r3", "{\"uri\":\"/r3\",\"upstream_id\":\"u1\",\"desc\":\"x\"}"));
    assertThat(computed.get()).isEqualTo(23);
    assertThat(match("GET", "/r3", null).value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.2");

    // an upstream that disappears takes its routes with it (the registry holds them back)
    source.delete("/apisix/routes/via");
    source.delete("/apisix/services/s1");
    for (int i = 0; i < 20; i++) {
      source.delete("/apisix/routes/r" + i);
    }
    awaitRevision(source.list().revision());
    source.put("/apisix/routes/late", "{\"uri\":\"/late\",\"upstream_id\":\"u2\"}"); // waits for u2
    long appeared = source.put("/apisix/upstreams/u2", upstream("10.0.0.3:80"));
    awaitRevision(appeared);
    assertThat(match("GET", "/late", null).value().upstream().nodes().get(0).host()).isEqualTo("10.0.0.3");
  }

  @Test
  void tiesGoToTheOlderRouteOnEveryNode() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("10.0.0.1:80"));
    source.put("/apisix/routes/zz-older", "{\"uri\":\"/t/:id\",\"upstream_id\":\"u1\"}");
    source.put("/apisix/routes/aa-newer", "{\"uri\":\"/t/:id\",\"upstream_id\":\"u1\"}");
    start();
    assertThat(match("GET", "/t/1", null).id()).isEqualTo("zz-older");
    // replacing the older route keeps its create revision, hence its place
    awaitRevision(source.put("/apisix/routes/zz-older", "{\"uri\":\"/t/:id\",\"upstream_id\":\"u1\",\"desc\":\"v2\"}"));
    assertThat(match("GET", "/t/1", null).id()).isEqualTo("zz-older");
    // and a higher priority beats age
    awaitRevision(source.put("/apisix/routes/aa-newer", "{\"uri\":\"/t/:id\",\"upstream_id\":\"u1\",\"priority\":1}"));
    assertThat(match("GET", "/t/1", null).id()).isEqualTo("aa-newer");
  }

  @Test
  void aTableBuiltFromASnapshotMatchesTheRegistry() throws Exception {
    source.put("/apisix/routes/r", "{\"uri\":\"/r\",\"upstream\":" + upstream("10.0.0.1:80") + "}");
    registry = ConfigRegistry.builder(source).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    RouteTable fixed = RouteTable.builder().build(registry.snapshot());
    assertThat(fixed.match(RouteRequest.of("GET", "/r", null, null)).id()).isEqualTo("r");
    assertThat(fixed.revision()).isEqualTo(registry.snapshot().revision());
  }
}
