package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APISIX's {@code udp-logger} in the gateway, against a real UDP socket: a batch is one datagram
 * (an object for batch_max_size 1, else an array), a batch too large for a datagram is dropped and
 * counted (and the next one still goes out), refusals name the field.
 */
class UdpLoggerPluginTest {
  @TempDir Path dir;
  PluginGateway gw;

  @BeforeEach
  void start() throws Exception {
    gw = new PluginGateway(dir);
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  @Test
  void aBatchIsOneDatagram() throws Exception {
    try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      udp.setSoTimeout((int) PluginGateway.WAIT.toMillis());
      gw.route("1", "/one/*", "\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"batch_max_size\":1}");
      gw.awaitStatus("/one/a", 200);
      PluginGateway.datagram(udp); // the request that answered 200 while awaiting the route
      gw.get("/one/b?x=1", "X-Test", "yes");
      JsonNode e = PluginGateway.datagram(udp);
      assertThat(e.isObject()).as("batch_max_size 1: the object itself, %s", e).isTrue();
      assertThat(e.path("request").path("uri").asText()).isEqualTo("/one/b?x=1");
      assertThat(e.path("request").path("headers").path("x-test").asText()).isEqualTo("yes");
      assertThat(e.path("route_id").asText()).isEqualTo("1");

      gw.route("2", "/two/*", "\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"batch_max_size\":2,"
          + "\"log_format\":{\"u\":\"$uri\"}}");
      gw.awaitStatus("/two/a", 200);
      gw.get("/two/b");
      JsonNode batch = PluginGateway.datagram(udp);
      assertThat(batch.isArray()).as("%s", batch).isTrue();
      assertThat(batch).extracting(x -> x.path("u").asText()).containsExactly("/two/a", "/two/b");
    }
  }

  @Test
  void aBatchTooLargeForADatagramIsDroppedAndCounted() throws Exception {
    try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      udp.setSoTimeout((int) PluginGateway.WAIT.toMillis());
      gw.route("1", "/big/*", "\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"batch_max_size\":1,"
          + "\"include_req_body\":true}");
      gw.awaitStatus("/big/a", 200);
      PluginGateway.datagram(udp);
      // 65,500 bytes of body: with the rest of the entry, just over the 65,507 a datagram carries
      HttpResponse<String> r = gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + "/big/up"))
          .POST(HttpRequest.BodyPublishers.ofString("y".repeat(65_500))).timeout(PluginGateway.WAIT).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      await().atMost(PluginGateway.WAIT).until(() -> gw.counters("udp-logger").path("dropped_entries_too_large").asLong() == 1);
      gw.get("/big/small");
      assertThat(PluginGateway.datagram(udp).path("request").path("uri").asText()).as("the next batch still goes out").isEqualTo("/big/small");
      assertThat(gw.counters("udp-logger").path("failed_batches").asLong()).as("too large is not a failed send, nor retried").isZero();
      String metrics = gw.admin("GET", "/apisix/prometheus/metrics", null).body();
      assertThat(metrics).contains("dynconf_plugin_counter{plugin=\"udp-logger\",counter=\"dropped_entries_too_large\"} 1");
    }
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"udp-logger\":{\"port\":5140}", "udp-logger", "/host", "required");
    gw.refused("\"udp-logger\":{\"host\":\"127.0.0.1\"}", "/port", "required");
    gw.refused("\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":0}", "/port");
    gw.refused("\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":5140,\"timeout\":0}", "/timeout");
    gw.refused("\"udp-logger\":{\"host\":1,\"port\":5140}", "/host");
    gw.refused("\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":5140,\"batch_max_size\":0}", "/batch_max_size");
  }
}
