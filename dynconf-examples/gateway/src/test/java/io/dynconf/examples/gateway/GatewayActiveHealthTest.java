package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * Issue 16, item 4 in the gateway: active health checks run with no client traffic, show in the
 * metrics ({@code apisix_upstream_status}) and in {@code /dynconf/status}, keep requests off a dead
 * node with {@code retries: 0}, and stop with their upstream.
 */
class GatewayActiveHealthTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHECKS = "\"checks\":{\"active\":{\"type\":\"http\",\"http_path\":\"%s\",\"timeout\":1,"
      + "\"healthy\":{\"interval\":1,\"successes\":1},\"unhealthy\":{\"interval\":1,\"http_failures\":1,\"tcp_failures\":1,\"timeouts\":1}}}";

  @TempDir Path dir;
  private Backend live;
  private Backend dying;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    live = new Backend("live");
    dying = new Backend("dying");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
  }

  @AfterEach
  void stop() {
    gateway.close();
    live.close();
    dying.close();
  }

  private void put(String path, String body) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", path, GatewayAdminTest.KEY, body);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isIn(200, 201);
  }

  private String metrics() throws Exception {
    return GatewayAdminTest.admin(http, gateway, "GET", "/apisix/prometheus/metrics", null, null).body();
  }

  private String gauge(Backend b) {
    return "apisix_upstream_status{name=\"/upstreams/u\",ip=\"127.0.0.1\",port=\"" + b.port() + "\"} ";
  }

  private int get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aNodeThatDiesWithNoTrafficIsTakenOutByProbesAloneAndRequestsDoNotFail() throws Exception {
    put("/apisix/admin/upstreams/u", "{\"retries\":0,\"nodes\":{\"" + live.node() + "\":1,\"" + dying.node() + "\":1},"
        + CHECKS.formatted("/echo/health") + "}");
    put("/apisix/admin/routes/r", "{\"uri\":\"/echo/*\",\"upstream_id\":\"u\"}");
    // no request yet: the checker started with the upstream, its probes reach both nodes
    await().atMost(WAIT).until(() -> live.hits.get() > 0 && dying.hits.get() > 0);
    assertThat(metrics()).contains(gauge(live) + "1", gauge(dying) + "1");

    dying.close();
    await().atMost(WAIT).until(() -> metrics().contains(gauge(dying) + "0"));
    assertThat(metrics()).contains(gauge(live) + "1");
    for (int i = 0; i < 30; i++) {
      assertThat(get("/echo/" + i)).as("retries 0: no request may reach the dead node").isEqualTo(200);
    }

    JsonNode status = JSON.readTree(GatewayAdminTest.admin(http, gateway, "GET", "/dynconf/status", GatewayAdminTest.KEY, null).body());
    JsonNode u = status.path("upstreams_health").get(0);
    assertThat(u.path("name").asText()).isEqualTo("/upstreams/u");
    assertThat(u.path("type").asText()).isEqualTo("http");
    assertThat(u.path("nodes")).hasSize(2);
    for (JsonNode n : u.path("nodes")) {
      boolean dead = n.path("port").asInt() == dying.port();
      assertThat(n.path("healthy").asBoolean()).as(n.toString()).isEqualTo(!dead);
      assertThat(n.path("status").asText()).isEqualTo(dead ? "unhealthy" : "healthy");
      assertThat(n.path("last_probe").isNull()).as("probed").isFalse();
    }
  }

  @Test
  void aNodeAnsweringTheWrongStatusIsUnhealthyAndADeletedUpstreamIsNoLongerProbed() throws Exception {
    put("/apisix/admin/upstreams/u", "{\"nodes\":{\"" + live.node() + "\":1}," + CHECKS.formatted("/status/503") + "}");
    await().atMost(WAIT).until(() -> metrics().contains(gauge(live) + "0"));

    GatewayAdminTest.admin(http, gateway, "DELETE", "/apisix/admin/upstreams/u", GatewayAdminTest.KEY, null);
    await().atMost(WAIT).until(() -> !metrics().contains("apisix_upstream_status{name=\"/upstreams/u\""));
    int hits = live.hits.get();
    // for two intervals of 1 s (a checker still running would probe twice) no new probe arrives;
    // one already in flight when the upstream went may still land
    await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> live.hits.get() <= hits + 1);
  }
}
