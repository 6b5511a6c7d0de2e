package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.admin.AdminApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart against the gateway in standalone mode: the admin API over HTTP writes
 * the standalone file, and the next request sees the change; bad writes are refused and change
 * nothing.
 */
class GatewayAdminTest {
  static final String KEY = "admin-key-0123456789abcdef";
  static final String VIEWER = "viewer-key-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private Backend backend;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    backend = new Backend("web");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", KEY, "--viewer-key", VIEWER}));
  }

  @AfterEach
  void stop() {
    gateway.close();
    backend.close();
  }

  static HttpResponse<String> admin(HttpClient http, Gateway gw, String method, String path, String key, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .timeout(WAIT);
    if (key != null) {
      b.header("X-API-KEY", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return admin(http, gateway, method, path, KEY, body);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void quickstartCreateAnUpstreamAndARouteThenCallIt() throws Exception {
    HttpResponse<String> up = admin("PUT", "/apisix/admin/upstreams/1",
        "{\"type\":\"roundrobin\",\"nodes\":{\"" + backend.node() + "\":1}}");
    assertThat(up.statusCode()).isEqualTo(201);
    assertThat(up.body()).contains("\"key\":\"/apisix/upstreams/1\"");
    HttpResponse<String> route = admin("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/get\",\"upstream_id\":\"1\"}");
    assertThat(route.statusCode()).isEqualTo(201);
    await().atMost(WAIT).until(() -> get("/get").statusCode() == 200);
    assertThat(get("/get").body()).startsWith("web GET /get");
    assertThat(Files.readString(dir.resolve("apisix.yaml"))).as("written back to the standalone file").contains("/get");

    HttpResponse<String> list = admin("GET", "/apisix/admin/routes", null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("\"total\":3"); // the bundled hello and anything routes, and ours

    assertThat(admin("DELETE", "/apisix/admin/routes/1", null).statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> get("/get").statusCode() == 404);
  }

  @Test
  void theNextRequestAfterAnAdminWriteSeesIt() throws Exception {
    assertThat(admin("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"" + backend.node() + "\":1}}").statusCode()).isEqualTo(201);
    for (int i = 0; i < 30; i++) { // no waiting between the write and the request: the answer waited for this node
      HttpResponse<String> put = admin("PUT", "/apisix/admin/routes/ryw", "{\"uri\":\"/ryw/" + i + "\",\"upstream_id\":\"1\"}");
      assertThat(put.headers().firstValue(AdminApi.REVISION_HEADER)).isPresent();
      assertThat(get("/ryw/" + i).statusCode()).as("write %d", i).isEqualTo(200);
      if (i > 0) {
        assertThat(get("/ryw/" + (i - 1)).statusCode()).as("the replaced uri, write %d", i).isEqualTo(404);
      }
    }
    assertThat(admin("DELETE", "/apisix/admin/routes/ryw", null).statusCode()).isEqualTo(200);
    assertThat(get("/ryw/29").statusCode()).isEqualTo(404);
  }

  @Test
  void aBadRouteIsRefusedWithItsReasonAndTheOldRouteKeepsServing() throws Exception {
    admin("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"" + backend.node() + "\":1}}");
    admin("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/v1\",\"upstream_id\":\"1\"}");
    await().atMost(WAIT).until(() -> get("/v1").statusCode() == 200);

    HttpResponse<String> bad = admin("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/v2/*/x\",\"upstream_id\":\"1\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("error_msg").contains("uri");
    HttpResponse<String> dangling = admin("PUT", "/apisix/admin/routes/2", "{\"uri\":\"/v3\",\"upstream_id\":\"nope\"}");
    assertThat(dangling.statusCode()).isEqualTo(400);
    assertThat(dangling.body()).contains("nope");
    assertThat(get("/v1").statusCode()).isEqualTo(200);
    assertThat(admin("DELETE", "/apisix/admin/upstreams/1", null).statusCode())
        .as("still referenced by route 1").isEqualTo(400);
  }

  @Test
  void streamRoutesAreRefusedWithoutAStreamListener() throws Exception {
    // as APISIX without stream mode: no stream route is stored that nothing here would serve
    for (String[] r : new String[][] {{"GET", "/apisix/admin/stream_routes", null},
        {"PUT", "/apisix/admin/stream_routes/1", "{\"server_port\":9100,\"upstream\":{\"nodes\":{\"" + backend.node() + "\":1}}}"}}) {
      HttpResponse<String> a = admin(r[0], r[1], r[2]);
      assertThat(a.statusCode()).as(r[0]).isEqualTo(400);
      assertThat(a.body()).contains("{\"error_msg\":\"" + Gateway.STREAM_DISABLED + "\"}");
    }
    assertThat(Files.readString(dir.resolve("apisix.yaml"))).doesNotContain("stream_routes");
  }

  @Test
  void keysAndRoles() throws Exception {
    assertThat(admin(http, gateway, "GET", "/apisix/admin/routes", null, null).statusCode()).isEqualTo(401);
    assertThat(admin(http, gateway, "GET", "/apisix/admin/routes", "wrong-key-0123456789", null).statusCode()).isEqualTo(401);
    assertThat(admin(http, gateway, "GET", "/apisix/admin/routes", VIEWER, null).statusCode()).isEqualTo(200);
    assertThat(admin(http, gateway, "PUT", "/apisix/admin/routes/9", VIEWER, "{\"uri\":\"/x\",\"upstream_id\":\"echo\"}")
        .statusCode()).isEqualTo(403);
  }

  @Test
  void theKeyInAHeaderNamedXUnderscoreApiKeyIsReadWithTheBody() throws Exception {
    // nginx, so APISIX, reads x_api_key as X-API-KEY; the body must be read as for X-API-KEY
    HttpRequest put = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/apisix/admin/upstreams/u"))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"nodes\":{\"127.0.0.1:1980\":1},\"type\":\"roundrobin\"}"))
        .header("x_api_key", KEY).timeout(WAIT).build();
    HttpResponse<String> r = http.send(put, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(admin("GET", "/apisix/admin/upstreams/u", null).body()).contains("127.0.0.1:1980");
    HttpRequest viewerPut = HttpRequest.newBuilder(put.uri()).PUT(HttpRequest.BodyPublishers.ofString("{}"))
        .header("x_api_key", VIEWER).timeout(WAIT).build();
    assertThat(http.send(viewerPut, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
  }

  @Test
  void aListenerThatCannotBindFailsTheStartAndReleasesTheRest(@TempDir Path other) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateway.start(GatewayConfig.parse(new String[] {
              "--listen", "127.0.0.1:" + taken.getLocalPort(), "--admin-listen", "127.0.0.1:0", "--echo-listen", "off",
              "--data-dir", other.toString(), "--admin-key", KEY})))
          .isInstanceOf(java.net.BindException.class);
    }
    // the failed start closed its registry and file source: the same data dir starts cleanly now
    try (Gateway again = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen",
        "127.0.0.1:0", "--echo-listen", "off", "--data-dir", other.toString(), "--admin-key", KEY}))) {
      assertThat(again.registry().status().state().name()).isEqualTo("LIVE");
    }
  }

  @Test
  void anOversizedBodyAnswers413() throws Exception {
    String big = "{\"uri\":\"/x\",\"desc\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}";
    assertThat(admin("PUT", "/apisix/admin/routes/1", big).statusCode()).isEqualTo(413);
  }
}
