package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in plugins end to end, configured through the admin API with APISIX's JSON. */
class GatewayPluginTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private Backend backend;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    backend = new Backend("web");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
    put("/apisix/admin/upstreams/web", "{\"nodes\":{\"" + backend.node() + "\":1}}", 201);
  }

  @AfterEach
  void stop() {
    gateway.close();
    backend.close();
  }

  private HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return GatewayAdminTest.admin(http, gateway, method, path, GatewayAdminTest.KEY, body);
  }

  private void put(String path, String body, int expected) throws Exception {
    HttpResponse<String> r = admin("PUT", path, body);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(expected);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path))
        .timeout(WAIT);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitStatus(String path, int status, String... headers) {
    await().atMost(WAIT).until(() -> get(path, headers).statusCode() == status);
  }

  @Test
  void proxyRewriteChangesUriHostAndHeaders() throws Exception {
    put("/apisix/admin/routes/r1", """
        {"uri":"/old/*","upstream_id":"web","plugins":{"proxy-rewrite":{
          "regex_uri":["^/old/(.*)$","/new/$1"],"host":"rewritten.test",
          "headers":{"set":{"X-Set":"1"},"add":{"X-Added":"2"},"remove":["X-Drop"]}}}}""", 201);
    awaitStatus("/old/a?q=1", 200);
    HttpResponse<String> r = get("/old/a/b?q=1", "X-Drop", "gone");
    assertThat(r.body()).startsWith("web GET /new/a/b?q=1");
    int last = backend.requests.size() - 1;
    assertThat(backend.header(last, "Host")).isEqualTo("rewritten.test");
    assertThat(backend.header(last, "X-set")).isEqualTo("1");
    assertThat(backend.header(last, "X-added")).isEqualTo("2");
    assertThat(backend.header(last, "X-drop")).isNull();
  }

  @Test
  void aClientCannotStripHeadersAPluginSetByNamingThemInConnection() throws Exception {
    // found by the attack pass: Connection tokens were applied after the plugins, so a client could
    // strip an identity header a plugin set for the upstream
    put("/apisix/admin/routes/r1", "{\"uri\":\"/echo/*\",\"upstream_id\":\"web\",\"plugins\":{\"proxy-rewrite\":{"
        + "\"headers\":{\"set\":{\"X-Internal-Auth\":\"s3cret\"}}}}}", 201);
    awaitStatus("/echo/a", 200);
    String r = io.dynconf.netty.contract.NormalisingBackend.rawGet(gateway.dataAddress().getPort(), "/echo/b", "gw.test",
        "Connection: keep-alive, X-Internal-Auth, X-Client-Hop", "X-Client-Hop: bye", "X-Internal-Auth: forged");
    assertThat(io.dynconf.netty.contract.NormalisingBackend.status(r)).isEqualTo(200);
    int last = backend.requests.size() - 1;
    assertThat(backend.header(last, "X-internal-auth")).as("the plugin's value reaches the upstream").isEqualTo("s3cret");
    assertThat(backend.header(last, "X-client-hop")).as("the client's own hop-by-hop header is still removed").isNull();
  }

  @Test
  void keyAuthFollowsConsumersAddedAndRemovedAtRunTime() throws Exception {
    put("/apisix/admin/routes/r1", "{\"uri\":\"/secure\",\"upstream_id\":\"web\",\"plugins\":{\"key-auth\":{}}}", 201);
    awaitStatus("/secure", 401);
    assertThat(get("/secure").body()).contains("Missing API key in request");
    assertThat(get("/secure", "apikey", "nope").body()).contains("Invalid API key in request");

    put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"jack-key\"}}}", 201);
    awaitStatus("/secure", 200, "apikey", "jack-key");
    assertThat(get("/secure?apikey=jack-key").statusCode()).as("the key may come as a query argument").isEqualTo(200);
    int last = backend.requests.size() - 1;
    assertThat(backend.header(last, "X-consumer-username")).isEqualTo("jack");

    assertThat(admin("DELETE", "/apisix/admin/consumers/jack", null).statusCode()).isEqualTo(200);
    awaitStatus("/secure", 401, "apikey", "jack-key");
  }

  @Test
  void limitCountRejectsOverTheLimitWithRateLimitHeaders() throws Exception {
    put("/apisix/admin/routes/r1", """
        {"uri":"/limited","upstream_id":"web","plugins":{"limit-count":{
          "count":2,"time_window":60,"rejected_code":429,"key_type":"constant","key":"all"}}}""", 201);
    awaitStatus("/limited", 200);
    HttpResponse<String> r;
    do {
      r = get("/limited");
    } while (r.statusCode() == 200);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
  }

  @Test
  void responseRewriteAppliesToUpstreamAndPluginResponses() throws Exception {
    put("/apisix/admin/routes/r1", """
        {"uri":"/rewritten","upstream_id":"web","plugins":{"response-rewrite":{
          "status_code":201,"headers":{"set":{"X-Rewritten":"yes"}},"body":"replaced\\n"}}}""", 201);
    awaitStatus("/rewritten", 201);
    HttpResponse<String> r = get("/rewritten");
    assertThat(r.body()).isEqualTo("replaced\n");
    assertThat(r.headers().firstValue("X-Rewritten")).hasValue("yes");
    assertThat(r.headers().firstValue("Content-Length")).hasValue("9");
  }

  @Test
  void routePluginsWinOverPluginConfigsAndServicesAndGlobalRulesApplyEverywhere() throws Exception {
    put("/apisix/admin/services/s1", "{\"upstream_id\":\"web\",\"plugins\":{\"response-rewrite\":{\"headers\":{\"X-From\":\"service\"}}}}", 201);
    put("/apisix/admin/plugin_configs/pc1", "{\"plugins\":{\"response-rewrite\":{\"headers\":{\"X-From\":\"plugin_config\"}}}}", 201);
    put("/apisix/admin/routes/svc", "{\"uri\":\"/svc\",\"service_id\":\"s1\"}", 201);
    put("/apisix/admin/routes/pc", "{\"uri\":\"/pc\",\"service_id\":\"s1\",\"plugin_config_id\":\"pc1\"}", 201);
    put("/apisix/admin/routes/own", "{\"uri\":\"/own\",\"service_id\":\"s1\",\"plugin_config_id\":\"pc1\","
        + "\"plugins\":{\"response-rewrite\":{\"headers\":{\"X-From\":\"route\"}}}}", 201);
    awaitStatus("/own", 200);
    assertThat(get("/svc").headers().firstValue("X-From")).hasValue("service");
    assertThat(get("/pc").headers().firstValue("X-From")).hasValue("plugin_config");
    assertThat(get("/own").headers().firstValue("X-From")).hasValue("route");

    put("/apisix/admin/global_rules/g1", "{\"plugins\":{\"proxy-rewrite\":{\"headers\":{\"X-Global\":\"on\"}}}}", 201);
    await().atMost(WAIT).until(() -> {
      get("/svc");
      return "on".equals(backend.header(backend.requests.size() - 1, "X-global"));
    });
  }

  @Test
  void unknownPluginsAndBadConfigsAreRefusedNamingThePluginAndField() throws Exception {
    HttpResponse<String> unknown = admin("PUT", "/apisix/admin/routes/r1",
        "{\"uri\":\"/x\",\"upstream_id\":\"web\",\"plugins\":{\"no-such-plugin\":{}}}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("no-such-plugin").contains("unknown plugin");
    HttpResponse<String> bad = admin("PUT", "/apisix/admin/routes/r1",
        "{\"uri\":\"/x\",\"upstream_id\":\"web\",\"plugins\":{\"limit-count\":{\"count\":0,\"time_window\":1}}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("/plugins/limit-count/count");
    HttpResponse<String> redis = admin("PUT", "/apisix/admin/global_rules/g",
        "{\"plugins\":{\"limit-count\":{\"count\":1,\"time_window\":1,\"policy\":\"redis\"}}}");
    assertThat(redis.statusCode()).isEqualTo(400);
    assertThat(redis.body()).contains("/plugins/limit-count/policy");
    assertThat(get("/x").statusCode()).as("nothing was stored").isEqualTo(404);
  }

  @Test
  void aConsumersPluginsJoinTheRouteOnceAuthenticatedAndWinOverTheRoutes() throws Exception {
    put("/apisix/admin/consumers", """
        {"username":"jack","plugins":{"key-auth":{"key":"jack-key"},
          "limit-count":{"count":2,"time_window":60,"key":"consumer_name","rejected_code":429},
          "proxy-rewrite":{"headers":{"set":{"X-Tier":"gold"}}}}}""", 201);
    put("/apisix/admin/consumers", "{\"username\":\"jill\",\"plugins\":{\"key-auth\":{\"key\":\"jill-key\"}}}", 201);
    put("/apisix/admin/routes/r1", """
        {"uri":"/metered","upstream_id":"web","plugins":{"key-auth":{},
          "limit-count":{"count":100,"time_window":60,"key":"consumer_name","rejected_code":429}}}""", 201);
    awaitStatus("/metered", 200, "apikey", "jill-key");

    HttpResponse<String> jill = get("/metered", "apikey", "jill-key");
    assertThat(jill.statusCode()).isEqualTo(200);
    assertThat(jill.headers().firstValue("X-RateLimit-Limit")).as("the route's limit").hasValue("100");
    assertThat(backend.header(backend.requests.size() - 1, "X-tier")).isNull();

    HttpResponse<String> jack = get("/metered", "apikey", "jack-key");
    assertThat(jack.statusCode()).isEqualTo(200);
    assertThat(jack.headers().firstValue("X-RateLimit-Limit")).as("the consumer's limit wins").hasValue("2");
    assertThat(backend.header(backend.requests.size() - 1, "X-tier")).as("the consumer's proxy-rewrite ran").isEqualTo("gold");
    assertThat(backend.header(backend.requests.size() - 1, "X-consumer-username")).isEqualTo("jack");
    int ok = 1;
    while ((jack = get("/metered", "apikey", "jack-key")).statusCode() == 200) {
      ok++;
    }
    assertThat(jack.statusCode()).isEqualTo(429);
    assertThat(ok).as("200s before the 429 (a window may roll over once)").isBetween(2, 4);
    assertThat(get("/metered", "apikey", "jill-key").statusCode()).as("counted per consumer").isEqualTo(200);
    assertThat(get("/metered").statusCode()).as("authentication still comes first").isEqualTo(401);
  }
}
