package io.dynconf.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.apisix.PluginCatalog;
import io.dynconf.core.apisix.PluginInfo;
import io.dynconf.core.source.InMemorySource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item by item, over a real socket: the admin CORS answers ({@code enable_admin_cors}),
 * {@code /schema/<type>} with its {@code $ref}s inlined, plugins on stream routes refused, and the
 * checks single writes make against other objects made by bulk writes too.
 */
class AdminCorsSchemaBulkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DASH = "https://dash.example.com";
  private final InMemorySource source = new InMemorySource();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private AdminApi admin;
  private AdminHttpServer http;

  private void start(AdminApi.Builder b) {
    admin = b.build();
    http = new AdminHttpServer(admin);
  }

  private AdminApi.Builder builder() {
    return AdminTesting.builder(source, new AdminTesting.TestClock(1_700_000_000L));
  }

  @AfterEach
  void close() {
    if (http != null) {
      http.close();
    }
    if (admin != null) {
      admin.close();
    }
  }

  private HttpResponse<String> withOrigin(String method, String path, String origin, boolean key) throws Exception {
    // the admin listener's port, read from a request the helper makes
    HttpResponse<String> probe = http.send("GET", "/apisix/admin/routes", null);
    URI uri = probe.request().uri().resolve(path);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Origin", origin)
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (method.equals("OPTIONS")) {
      b.header("Access-Control-Request-Method", "PUT").header("Access-Control-Request-Headers", "x-api-key,content-type");
    }
    if (key) {
      b.header(AdminApi.API_KEY_HEADER, AdminTesting.ADMIN_KEY);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode body(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void corsIsOffByDefault() throws Exception {
    start(builder());
    HttpResponse<String> pre = withOrigin("OPTIONS", "/apisix/admin/routes", DASH, false);
    assertThat(pre.statusCode()).isNotEqualTo(200);
    assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    HttpResponse<String> get = withOrigin("GET", "/apisix/admin/routes", DASH, true);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void corsAnswersAllowedOriginsOnlyAndThePreflightNeedsNoKey() throws Exception {
    start(builder().cors(List.of(DASH)));
    HttpResponse<String> pre = withOrigin("OPTIONS", "/apisix/admin/routes/1", DASH, false);
    assertThat(pre.statusCode()).isEqualTo(200);
    assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASH);
    assertThat(pre.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST, GET, PUT, OPTIONS, DELETE, PATCH");
    assertThat(pre.headers().firstValue("Access-Control-Allow-Headers")).hasValue("*");
    assertThat(pre.headers().firstValue("Access-Control-Max-Age")).hasValue("3600");
    assertThat(pre.headers().firstValue("Access-Control-Allow-Credentials")).as("the key is never a cookie").isEmpty();

    HttpResponse<String> get = withOrigin("GET", "/apisix/admin/routes", DASH, true);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASH);
    assertThat(get.headers().firstValue("Vary")).hasValue("Origin");
    assertThat(get.headers().firstValue("Access-Control-Expose-Headers")).hasValue("*");
    // errors carry the headers too, so the page can read them; the key is still required
    HttpResponse<String> keyless = withOrigin("GET", "/apisix/admin/routes", DASH, false);
    assertThat(keyless.statusCode()).isEqualTo(401);
    assertThat(keyless.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASH);

    // another origin gets no CORS answer
    HttpResponse<String> evilPre = withOrigin("OPTIONS", "/apisix/admin/routes", "https://evil.example", false);
    assertThat(evilPre.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(evilPre.statusCode()).isNotEqualTo(200);
    HttpResponse<String> evil = withOrigin("GET", "/apisix/admin/routes", "https://evil.example", true);
    assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void corsForAnyOriginEchoesTheOrigin() throws Exception {
    start(builder().cors(List.of("*")));
    HttpResponse<String> get = withOrigin("GET", "/apisix/admin/routes", "http://localhost:9000", true);
    assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:9000");
  }

  @Test
  void aCorsOriginWithAPathIsRefusedAtBuild() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder().cors(List.of("https://a.example/x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https://a.example/x");
  }

  @Test
  void schemasAreServedWithTheirRefsInlined() throws Exception {
    start(builder());
    for (String type : List.of("routes", "upstreams", "consumers", "credentials", "ssls", "stream_routes", "plugin_configs")) {
      HttpResponse<String> r = http.send("GET", "/apisix/admin/schema/" + type, null);
      assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(200);
      assertThat(r.body()).as(type).doesNotContain("\"$ref\"").doesNotContain("\"definitions\"");
    }
    JsonNode route = body(http.send("GET", "/apisix/admin/schema/route", null));
    assertThat(route.path("properties").path("upstream").path("properties").path("nodes").isMissingNode()).isFalse();
    JsonNode credential = body(http.send("GET", "/apisix/admin/schema/credentials", null));
    assertThat(credential.path("properties").path("plugins").path("maxProperties").asInt()).isEqualTo(1);
    assertThat(credential.path("properties").path("labels").path("type").asText()).isEqualTo("object");
  }

  @Test
  void pluginsOnStreamRoutesAreRefused() throws Exception {
    PluginCatalog catalog = PluginCatalog.fromSchemas(List.of(PluginInfo.of("demo", 1, "{\"type\":\"object\"}")));
    start(builder().plugins(catalog));
    String upstream = "\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"roundrobin\"}";
    HttpResponse<String> ok = http.send("PUT", "/apisix/admin/stream_routes/1", "{\"server_port\":9100," + upstream + "}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    HttpResponse<String> bad = http.send("PUT", "/apisix/admin/stream_routes/2", "{\"server_port\":9101," + upstream
        + ",\"plugins\":{\"demo\":{}}}");
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(body(bad).path("error_msg").asText()).contains("unknown plugin [demo]").contains("/plugins/demo");
    // the same plugin on an HTTP route is fine
    HttpResponse<String> route = http.send("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/a\"," + upstream + ",\"plugins\":{\"demo\":{}}}");
    assertThat(route.statusCode()).as(route.body()).isEqualTo(201);
  }

  private static String op(String method, String type, String id, String value) {
    return "{\"method\":\"" + method + "\",\"type\":\"" + type + "\",\"id\":\"" + id + "\"" + (value == null ? "" : ",\"value\":" + value) + "}";
  }

  private HttpResponse<String> bulk(String... ops) {
    return http.send("POST", "/apisix/admin/bulk", "{\"operations\":[" + String.join(",", ops) + "]}");
  }

  @Test
  void bulkWritesMakeTheCrossChecksSingleWritesMake() throws Exception {
    start(builder());
    assertThat(http.send("PUT", "/apisix/admin/consumers/jack", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}")
        .statusCode()).isEqualTo(201);
    assertThat(http.send("PUT", "/apisix/admin/global_rules/1", "{\"plugins\":{\"prometheus\":{}}}").statusCode()).isEqualTo(201);

    // a key another stored consumer holds
    HttpResponse<String> stored = bulk(op("PUT", "consumers", "tom", "{\"username\":\"tom\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}"));
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(400);
    assertThat(body(stored).path("error_msg").asText()).isEqualTo("operations/0 (consumers tom): duplicate key found with consumer: jack");
    // two operations of one bulk holding the same key
    HttpResponse<String> twice = bulk(op("PUT", "consumers", "ann", "{\"username\":\"ann\",\"plugins\":{\"key-auth\":{\"key\":\"k-9\"}}}"),
        op("PUT", "consumers", "bob", "{\"username\":\"bob\",\"plugins\":{\"key-auth\":{\"key\":\"k-9\"}}}"));
    assertThat(twice.statusCode()).as(twice.body()).isEqualTo(400);
    assertThat(body(twice).path("error_msg").asText()).contains("duplicate key found with consumer: ");
    // a credential in a bulk, against a stored consumer's key
    HttpResponse<String> cred = bulk(op("PUT", "credentials", "jack/credentials/c1", "{\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}"),
        op("PUT", "consumers", "zed", "{\"username\":\"zed\"}"));
    // as APISIX: only a credential itself is exempt, so even its own consumer's key is a duplicate
    assertThat(cred.statusCode()).as(cred.body()).isEqualTo(400);
    assertThat(body(cred).path("error_msg").asText()).contains("duplicate key found with consumer: jack");
    HttpResponse<String> cred2 = bulk(op("PUT", "consumers", "zed", "{\"username\":\"zed\"}"),
        op("PUT", "credentials", "zed/credentials/z1", "{\"plugins\":{\"key-auth\":{\"key\":\"k-2\"}}}"));
    assertThat(cred2.statusCode()).as(cred2.body()).isEqualTo(200);
    assertThat(source.get("/apisix/consumers/zed/credentials/z1")).isNotNull();
    // a plugin another global rule has
    HttpResponse<String> rule = bulk(op("PUT", "global_rules", "2", "{\"plugins\":{\"prometheus\":{}}}"));
    assertThat(rule.statusCode()).as(rule.body()).isEqualTo(400);
    assertThat(body(rule).path("error_msg").asText()).contains("prometheus").contains("global rule");
    // the checks see the state the bulk leaves: moving the plugin in one bulk is fine
    HttpResponse<String> moved = bulk(op("DELETE", "global_rules", "1", null), op("PUT", "global_rules", "2", "{\"plugins\":{\"prometheus\":{}}}"));
    assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
    assertThat(source.get("/apisix/consumers/tom")).isNull();
    assertThat(source.get("/apisix/consumers/ann")).isNull();
  }

  @Test
  void aBulkDeleteOfAConsumerTakesItsCredentialsWithoutForce() throws Exception {
    start(builder());
    assertThat(http.send("PUT", "/apisix/admin/consumers/jack", "{\"username\":\"jack\"}").statusCode()).isEqualTo(201);
    assertThat(http.send("PUT", "/apisix/admin/consumers/jack/credentials/c1", "{\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}")
        .statusCode()).isEqualTo(201);
    assertThat(http.send("PUT", "/apisix/admin/consumers/jack/credentials/c2", "{\"plugins\":{\"key-auth\":{\"key\":\"k-2\"}}}")
        .statusCode()).isEqualTo(201);
    // a credential written under the consumer the same request deletes is refused, naming both operations
    HttpResponse<String> contradiction = bulk(op("DELETE", "consumers", "jack", null),
        op("PUT", "credentials", "jack/credentials/c3", "{\"plugins\":{\"key-auth\":{\"key\":\"k-3\"}}}"));
    assertThat(contradiction.statusCode()).as(contradiction.body()).isEqualTo(400);
    assertThat(body(contradiction).path("error_msg").asText())
        .isEqualTo("operations/1 (consumers jack/credentials/c3): its consumer \"jack\" is deleted by operations/0 (consumers jack) of this request");
    assertThat(source.get("/apisix/consumers/jack")).isNotNull();
    // as a single DELETE: the consumer goes with its credentials
    HttpResponse<String> deleted = bulk(op("DELETE", "consumers", "jack", null));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(source.get("/apisix/consumers/jack")).isNull();
    assertThat(source.get("/apisix/consumers/jack/credentials/c1")).isNull();
    assertThat(source.get("/apisix/consumers/jack/credentials/c2")).isNull();
  }

  @Test
  void configsValidateTakesCredentialsListedAmongTheConsumers() throws Exception {
    start(builder());
    HttpResponse<String> good = http.send("POST", "/apisix/admin/configs/validate",
        "{\"consumers\":[{\"username\":\"jack\"},{\"id\":\"jack/credentials/c1\",\"plugins\":{\"key-auth\":{\"key\":\"k\"}}}]}");
    assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    HttpResponse<String> orphan = http.send("POST", "/apisix/admin/configs/validate",
        "{\"consumers\":[{\"id\":\"ann/credentials/c1\",\"plugins\":{\"key-auth\":{\"key\":\"k\"}}}]}");
    assertThat(orphan.statusCode()).as(orphan.body()).isEqualTo(400);
    assertThat(orphan.body()).contains("consumer").contains("ann").contains("not in this configuration");
  }

  @Test
  void aCredentialTakesAuthenticationPluginsOnly() throws Exception {
    PluginCatalog catalog = PluginCatalog.fromSchemas(List.of(
        new PluginInfo("key-auth", 2500, 0.1, "auth", "{\"type\":\"object\"}", "{\"type\":\"object\"}", null),
        PluginInfo.of("demo", 1, "{\"type\":\"object\"}")));
    start(builder().plugins(catalog));
    assertThat(http.send("PUT", "/apisix/admin/consumers/jack", "{\"username\":\"jack\"}").statusCode()).isEqualTo(201);
    HttpResponse<String> demo = http.send("PUT", "/apisix/admin/consumers/jack/credentials/c1", "{\"plugins\":{\"demo\":{}}}");
    assertThat(demo.statusCode()).as(demo.body()).isEqualTo(400);
    assertThat(body(demo).path("error_msg").asText()).contains("only supports auth type plugins in consumer credential");
    HttpResponse<String> unknown = http.send("PUT", "/apisix/admin/consumers/jack/credentials/c1", "{\"plugins\":{\"nope\":{}}}");
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
    HttpResponse<String> key = http.send("PUT", "/apisix/admin/consumers/jack/credentials/c1", "{\"plugins\":{\"key-auth\":{\"key\":\"k\"}}}");
    assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
  }
}
