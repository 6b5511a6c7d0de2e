package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What operators see (status, metrics) and graceful shutdown, on a gateway in etcd mode. */
class GatewayOperatorsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1);

  @TempDir Path dir;
  private Backend backend;
  private Gateway gateway;
  private boolean closed;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    ETCD.cluster().deleteAll();
    backend = new Backend("ops");
    String endpoints = ETCD.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY,
        "--viewer-key", GatewayAdminTest.VIEWER, "--etcd", endpoints}));
  }

  @AfterEach
  void stop() {
    if (!closed) {
      gateway.close();
    }
    backend.close();
  }

  private HttpResponse<String> admin(String method, String path, String key, String body) throws Exception {
    return GatewayAdminTest.admin(http, gateway, method, path, key, body);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void statusAndMetricsShowTrafficRevisionsAndARejectedWrite() throws Exception {
    admin("PUT", "/apisix/admin/upstreams/u1", GatewayAdminTest.KEY, "{\"nodes\":{\"" + backend.node() + "\":1}}");
    admin("PUT", "/apisix/admin/routes/r1", GatewayAdminTest.KEY, "{\"uri\":\"/m\",\"upstream_id\":\"u1\"}");
    await().atMost(WAIT).until(() -> get("/m").statusCode() == 200);
    get("/m");
    get("/nothing");
    // a bad value written to etcd behind the admin API's back: the nodes reject it
    try (Client client = Client.builder().endpoints(ETCD.cluster().endpoints().toArray(URI[]::new)).build()) {
      client.getKVClient().put(ByteSequence.from("/apisix/routes/bad", StandardCharsets.UTF_8),
          ByteSequence.from("{\"uri\":\"/bad\",\"methods\":[\"FETCH\"],\"upstream_id\":\"u1\"}", StandardCharsets.UTF_8))
          .get(10, TimeUnit.SECONDS);
    }
    await().atMost(WAIT).until(() -> !gateway.registry().snapshot().rejections().isEmpty());

    assertThat(admin("GET", "/dynconf/status", null, null).statusCode()).isEqualTo(401);
    HttpResponse<String> status = admin("GET", "/dynconf/status", GatewayAdminTest.VIEWER, null);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"state\" : \"LIVE\"").contains("\"applied_revision\"")
        .contains("\"lag_revisions\"").contains("\"/apisix/routes/bad\"").contains("/methods/0").contains("\"routes\" : {");
    // the two admin writes handed their checked values to this node's registry; the bad value was checked
    assertThat(status.body()).contains("\"checked_values\" : {").contains("\"offered\" : 2").contains("\"taken\" : 2");

    HttpResponse<String> metrics = admin("GET", "/apisix/prometheus/metrics", null, null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .containsPattern("apisix_http_status\\{code=\"200\",route=\"r1\",matched_uri=\"/m\",matched_host=\"\",service=\"\",consumer=\"\",node=\"127\\.0\\.0\\.1\"[^}]*response_source=\"upstream\"} [2-9]")
        .contains("apisix_http_status{code=\"404\",route=\"\",matched_uri=\"\",matched_host=\"\",service=\"\",consumer=\"\",node=\"\",request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\",response_source=\"apisix\"} 1")
        .contains("apisix_http_latency_bucket{type=\"request\",route=\"r1\",service=\"\",consumer=\"\",node=\"127.0.0.1\"")
        .contains("apisix_etcd_reachable 1")
        .containsPattern("apisix_etcd_modify_indexes\\{key=\"routes\"} [1-9]")
        .contains("dynconf_config_rejected 1")
        .contains("dynconf_config_items{type=\"routes\"} 1")
        .containsPattern("dynconf_config_applied_revision [1-9]");
  }

  @Test
  void gracefulShutdownFinishesRequestsInFlightAndRefusesNewOnes() throws Exception {
    admin("PUT", "/apisix/admin/upstreams/u1", GatewayAdminTest.KEY, "{\"nodes\":{\"" + backend.node() + "\":1}}");
    admin("PUT", "/apisix/admin/routes/r1", GatewayAdminTest.KEY, "{\"uris\":[\"/gated\",\"/ready\"],\"upstream_id\":\"u1\"}");
    await().atMost(WAIT).until(() -> get("/ready").statusCode() == 200);
    long total = 4L << 20;
    HttpResponse<InputStream> slow = http.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + gateway.dataAddress().getPort() + "/gated?bytes=" + total)).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(gateway.inFlight()).isEqualTo(1);
    int port = gateway.dataAddress().getPort();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> gateway.close(Duration.ofSeconds(15)));
    closed = true;
    await().atMost(WAIT).untilAsserted(() -> assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close())
        .as("no new connections once shutdown began").isInstanceOf(java.net.ConnectException.class));
    assertThat(closing).isNotDone();
    backend.gate.countDown();
    try (InputStream in = slow.body()) {
      assertThat(in.readAllBytes()).hasSize((int) total);
    }
    closing.get(20, TimeUnit.SECONDS);
  }
}
