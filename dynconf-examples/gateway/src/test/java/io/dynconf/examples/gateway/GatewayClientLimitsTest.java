package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 2, over real sockets with short configured timeouts: the head of a request
 * within the header timeout (slowloris and silent connections closed), idle kept-alive
 * connections closed, a body that stalls closed while a slow one that keeps coming passes, a
 * client that stops reading closed (and the upstream connection with it) while a slow reader gets
 * everything, and the connection limit closing the longest-idle connection first.
 */
class GatewayClientLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  @RegisterExtension final StandaloneGateway fixture = new StandaloneGateway();
  private Gateway gateway;
  private Backend backend;

  private void start(String... flags) throws Exception {
    gateway = fixture.start(dir, "b", StandaloneGateway.oneRoute("r", "/*"), flags);
    backend = fixture.backend();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.dataAddress().getPort());
    s.setSoTimeout((int) WAIT.toMillis());
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** Reads until the peer closes; returns what arrived. Fails when it stays open for 15 s. */
  private static String readToClose(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] b = new byte[65536];
    int n;
    try {
      while ((n = in.read(b)) >= 0) {
        out.write(b, 0, n);
      }
    } catch (IOException e) {
      if (e instanceof SocketTimeoutException) {
        throw e;
      }
      // reset by the gateway: closed too
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads one response with a Content-Length body. */
  private static String readResponse(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    while (!out.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after " + out.toString(StandardCharsets.ISO_8859_1));
      }
      out.write(c);
    }
    String head = out.toString(StandardCharsets.ISO_8859_1);
    int length = Integer.parseInt(head.toLowerCase().replaceAll("(?s).*content-length: *(\\d+).*", "$1"));
    return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  @Test
  void aSilentConnectionAndASlowlorisAreClosedAfterTheHeaderTimeout() throws Exception {
    start("--client-header-timeout", "300ms");
    try (Socket silent = connect(); Socket slow = connect()) {
      long t0 = System.nanoTime();
      send(slow, "GET /slow HTTP/1.1\r\nHo");
      Thread dripper = new Thread(() -> {
        try {
          for (int i = 0; i < 100; i++) { // a byte every 50 ms: far within any per-read timeout
            send(slow, "X");
            Thread.sleep(50); // the attack's own pace
          }
        } catch (IOException | InterruptedException e) {
          // closed by the gateway: expected
        }
      });
      dripper.start();
      assertThat(readToClose(silent)).isEmpty();
      assertThat(readToClose(slow)).isEmpty();
      long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
      assertThat(ms).as("closed after the header timeout, not before").isGreaterThanOrEqualTo(280);
      dripper.join(10_000);
      assertThat(dripper.isAlive()).isFalse();
    }
  }

  @Test
  void anIdleKeptAliveConnectionIsClosedAfterTheKeepaliveTimeout() throws Exception {
    start("--keepalive-timeout", "400ms");
    try (Socket s = connect()) {
      send(s, "GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(readResponse(s)).startsWith("HTTP/1.1 200").contains("b GET /echo/1");
      send(s, "GET /echo/2 HTTP/1.1\r\nHost: x\r\n\r\n"); // still open: kept alive
      assertThat(readResponse(s)).contains("b GET /echo/2");
      long t0 = System.nanoTime();
      assertThat(readToClose(s)).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - t0).toMillis()).isGreaterThanOrEqualTo(380);
    }
  }

  @Test
  void aStalledBodyIsClosedAndASlowOneThatKeepsComingPasses() throws Exception {
    start("--client-body-timeout", "300ms");
    try (Socket stalled = connect()) {
      send(stalled, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
      assertThat(readToClose(stalled)).doesNotContain("200");
    }
    try (Socket slow = connect()) {
      send(slow, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n");
      for (int i = 0; i < 20; i++) { // 20 bytes over 2 s, one every 100 ms: within 300 ms of each other
        send(slow, "x");
        Thread.sleep(100); // the client's pace
      }
      assertThat(readResponse(slow)).startsWith("HTTP/1.1 200").contains("received 20");
    }
  }

  @Test
  void aClientThatStopsReadingIsClosedAndReleasesItsUpstreamConnection() throws Exception {
    start("--send-timeout", "300ms");
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(gateway.dataAddress());
      s.setSoTimeout((int) WAIT.toMillis());
      send(s, "GET /download?bytes=268435456 HTTP/1.1\r\nHost: x\r\n\r\n"); // 256 MiB, never read
      await().atMost(WAIT).until(() -> backend.brokenDownloads.get() == 1); // the upstream connection was closed
      String got = readToClose(s); // the gateway closed the client connection
      assertThat(got.length()).isLessThan(64 << 20);
    }
  }

  @Test
  void aSlowReaderThatKeepsReadingGetsTheWholeBody() throws Exception {
    start("--send-timeout", "300ms");
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(gateway.dataAddress());
      s.setSoTimeout((int) WAIT.toMillis());
      int bytes = 256 << 10;
      send(s, "GET /download?bytes=" + bytes + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      InputStream in = s.getInputStream();
      byte[] b = new byte[32 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(b)) >= 0) {
        total += n;
        Thread.sleep(20); // a slow reader: 32 KiB per 20 ms, always within the send timeout
      }
      assertThat(total).isGreaterThan(bytes);
    }
  }

  @Test
  void overTheLimitTheLongestIdleConnectionMakesRoomAndBusyOnesAreKept() throws Exception {
    start("--max-connections", "3");
    try (Socket idle1 = connect(); Socket busy1 = connect(); Socket busy2 = connect()) {
      send(busy1, "GET /a HTTP/1.1\r\n"); // a head under way: not idle
      send(busy2, "GET /b HTTP/1.1\r\n");
      await().atMost(WAIT).until(() -> gatewayOpen() == 3 && gateway.clientConnections().idle() == 1);
      try (Socket fresh = connect()) {
        send(fresh, "GET /echo/fresh HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readResponse(fresh)).contains("b GET /echo/fresh");
      }
      assertThat(readToClose(idle1)).as("the idle connection made room").isEmpty();
      send(busy1, "Host: x\r\n\r\n");
      assertThat(readResponse(busy1)).contains("b GET /a");
      // all three busy now (two kept alive are idle again: keep one busy with a partial head)
      send(busy1, "GET /c HTTP/1.1\r\n");
      send(busy2, "Host: x\r\n\r\n");
      assertThat(readResponse(busy2)).contains("b GET /b");
      send(busy2, "GET /d HTTP/1.1\r\n");
      try (Socket third = connect()) {
        send(third, "GET /e HTTP/1.1\r\n");
        await().atMost(WAIT).until(() -> gatewayOpen() == 3 && gateway.clientConnections().idle() == 0);
        try (Socket refused = connect()) {
          assertThat(readToClose(refused)).as("no idle connection to close: refused").isEmpty();
        }
      }
    }
  }

  private int gatewayOpen() {
    return gateway.clientConnections().open();
  }

  @Test
  void flagsAndYamlConfigureTheLimits() throws Exception {
    GatewayConfig c = GatewayConfig.parse(new String[] {"--client-header-timeout", "300ms", "--keepalive-timeout", "2m",
        "--client-body-timeout", "7", "--send-timeout", "5s", "--max-connections", "100"});
    assertThat(c.clientLimits()).isEqualTo(new ClientLimits(Duration.ofMillis(300), Duration.ofMinutes(2), Duration.ofSeconds(7),
        Duration.ofSeconds(5), 100));
    assertThat(GatewayConfig.defaults().clientLimits()).isEqualTo(new ClientLimits(Duration.ofSeconds(60),
        Duration.ofSeconds(75), Duration.ofSeconds(60), Duration.ofSeconds(60), 0));
    assertThat(GatewayConfig.defaults().clientLimits().effectiveMaxConnections()).isGreaterThanOrEqualTo(16);
    Path yaml = dir.resolve("gw.yaml");
    Files.writeString(yaml, "send_timeout: 250ms\nmax_connections: 9\n");
    c = GatewayConfig.parse(new String[] {"--config", yaml.toString()});
    assertThat(c.clientLimits().sendTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.clientLimits().maxConnections()).isEqualTo(9);
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--send-timeout", "soon"})).hasMessageStartingWith("--send-timeout: ");
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--keepalive-timeout", "0"})).hasMessageStartingWith("--keepalive-timeout: ");
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--max-connections", "-1"})).hasMessageContaining("--max-connections");
  }
}
