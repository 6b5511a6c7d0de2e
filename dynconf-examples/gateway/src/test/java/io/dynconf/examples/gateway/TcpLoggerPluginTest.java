package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.tls.Certificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APISIX's {@code tcp-logger} in the gateway, against a real TCP (and TLS) receiver: a batch of
 * one is one JSON object on its own connection, a larger batch a JSON array, TLS sends {@code
 * tls_options} as the server name, a server that accepts and never reads is cut off by the deadline
 * and counted, refusals name the field.
 */
class TcpLoggerPluginTest {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** A TCP (or TLS) server: what each connection carried until its end, and the server names TLS clients sent. */
  static final class Receiver implements AutoCloseable {
    final ServerSocket server;
    final BlockingQueue<String> connections = new LinkedBlockingQueue<>();
    final List<String> serverNames = new CopyOnWriteArrayList<>();

    Receiver(@Nullable SSLContext tls) throws IOException {
      server = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
          : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::accept, "tcp-logger-receiver");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          s.setSoTimeout((int) PluginGateway.WAIT.toMillis());
          if (s instanceof SSLSocket tls) {
            tls.startHandshake();
            ((ExtendedSSLSession) tls.getSession()).getRequestedServerNames()
                .forEach(n -> serverNames.add(((SNIHostName) n).getAsciiName()));
          }
          connections.add(new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
          if (server.isClosed()) {
            return;
          }
        }
      }
    }

    JsonNode next() throws Exception {
      String c = connections.poll(PluginGateway.WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(c).as("a connection within %s", PluginGateway.WAIT).isNotNull();
      return JSON.readTree(c);
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @Test
  void aBatchOfOneIsOneJsonObjectOnItsOwnConnection() throws Exception {
    try (Receiver r = new Receiver(null)) {
      gw.route("1", "/one/*", "\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + r.port() + ",\"batch_max_size\":1}");
      gw.awaitStatus("/one/a", 200);
      assertThat(r.next().isObject()).isTrue(); // the request that answered 200 while awaiting the route
      gw.get("/one/b?x=1", "X-Test", "yes");
      JsonNode e = r.next();
      assertThat(e.isObject()).as("one object, not an array: %s", e).isTrue();
      assertThat(e.path("request").path("uri").asText()).isEqualTo("/one/b?x=1");
      assertThat(e.path("request").path("headers").path("x-test").asText()).isEqualTo("yes");
      assertThat(e.path("response").path("status").asInt()).isEqualTo(200);
      assertThat(e.path("route_id").asText()).isEqualTo("1");
      assertThat(e.path("upstream").asText()).isEqualTo(gw.backend.node());
    }
  }

  /** As APISIX: a batch is an array whenever batch_max_size is not 1, also when the timer sends one entry. */
  @Test
  void aLargerBatchIsAJsonArrayWithTheMetadatasLogFormat() throws Exception {
    try (Receiver r = new Receiver(null)) {
      gw.put("/apisix/admin/plugin_metadata/tcp-logger", "{\"log_format\":{\"u\":\"$uri\",\"s\":\"$status\"}}", 201);
      gw.route("1", "/many/*", "\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + r.port() + ",\"batch_max_size\":2,\"inactive_timeout\":1}");
      gw.awaitStatus("/many/a", 200);
      assertThat(r.next().size()).as("that request alone, after inactive_timeout, in an array").isEqualTo(1);
      for (int i = 0; i < 3; i++) {
        gw.get("/many/" + i);
      }
      JsonNode full = r.next();
      JsonNode rest = r.next();
      assertThat(full.isArray()).isTrue();
      assertThat(full).extracting(e -> e.path("u").asText()).containsExactly("/many/0", "/many/1");
      assertThat(rest).extracting(e -> e.path("u").asText()).containsExactly("/many/2");
      assertThat(full.get(0).path("s").asText()).isEqualTo("200");
      assertThat(full.get(0).path("route_id").asText()).isEqualTo("1");
      assertThat(full.get(0).has("request")).as("the metadata's log_format replaces the default entry").isFalse();
    }
  }

  @Test
  void tlsSendsTlsOptionsAsTheServerName() throws Exception {
    Certificates.Issued cert = Certificates.builder("logs.example.com").dnsNames("logs.example.com").issue();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("logs", cert.key(), "pw".toCharArray(), new X509Certificate[] {cert.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "pw".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    try (Receiver r = new Receiver(tls)) {
      assertThat(r.server).isInstanceOf(SSLServerSocket.class);
      gw.route("1", "/tls/*", "\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + r.port() + ",\"batch_max_size\":1,\"tls\":true,"
          + "\"tls_options\":\"logs.example.com\"}");
      gw.awaitStatus("/tls/a", 200);
      JsonNode e = r.next();
      assertThat(e.path("request").path("uri").asText()).isEqualTo("/tls/a");
      assertThat(r.serverNames).containsExactly("logs.example.com");
    }
  }

  /**
   * A server that accepts and never reads, and an entry larger than the socket buffers: the write
   * blocks until the deadline (three timeouts) closes the connection; the batch is counted as
   * failed, the request was not slowed, and the next batch goes out.
   */
  @Test
  void aSilentServerIsCutOffByTheDeadline() throws Exception {
    try (ServerSocket silent = new ServerSocket()) {
      silent.setReceiveBufferSize(4096);
      silent.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // and never read
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      gw.route("1", "/silent/*", "\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + silent.getLocalPort() + ",\"batch_max_size\":1,"
          + "\"timeout\":300,\"include_req_body\":true,\"max_req_body_bytes\":16777216}");
      gw.awaitStatus("/silent/probe", 200);
      long start = System.nanoTime();
      HttpResponse<String> big = gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + "/silent/big"))
          .POST(HttpRequest.BodyPublishers.ofString("z".repeat(12 << 20))).timeout(PluginGateway.WAIT).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(big.statusCode()).isEqualTo(200);
      await().atMost(PluginGateway.WAIT).until(() -> gw.counters("tcp-logger").path("dropped_entries_send_failed").asLong() >= 1);
      assertThat(gw.counters("tcp-logger").path("failed_batches").asLong()).isGreaterThanOrEqualTo(1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("cut off near 3 x 300 ms, not at the socket's whim")
          .isLessThan(PluginGateway.WAIT.toMillis());
      held.forEach(s -> {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing
        }
      });
    }
  }

  @Test
  void aDeadServerIsCounted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nobody listens there
    }
    gw.route("1", "/dead/*", "\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"batch_max_size\":1}");
    gw.awaitStatus("/dead/a", 200);
    await().atMost(PluginGateway.WAIT).until(() -> gw.counters("tcp-logger").path("dropped_entries_send_failed").asLong() >= 1);
    String metrics = gw.admin("GET", "/apisix/prometheus/metrics", null).body();
    assertThat(metrics).contains("dynconf_plugin_counter{plugin=\"tcp-logger\",counter=\"dropped_entries_send_failed\"}");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"tcp-logger\":{\"port\":5140}", "tcp-logger", "/host", "required");
    gw.refused("\"tcp-logger\":{\"host\":\"127.0.0.1\"}", "/port", "required");
    gw.refused("\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":5140,\"timeout\":0}", "/timeout");
    gw.refused("\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":5140,\"tls\":\"yes\"}", "/tls");
    gw.refused("\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":5140,\"tls\":true,\"tls_options\":\"not a name\"}", "/tls_options");
    gw.refused("\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":5140,\"log_format\":1}", "/log_format");
    gw.refused("\"tcp-logger\":{\"host\":\"127.0.0.1\",\"port\":\"5140\"}", "/port");
  }
}
