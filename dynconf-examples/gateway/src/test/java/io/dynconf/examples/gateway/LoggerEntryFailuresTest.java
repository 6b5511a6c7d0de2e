package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query argument with a malformed escape ({@code %zz}), the input that made the loggers' entry
 * fail to build ({@code entry_failures}): read through {@code $arg_<name>} in a {@code log_format}
 * or in the default entry's {@code querystring}, it is logged as written, as nginx reads it.
 */
class LoggerEntryFailuresTest {
  @TempDir Path dir;
  PluginGateway gw;
  DatagramSocket udp;

  ServerSocket upstream;

  /**
   * The gateway, a UDP log receiver, and an upstream that answers 200 to any target (the JDK server
   * of the other tests refuses a malformed escape with 400).
   */
  @BeforeEach
  void start() throws Exception {
    gw = new PluginGateway(dir);
    udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    udp.setSoTimeout((int) PluginGateway.WAIT.toMillis());
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!upstream.isClosed()) {
        try (Socket s = upstream.accept()) {
          BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
          String line;
          while ((line = in.readLine()) != null && !line.isEmpty()) {
            // the request head; no body
          }
          s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
          // closed, or the next connection
        }
      }
    }, "any-target-upstream");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stop() throws IOException {
    upstream.close();
    udp.close();
    gw.close();
  }

  /** Route 1 on {@code uri} to the upstream above, with {@code plugins}. */
  private void route(String uri, String plugins) throws Exception {
    gw.put("/apisix/admin/routes/1", "{\"uri\":\"" + uri + "\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + upstream.getLocalPort() + "\":1}},"
        + "\"plugins\":{" + plugins + "}}", 201);
  }

  /** A GET the JDK's client would refuse to send (a malformed escape), over a raw connection. */
  private String get(String target) throws Exception {
    return gw.raw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  @Test
  void aMalformedEscapeReadThroughArgIsLoggedAsWritten() throws Exception {
    // this input made the entry fail to build (counted in entry_failures, the entry lost) until the
    // request's arguments were read leniently, as nginx reads them: now the entry goes out
    route("/fmt/*", "\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"batch_max_size\":1,"
        + "\"log_format\":{\"a\":\"$arg_a\"}}");
    gw.awaitStatus("/fmt/probe?a=ok", 200);
    assertThat(PluginGateway.datagram(udp).path("a").asText()).isEqualTo("ok");
    for (int i = 0; i < 3; i++) {
      assertThat(get("/fmt/bad?a=%zz")).startsWith("HTTP/1.1 200");
      assertThat(PluginGateway.datagram(udp).path("a").asText()).isEqualTo("%zz");
    }
    assertThat(gw.counters("udp-logger").path("entry_failures").asLong()).isZero();
    assertThat(gw.counters("udp-logger").path("accepted_entries").asLong()).isEqualTo(4);
    String metrics = gw.admin("GET", "/apisix/prometheus/metrics", null).body();
    assertThat(metrics).contains("dynconf_plugin_counter{plugin=\"udp-logger\",counter=\"entry_failures\"} 0");
  }

  @Test
  void theDefaultEntryKeepsAMalformedEscapeAsWritten() throws Exception {
    route("/q/*", "\"udp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"batch_max_size\":1}");
    gw.awaitStatus("/q/probe", 200);
    PluginGateway.datagram(udp);
    assertThat(get("/q/x?a=%zz&b=%41&c=x+y&d=100%&e")).startsWith("HTTP/1.1 200");
    JsonNode q = PluginGateway.datagram(udp).path("request").path("querystring");
    assertThat(q.path("a").asText()).isEqualTo("%zz");
    assertThat(q.path("b").asText()).isEqualTo("A");
    assertThat(q.path("c").asText()).isEqualTo("x y");
    assertThat(q.path("d").asText()).isEqualTo("100%");
    assertThat(q.path("e").asBoolean()).isTrue();
    assertThat(gw.counters("udp-logger").path("entry_failures").asLong()).isZero();
  }
}
