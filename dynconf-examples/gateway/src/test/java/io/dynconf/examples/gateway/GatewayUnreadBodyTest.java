package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.netty.LingeringClose;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers given before a request body was read, over real sockets: the answer survives a client
 * that keeps sending (lingering close, so no reset destroys it), an endless body is not read on
 * at full speed, a short one is drained and the connection kept, {@code Expect: 100-continue} is
 * answered only once the route and the access plugins let the request through, and oversized
 * request lines and headers get 414 and 431, counted like any other answer.
 */
class GatewayUnreadBodyTest {
  @TempDir Path dir;
  @RegisterExtension final StandaloneGateway fixture = new StandaloneGateway();
  private Gateway gateway;
  private Backend backend;

  private void start() throws Exception {
    gateway = fixture.start(dir, "b", node -> "routes:\n  - id: open\n    uri: /open/*\n    upstream:\n      nodes:\n        \"" + node
        + "\": 1\n  - id: locked\n    uri: /locked/*\n    plugins:\n      key-auth: {}\n    upstream:\n      nodes:\n        \""
        + node + "\": 1\n#END\n");
    backend = fixture.backend();
  }

  private Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(15_000);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** Reads one response head and its Content-Length body. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
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

  /** Whether the peer ends the stream (FIN or reset) before the read timeout. */
  private static boolean endsStream(Socket s) throws IOException {
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** Writes zeros until the socket fails; returns how many bytes were written. */
  private static Thread flood(Socket s, AtomicLong written, long limit) {
    Thread t = new Thread(() -> {
      byte[] chunk = new byte[16 * 1024];
      try {
        while (written.get() < limit) {
          s.getOutputStream().write(chunk);
          written.addAndGet(chunk.length);
        }
      } catch (IOException closed) {
        // the gateway stopped reading and closed: what this test expects
      }
    }, "flood");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void anAnswerBeforeAnEndlessBodyArrivesWhileTheClientStillSendsAndTheBodyIsNotReadOn() throws Exception {
    start();
    long declared = 1L << 40; // a terabyte: nobody should read it
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "POST /locked/x HTTP/1.1\r\nHost: a\r\nContent-Length: " + declared + "\r\n\r\n");
      AtomicLong written = new AtomicLong();
      Thread flooding = flood(s, written, declared);
      String answer = readResponse(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
      assertThat(endsStream(s)).as("closed after the answer").isTrue();
      flooding.join(15_000);
      assertThat(flooding.isAlive()).as("the gateway stopped taking the body").isFalse();
      // what was written: at most what the gateway drops while lingering plus both sockets' buffers
      assertThat(written.get()).isLessThan(LingeringClose.MAX_BYTES + 64L * 1024 * 1024);
    }
    assertThat(backend.hits.get()).isZero();
  }

  @Test
  void aChunkedBodyBeyondTheDiscardLimitClosesTheConnectionAfterTheAnswer() throws Exception {
    start();
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "POST /nowhere HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
      String answer = readResponse(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 404").containsIgnoringCase("connection: close");
      AtomicLong written = new AtomicLong();
      Thread t = new Thread(() -> {
        String chunk = Integer.toHexString(8192) + "\r\n" + "x".repeat(8192) + "\r\n";
        try {
          while (written.get() < 1L << 32) {
            send(s, chunk);
            written.addAndGet(chunk.length());
          }
        } catch (IOException closed) {
          // expected
        }
      });
      t.setDaemon(true);
      t.start();
      assertThat(endsStream(s)).isTrue();
      t.join(15_000);
      assertThat(t.isAlive()).isFalse();
    }
  }

  @Test
  void aShortUnreadBodyIsDrainedAndTheConnectionServesTheNextRequest() throws Exception {
    start();
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      String body = "y".repeat(10_000);
      send(s, "POST /locked/x HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 401").doesNotContainIgnoringCase("connection: close");
      send(s, "GET /open/y HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void continueIsSentOnlyForARequestThatGoesUpstreamAndExpectIsNotForwarded() throws Exception {
    start();
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "POST /locked/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      String answer = readResponse(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
      assertThat(endsStream(s)).isTrue();
    }
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "POST /open/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      assertThat(readResponse0(s.getInputStream())).startsWith("HTTP/1.1 100");
      send(s, "hello");
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
    }
    Map<String, List<String>> seen = backend.requests.get(backend.requests.size() - 1);
    assertThat(seen.keySet()).noneMatch(h -> h.equalsIgnoreCase("Expect"));
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "POST /open/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: something-else\r\n\r\n");
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 417");
    }
  }

  /** Reads a head-only response (100 Continue). */
  private static String readResponse0(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (!out.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after " + out.toString(StandardCharsets.ISO_8859_1));
      }
      out.write(c);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void anOverlongRequestLineIs414AndOverlongHeadersAre431AndBothAreCounted() throws Exception {
    start();
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "GET /open/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 414");
    }
    try (Socket s = connect(gateway.dataAddress().getPort())) {
      send(s, "GET /open/a HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
      assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 431");
    }
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/apisix/prometheus/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).containsPattern("code=\"414\"[^\\n]*\\} 1\\n").containsPattern("code=\"431\"[^\\n]*\\} 1\\n");
  }

  @Test
  void theAdminListenersEarly413ArrivesWhileTheClientStillUploads() throws Exception {
    start();
    for (int round = 0; round < 5; round++) {
      try (Socket s = connect(gateway.adminAddress().getPort())) {
        long declared = 64L * 1024 * 1024;
        send(s, "PUT /apisix/admin/routes/big HTTP/1.1\r\nHost: a\r\nX-API-KEY: " + GatewayAdminTest.KEY
            + "\r\nContent-Length: " + declared + "\r\n\r\n");
        AtomicLong written = new AtomicLong();
        Thread flooding = flood(s, written, declared);
        assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 413");
        assertThat(endsStream(s)).isTrue();
        flooding.join(15_000);
        assertThat(flooding.isAlive()).isFalse();
      }
    }
  }
}
