package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream proxy over real sockets: a TCP echo through the gateway, routing by server port,
 * client address and TLS server name (the ClientHello passes to the upstream untouched), a failed
 * node skipped for the next, a route changed through the admin API applying to the next
 * connection, and 10 MB both ways.
 */
class GatewayStreamTest {
  @TempDir Path dir;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<Echo> echoes = new java.util.ArrayList<>();

  /** A TCP echo server that prefixes nothing and records the first bytes of each connection. */
  private final class Echo implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final LinkedBlockingQueue<byte[]> firstBytes = new LinkedBlockingQueue<>();
    final String name;

    Echo(String name) throws IOException {
      this.name = name;
      echoes.add(this);
      Thread t = new Thread(this::serve, "echo-" + name);
      t.setDaemon(true);
      t.start();
    }

    private void serve() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread c = new Thread(() -> echo(s), "echo-" + name + "-conn");
          c.setDaemon(true);
          c.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void echo(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        out.write((name + ":").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] b = new byte[65536];
        boolean first = true;
        int n;
        while ((n = in.read(b)) >= 0) {
          if (first) {
            firstBytes.add(Arrays.copyOf(b, n));
            first = false;
          }
          out.write(b, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the client or the gateway closed: the connection is over
      }
    }

    String node() {
      return "127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @AfterEach
  void stop() throws IOException {
    if (gateway != null) {
      gateway.close();
    }
    for (Echo e : echoes) {
      e.close();
    }
  }

  private void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY,
        "--stream-listen", "127.0.0.1:0,127.0.0.1:0", "--stream-sni-listen", "127.0.0.1:0"}));
  }

  private void put(String id, String body) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/stream_routes/" + id, GatewayAdminTest.KEY, body);
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
  }

  private int port(int listener) {
    return gateway.streamAddresses().get(listener).getPort();
  }

  /** Connects to a stream listener, sends {@code text}, returns what came back once it is all there. */
  private static String roundTrip(int port, String text) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] want = new byte[text.length() + 2];
      int got = s.getInputStream().readNBytes(want, 0, want.length);
      return new String(want, 0, got, StandardCharsets.US_ASCII);
    }
  }

  @Test
  void routesByServerPortAndClientAddressAndFollowsChangesLive() throws Exception {
    start();
    Echo a = new Echo("A");
    Echo b = new Echo("B");
    put("by-port", "{\"server_port\":" + port(0) + ",\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
    put("by-client", "{\"remote_addr\":\"127.0.0.0/8\",\"server_port\":" + port(1) + ",\"upstream\":{\"nodes\":{\"" + b.node() + "\":1}}}");
    put("elsewhere", "{\"remote_addr\":\"10.0.0.0/8\",\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> roundTrip(port(0), "hi").equals("A:hi"));
    assertThat(roundTrip(port(1), "yo")).isEqualTo("B:yo");

    // a change through the admin API applies to the next connection
    put("by-port", "{\"server_port\":" + port(0) + ",\"upstream\":{\"nodes\":{\"" + b.node() + "\":1}}}");
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> roundTrip(port(0), "hi").equals("B:hi"));
  }

  @Test
  void aStreamRouteAskingForWhatThisProxyCannotDoIsRefused() throws Exception {
    start();
    // an xRPC protocol or a stream plugin would be proxied as plain TCP: refused, as APISIX refuses
    // protocols and stream plugins it has not registered; nothing is stored
    String upstream = "\"upstream\":{\"nodes\":{\"127.0.0.1:6379\":1}}";
    HttpResponse<String> protocol = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/stream_routes/p", GatewayAdminTest.KEY,
        "{\"protocol\":{\"name\":\"redis\"}," + upstream + "}");
    assertThat(protocol.statusCode()).isEqualTo(400);
    assertThat(protocol.body()).contains("/protocol/name").contains("unknown protocol [redis]");
    HttpResponse<String> plugin = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/stream_routes/q", GatewayAdminTest.KEY,
        "{\"plugins\":{\"mqtt-proxy\":{\"protocol_name\":\"MQTT\",\"protocol_level\":4}}," + upstream + "}");
    assertThat(plugin.statusCode()).isEqualTo(400);
    assertThat(plugin.body()).contains("/plugins/mqtt-proxy").contains("unknown plugin [mqtt-proxy]");
    assertThat(GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/stream_routes", GatewayAdminTest.KEY, null).body())
        .contains("\"total\":0");
  }

  @Test
  void aConnectionNoRouteMatchesIsClosed() throws Exception {
    start();
    Echo a = new Echo("A");
    put("only-10", "{\"remote_addr\":\"10.0.0.0/8\",\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.registry().snapshot().store("stream_routes").size() == 1);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port(0))) {
      s.setSoTimeout(10_000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void aDeadNodeIsSkippedForTheNext() throws Exception {
    start();
    Echo a = new Echo("A");
    int dead;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = closed.getLocalPort();
    }
    put("two", "{\"upstream\":{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:" + dead + "\":1,\"" + a.node() + "\":1}}}");
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> roundTrip(port(0), "x").equals("A:x"));
    for (int i = 0; i < 6; i++) { // whichever node round robin picks first, every connection reaches A
      assertThat(roundTrip(port(0), "n" + i)).isEqualTo("A:n" + i);
    }
  }

  @Test
  void routesTlsClientsByServerNameWithoutTerminatingTls() throws Exception {
    start();
    Echo a = new Echo("A");
    Echo b = new Echo("B");
    put("a", "{\"sni\":\"a.example.com\",\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
    put("wild", "{\"sni\":\"*.example.org\",\"upstream\":{\"nodes\":{\"" + b.node() + "\":1}}}");
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.registry().snapshot().store("stream_routes").size() == 2);
    helloTo(port(2), "a.example.com");
    byte[] first = a.firstBytes.poll(10, TimeUnit.SECONDS);
    assertThat(first).as("A got the ClientHello").isNotNull();
    assertThat(first[0]).as("a TLS handshake record, untouched").isEqualTo((byte) 0x16);
    helloTo(port(2), "x.example.org");
    assertThat(b.firstBytes.poll(10, TimeUnit.SECONDS)).as("B got the ClientHello for *.example.org").isNotNull();
    assertThat(a.firstBytes).isEmpty();
  }

  /** Starts a TLS handshake naming {@code host}; the echo upstream is no TLS server, so it fails after the ClientHello. */
  private static void helloTo(int port, String host) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, null, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5_000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(host)));
      s.setSSLParameters(p);
      try {
        s.startHandshake();
      } catch (IOException expected) {
        // the upstream echoes the ClientHello back: no TLS server there
      }
    }
  }

  @Test
  void tenMegabytesBothWays() throws Exception {
    start();
    Echo a = new Echo("A");
    put("big", "{\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> roundTrip(port(0), "x").equals("A:x"));
    byte[] data = new byte[10 * 1024 * 1024];
    new SecureRandom().nextBytes(data);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port(0))) {
      s.setSoTimeout(20_000);
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(data);
          s.getOutputStream().flush();
        } catch (IOException e) {
          // the read side fails the test
        }
      });
      writer.start();
      byte[] prefix = s.getInputStream().readNBytes(2);
      assertThat(new String(prefix, StandardCharsets.US_ASCII)).isEqualTo("A:");
      byte[] back = s.getInputStream().readNBytes(data.length);
      writer.join(20_000);
      assertThat(back).isEqualTo(data);
    }
  }
}
