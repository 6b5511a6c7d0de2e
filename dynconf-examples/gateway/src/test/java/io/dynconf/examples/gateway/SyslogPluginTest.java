package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APISIX's {@code syslog} in the gateway, against real UDP and TCP receivers: RFC 5424 messages
 * carrying the JSON entry, batches over one TCP connection, log_format from the plugin metadata, a
 * message too large for a datagram dropped and counted, a dead receiver counted, refusals naming
 * the field.
 */
class SyslogPluginTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** {@code <PRI>1 TIMESTAMP HOST APP PID MSGID SD MSG}, as APISIX's rfc5424.lua writes it. */
  private static final Pattern RFC5424 = Pattern.compile(
      "^<46>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) (\\S+) apisix (\\d+) - - (\\{.*\\})\\n$", Pattern.DOTALL);

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

  private static JsonNode parse(String message) throws IOException {
    Matcher m = RFC5424.matcher(message);
    assertThat(m.matches()).as("an RFC 5424 message: %s", message).isTrue();
    assertThat(m.group(2)).isEqualTo("127.0.0.1");
    assertThat(Long.parseLong(m.group(3))).isEqualTo(ProcessHandle.current().pid());
    return JSON.readTree(m.group(4));
  }

  private static String receive(DatagramSocket udp) throws IOException {
    byte[] buf = new byte[70_000];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    udp.receive(p);
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
  }

  @Test
  void udpCarriesOneRfc5424MessagePerEntry() throws Exception {
    try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      udp.setSoTimeout((int) PluginGateway.WAIT.toMillis());
      gw.route("1", "/udp/*", "\"syslog\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"sock_type\":\"udp\",\"batch_max_size\":1}");
      gw.awaitStatus("/udp/a", 200);
      receive(udp); // the request that answered 200 while awaiting the route
      gw.get("/udp/b?x=1", "X-Test", "yes");
      JsonNode e = parse(receive(udp));
      assertThat(e.path("request").path("uri").asText()).isEqualTo("/udp/b?x=1");
      assertThat(e.path("request").path("headers").path("x-test").asText()).isEqualTo("yes");
      assertThat(e.path("response").path("status").asInt()).isEqualTo(200);
      assertThat(e.path("route_id").asText()).isEqualTo("1");
      assertThat(e.path("upstream").asText()).isEqualTo(gw.backend.node());
    }
  }

  @Test
  void tcpSendsABatchOverOneConnectionWithTheMetadatasLogFormat() throws Exception {
    BlockingQueue<List<String>> connections = new LinkedBlockingQueue<>();
    try (ServerSocket tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread receiver = new Thread(() -> {
        while (!tcp.isClosed()) {
          try (Socket s = tcp.accept();
              BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
              lines.add(line + "\n");
            }
            connections.add(lines);
          } catch (IOException e) {
            return;
          }
        }
      }, "syslog-tcp-receiver");
      receiver.setDaemon(true);
      receiver.start();
      gw.put("/apisix/admin/plugin_metadata/syslog", "{\"log_format\":{\"u\":\"$uri\",\"m\":\"$request_method\",\"s\":\"$status\"}}", 201);
      gw.route("1", "/tcp/*", "\"syslog\":{\"host\":\"127.0.0.1\",\"port\":" + tcp.getLocalPort() + ",\"batch_max_size\":2,\"inactive_timeout\":1}");
      gw.awaitStatus("/tcp/a", 200);
      assertThat(connections.poll(PluginGateway.WAIT.toSeconds(), TimeUnit.SECONDS)).hasSize(1); // that request, after inactive_timeout
      for (int i = 0; i < 3; i++) {
        gw.get("/tcp/" + i);
      }
      List<String> first = connections.poll(PluginGateway.WAIT.toSeconds(), TimeUnit.SECONDS);
      List<String> second = connections.poll(PluginGateway.WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(first).as("a full batch: two messages on one connection").hasSize(2);
      assertThat(second).as("the rest after inactive_timeout").hasSize(1);
      List<String> uris = new ArrayList<>();
      for (String m : List.of(first.get(0), first.get(1), second.get(0))) {
        JsonNode e = parse(m);
        uris.add(e.path("u").asText());
        assertThat(e.path("m").asText()).isEqualTo("GET");
        assertThat(e.path("s").asText()).isEqualTo("200");
        assertThat(e.path("route_id").asText()).isEqualTo("1");
        assertThat(e.has("request")).as("the metadata's log_format replaces the default entry").isFalse();
      }
      assertThat(uris).containsExactly("/tcp/0", "/tcp/1", "/tcp/2");
    }
  }

  @Test
  void aMessageTooLargeForADatagramIsDroppedAndCounted() throws Exception {
    try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      udp.setSoTimeout((int) PluginGateway.WAIT.toMillis());
      gw.route("1", "/big/*", "\"syslog\":{\"host\":\"127.0.0.1\",\"port\":" + udp.getLocalPort() + ",\"sock_type\":\"udp\",\"batch_max_size\":1,"
          + "\"include_req_body\":true}");
      gw.awaitStatus("/big/a", 200);
      receive(udp);
      HttpResponse<String> r = gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + "/big/up"))
          .POST(HttpRequest.BodyPublishers.ofString("y".repeat(100_000))).timeout(PluginGateway.WAIT).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      await().atMost(PluginGateway.WAIT).until(() -> counters().path("dropped_entries_too_large").asLong() == 1);
      gw.get("/big/small");
      assertThat(parse(receive(udp)).path("request").path("uri").asText()).as("the next entry still goes out").isEqualTo("/big/small");
    }
  }

  @Test
  void aDeadReceiverIsCounted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    gw.route("1", "/dead/*", "\"syslog\":{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"batch_max_size\":1,\"timeout\":500}");
    gw.awaitStatus("/dead/a", 200);
    await().atMost(PluginGateway.WAIT).until(() -> counters().path("dropped_entries_send_failed").asLong() == 1);
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"syslog\":{\"port\":514}", "syslog", "/host", "required");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\"}", "/port", "required");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\",\"port\":514,\"sock_type\":\"sctp\"}", "/sock_type");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\",\"port\":514,\"pool_size\":4}", "/pool_size");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\",\"port\":514,\"sock_type\":\"udp\",\"tls\":true}", "/tls");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\",\"port\":514,\"timeout\":0}", "/timeout");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\",\"port\":514,\"log_format\":1}", "/log_format");
    gw.refused("\"syslog\":{\"host\":\"127.0.0.1\",\"port\":70000}", "/port");
  }

  private JsonNode counters() throws Exception {
    return JSON.readTree(gw.admin("GET", "/dynconf/status", null).body()).path("plugins").path("syslog");
  }
}
