package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import java.util.List;
import java.util.Locale;


import org.junit.jupiter.api.Test;


/**
 * {@code /apisix/prometheus/metrics} under APISIX's names and labels, through real sockets: the
 * text is strict Prometheus exposition format, counts are exact, bytes both ways are counted as
 * they crossed the socket, a deleted route's series go, and the {@code prometheus} plugin's
 * {@code prefer_name} puts names in the labels.
 */
class GatewayPrometheusMetricsTest extends PluginGatewayTest {
  private PrometheusText scrape() throws Exception {
    var r = gw.admin("GET", "/apisix/prometheus/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  /** One request on a fresh connection, as raw bytes; returns {bytes sent, bytes received}. */
  private long[] raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gw.gateway.dataAddress().getPort())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      byte[] req = request.getBytes(StandardCharsets.ISO_8859_1);
      out.write(req);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed in the head: " + head);
        }
        head.write(b);
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      long length = 0;
      for (String line : h.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Long.parseLong(line.substring(15).trim());
        }
      }
      assertThat(h).as("a response with a length").containsIgnoringCase("content-length");
      long body = in.readNBytes((int) length).length;
      return new long[] {req.length, head.size() + body};
    }
  }

  @Test
  void apisixNamesLabelsExactCountsAndBandwidth() throws Exception {
    gw.put("/apisix/admin/routes/r1", "{\"uri\":\"/echo/*\",\"hosts\":[\"a.example\",\"*.b.example\"],\"upstream_id\":\"web\"}", 201);
    gw.put("/apisix/admin/routes/ready", "{\"uri\":\"/ready\",\"upstream_id\":\"web\"}", 201);
    gw.awaitStatus("/ready", 200); // routes apply in order: r1 is served, and has no requests yet
    int n = 7;
    long in = 0;
    long out = 0;
    for (int i = 0; i < n; i++) {
      long[] io = raw("GET /echo/" + i + "?q=" + "x".repeat(i) + " HTTP/1.1\r\nHost: x" + i + ".b.example\r\nX-Pad: " + i + "\r\n\r\n");
      in += io[0];
      out += io[1];
    }
    long[] notFound = raw("GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n");
    PrometheusText m = scrape();

    assertThat(m.types).containsEntry("apisix_http_status", "counter").containsEntry("apisix_http_latency", "histogram")
        .containsEntry("apisix_bandwidth", "counter").containsEntry("apisix_http_requests_total", "gauge")
        .containsEntry("apisix_nginx_http_current_connections", "gauge").containsEntry("apisix_node_info", "gauge")
        .containsEntry("apisix_upstream_status", "gauge").containsEntry("dynconf_config_applied_revision", "gauge");
    List<PrometheusText.Sample> status = m.find("apisix_http_status", "route", "r1");
    assertThat(status).hasSize(1);
    PrometheusText.Sample s = status.get(0);
    assertThat(s.labels()).containsExactly(
        java.util.Map.entry("code", "200"), java.util.Map.entry("route", "r1"), java.util.Map.entry("matched_uri", "/echo/*"),
        java.util.Map.entry("matched_host", "*.b.example"), java.util.Map.entry("service", ""),
        java.util.Map.entry("consumer", ""), java.util.Map.entry("node", "127.0.0.1"),
        java.util.Map.entry("request_type", "traditional_http"), java.util.Map.entry("request_llm_model", ""),
        java.util.Map.entry("llm_model", ""), java.util.Map.entry("response_source", "upstream"));
    assertThat(s.value()).isEqualTo(n);
    assertThat(m.sum("apisix_http_status", "route", "", "code", "404", "response_source", "apisix")).isEqualTo(1);

    for (String type : List.of("request", "upstream", "apisix")) {
      assertThat(m.sum("apisix_http_latency_count", "type", type, "route", "r1", "node", "127.0.0.1")).as(type).isEqualTo(n);
      List<PrometheusText.Sample> buckets = m.find("apisix_http_latency_bucket", "type", type, "route", "r1");
      assertThat(buckets).extracting(b -> b.label("le")).containsExactly("1", "2", "5", "10", "20", "50", "100", "200",
          "500", "1000", "2000", "5000", "10000", "30000", "60000", "+Inf");
    }
    assertThat(m.find("apisix_http_latency_bucket", "type", "upstream", "route", "")).as("no upstream for a 404").isEmpty();
    double request = m.sum("apisix_http_latency_sum", "type", "request", "route", "r1");
    double upstream = m.sum("apisix_http_latency_sum", "type", "upstream", "route", "r1");
    double apisix = m.sum("apisix_http_latency_sum", "type", "apisix", "route", "r1");
    assertThat(upstream).isPositive().isLessThanOrEqualTo(request);
    assertThat(apisix + upstream).isCloseTo(request, org.assertj.core.data.Offset.offset(0.01));

    assertThat(m.sum("apisix_bandwidth", "type", "ingress", "route", "r1")).as("request bytes as sent").isEqualTo(in);
    assertThat(m.sum("apisix_bandwidth", "type", "egress", "route", "r1")).as("response bytes as received").isEqualTo(out);
    assertThat(m.sum("apisix_bandwidth", "type", "ingress", "route", "")).isEqualTo(notFound[0]);
    assertThat(m.sum("apisix_bandwidth", "type", "egress", "route", "")).isEqualTo(notFound[1]);

    assertThat(m.sum("apisix_http_requests_total")).isGreaterThanOrEqualTo(n + 1);
    assertThat(m.find("apisix_nginx_http_current_connections")).extracting(x -> x.label("state"))
        .containsExactlyInAnyOrder("accepted", "active", "handled", "reading", "waiting", "writing");
    assertThat(m.sum("apisix_nginx_http_current_connections", "state", "accepted")).isGreaterThanOrEqualTo(n + 1);
    assertThat(m.find("apisix_node_info")).singleElement().satisfies(x -> assertThat(x.labels()).containsKeys("hostname", "version"));
    assertThat(m.sum("dynconf_metrics_dropped_total")).isZero();
  }

  @Test
  void openConnectionsAreActiveAndWaiting() throws Exception {
    gw.route("r1", "/echo", "");
    gw.awaitStatus("/echo", 200);
    try (Socket idle = new Socket("127.0.0.1", gw.gateway.dataAddress().getPort())) {
      await().atMost(PluginGateway.WAIT).until(() -> scrape().sum("apisix_nginx_http_current_connections", "state", "active") >= 1);
      PrometheusText m = scrape();
      assertThat(m.sum("apisix_nginx_http_current_connections", "state", "waiting"))
          .isEqualTo(m.sum("apisix_nginx_http_current_connections", "state", "active")
              - m.sum("apisix_nginx_http_current_connections", "state", "writing"));
    }
  }

  @Test
  void aDeletedRoutesSeriesGo() throws Exception {
    gw.route("gone", "/echo", "");
    gw.awaitStatus("/echo", 200);
    assertThat(scrape().find("apisix_http_status", "route", "gone")).isNotEmpty();
    assertThat(gw.admin("DELETE", "/apisix/admin/routes/gone", null).statusCode()).isEqualTo(200);
    gw.awaitStatus("/echo", 404);
    await().atMost(PluginGateway.WAIT).untilAsserted(() -> {
      PrometheusText m = scrape();
      assertThat(m.find("apisix_http_status", "route", "gone")).isEmpty();
      assertThat(m.find("apisix_http_latency_count", "route", "gone")).isEmpty();
      assertThat(m.find("apisix_bandwidth", "route", "gone")).isEmpty();
    });
  }

  @Test
  void preferNameLabelsRoutesAndServicesByName() throws Exception {
    gw.put("/apisix/admin/services/s1", "{\"name\":\"billing\",\"upstream_id\":\"web\"}", 201);
    gw.put("/apisix/admin/routes/named", "{\"name\":\"invoices\",\"uri\":\"/named\",\"service_id\":\"s1\","
        + "\"plugins\":{\"prometheus\":{\"prefer_name\":true}}}", 201);
    gw.put("/apisix/admin/routes/byid", "{\"name\":\"orders\",\"uri\":\"/byid\",\"service_id\":\"s1\","
        + "\"plugins\":{\"prometheus\":{}}}", 201);
    gw.put("/apisix/admin/routes/unnamed", "{\"uri\":\"/unnamed\",\"service_id\":\"s1\","
        + "\"plugins\":{\"prometheus\":{\"prefer_name\":true}}}", 201);
    gw.awaitStatus("/unnamed", 200);
    gw.awaitStatus("/named", 200);
    gw.awaitStatus("/byid", 200);
    PrometheusText m = scrape();
    assertThat(m.find("apisix_http_status", "route", "invoices", "service", "billing", "matched_uri", "/named")).isNotEmpty();
    assertThat(m.find("apisix_http_status", "route", "named")).isEmpty();
    assertThat(m.find("apisix_http_latency_count", "type", "request", "route", "invoices", "service", "billing")).isNotEmpty();
    assertThat(m.find("apisix_bandwidth", "type", "egress", "route", "invoices", "service", "billing")).isNotEmpty();
    assertThat(m.find("apisix_http_status", "route", "byid", "service", "s1")).isNotEmpty();
    assertThat(m.find("apisix_http_status", "route", "unnamed", "service", "billing"))
        .as("a route without a name keeps its id").isNotEmpty();
  }

  @Test
  void aGlobalRuleWithPreferNameAndAConsumerLabel() throws Exception {
    gw.put("/apisix/admin/global_rules/g", "{\"plugins\":{\"prometheus\":{\"prefer_name\":true}}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"jack-key\"}}}", 201);
    gw.put("/apisix/admin/routes/r9", "{\"name\":\"secured\",\"uri\":\"/sec\",\"upstream_id\":\"web\","
        + "\"plugins\":{\"key-auth\":{}}}", 201);
    gw.awaitStatus("/sec", 200, "apikey", "jack-key");
    gw.get("/sec"); // 401: no consumer
    PrometheusText m = scrape();
    assertThat(m.sum("apisix_http_status", "route", "secured", "consumer", "jack", "code", "200")).isPositive();
    assertThat(m.sum("apisix_http_status", "route", "secured", "consumer", "", "code", "401", "response_source", "apisix"))
        .isEqualTo(1);
  }

  @Test
  void aBadPrometheusConfigurationIsRefusedNamingTheField() throws Exception {
    gw.refused("\"prometheus\":{\"prefer_name\":\"yes\"}", "prometheus", "prefer_name");
    assertThatThrownBy(() -> PrometheusText.parse("a{b=\"c\"} 1\na{b=\"c\"} 2\n")).hasMessageContaining("duplicate series");
    assertThatThrownBy(() -> PrometheusText.parse("a{b=\"\\x\"} 1\n")).hasMessageContaining("bad escape");
  }
}
