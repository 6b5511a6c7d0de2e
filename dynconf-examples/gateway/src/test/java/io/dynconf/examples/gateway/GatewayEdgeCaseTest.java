package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protocol edge cases found in review, each against a raw-socket upstream that shows exactly what
 * the gateway sent: framing that a Connection header must not strip (request smuggling),
 * pipelined requests, bytes that come with a 101, interim responses, malformed chunked bodies, an
 * HTTP/1.0 client and a chunked upstream.
 */
class GatewayEdgeCaseTest {
  @TempDir Path dir;
  private Gateway gateway;

  @AfterEach
  void close() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private void start(String routes) throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "routes:\n" + routes + "\n#END\n");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(), "--standalone", file.toString(),
        "--admin-key", GatewayAdminTest.KEY}));
  }

  private static String route(String id, String uri, int port, String extra) {
    return "  - id: " + id + "\n    uri: " + uri + "\n" + extra + "    upstream:\n      nodes:\n        \"127.0.0.1:" + port + "\": 1\n";
  }

  /** Reads until {@code expected} has been seen (or the socket closes / 10 s pass). */
  private static String readUntil(Socket s, String expected) throws IOException {
    s.setSoTimeout(10_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    try {
      int n;
      while (!out.toString(StandardCharsets.ISO_8859_1).contains(expected) && (n = s.getInputStream().read(b)) > 0) {
        out.write(b, 0, n);
      }
    } catch (SocketTimeoutException e) {
      // return what arrived
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** A raw upstream that reads one request head, sends {@code response} as is and keeps the connection open. */
  private static void answerOnce(ServerSocket up, String response) {
    CompletableFuture.runAsync(() -> {
      try (Socket s = up.accept()) {
        readUntil(s, "\r\n\r\n");
        send(s, response);
        readUntil(s, "never");
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
  }

  private Socket client() throws IOException {
    return new Socket("127.0.0.1", gateway.dataAddress().getPort());
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  @Test
  void aConnectionHeaderNamingContentLengthDoesNotStripTheFraming() throws Exception {
    try (ServerSocket up = new ServerSocket(0)) {
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
        try (Socket s = up.accept()) {
          String got = readUntil(s, "/admin-only HTTP/1.1\r\nHost: x\r\n\r\n");
          send(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          return got;
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      start(route("r", "/s", up.getLocalPort(), ""));
      String smuggled = "GET /admin-only HTTP/1.1\r\nHost: x\r\n\r\n";
      try (Socket c = client()) {
        send(c, "POST /s HTTP/1.1\r\nHost: x\r\nConnection: content-length\r\nContent-Length: " + smuggled.length()
            + "\r\n\r\n" + smuggled);
        assertThat(readUntil(c, "ok")).startsWith("HTTP/1.1 200");
      }
      assertThat(seen.get(15, TimeUnit.SECONDS).toLowerCase())
          .as("the body reaches the upstream framed, as a body").contains("content-length: " + smuggled.length());
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (Backend backend = new Backend("p")) {
      start(route("r", "/p/*", backend.port(), ""));
      try (Socket c = client()) {
        send(c, "GET /p/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /p/3 HTTP/1.1\r\nHost: x\r\n"
            + "Connection: close\r\n\r\n");
        String all = readUntil(c, "GET /p/3");
        assertThat(all).contains("p GET /p/1").contains("p GET /p/2").contains("p GET /p/3");
        assertThat(all.indexOf("/p/1 body")).isLessThan(all.indexOf("/p/2 body"));
        assertThat(all.indexOf("/p/2 body")).isLessThan(all.indexOf("/p/3 body"));
      }
    }
  }

  @Test
  void bytesTheUpstreamSendsWithThe101AreNotLost() throws Exception {
    try (ServerSocket up = new ServerSocket(0)) {
      CountDownLatch done = new CountDownLatch(1);
      CompletableFuture.runAsync(() -> {
        try (Socket s = up.accept()) {
          readUntil(s, "\r\n\r\n");
          send(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nHELLO-FRAME");
          done.await(15, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      start(route("ws", "/ws", up.getLocalPort(), "    enable_websocket: true\n"));
      try (Socket c = client()) {
        send(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        String got = readUntil(c, "HELLO-FRAME");
        assertThat(got).startsWith("HTTP/1.1 101").endsWith("HELLO-FRAME");
      } finally {
        done.countDown();
      }
    }
  }

  @Test
  void interimResponsesDoNotEndTheExchange() throws Exception {
    try (ServerSocket up = new ServerSocket(0)) {
      answerOnce(up, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
          + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
      start(route("r", "/hints", up.getLocalPort(), ""));
      try (Socket c = client()) {
        send(c, "GET /hints HTTP/1.1\r\nHost: x\r\n\r\n");
        String got = readUntil(c, "final");
        assertThat(got).contains("HTTP/1.1 200").endsWith("final");
      }
    }
  }

  @Test
  void aMalformedChunkedBodyIsRefusedAndTheConnectionClosed() throws Exception {
    try (Backend backend = new Backend("c")) {
      start(route("r", "/c", backend.port(), ""));
      try (Socket c = client()) {
        send(c, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n0\r\n\r\n");
        String got = readUntil(c, "never");
        assertThat(got).startsWith("HTTP/1.1 400");
      }
    }
  }

  @Test
  void aProxyRewriteReplacementNamingAMissingGroupIsRefused() throws Exception {
    start(route("r", "/x", 9, ""));
    var http = java.net.http.HttpClient.newHttpClient();
    var r = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/routes/bad", GatewayAdminTest.KEY,
        "{\"uri\":\"/a/*\",\"upstream\":{\"nodes\":{\"127.0.0.1:9\":1}},"
            + "\"plugins\":{\"proxy-rewrite\":{\"regex_uri\":[\"^/a/(.*)$\",\"/b/$2\"]}}}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("/plugins/proxy-rewrite/regex_uri/1").contains("$2");
  }

  @Test
  void anHttp10ClientGetsAnUnchunkedBodyEndedByClose() throws Exception {
    try (ServerSocket up = new ServerSocket(0)) {
      answerOnce(up, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      start(route("r", "/old", up.getLocalPort(), ""));
      try (Socket c = client()) {
        // RFC 9112 6.1: no Transfer-Encoding to an HTTP/1.0 client; the close ends the body
        send(c, "GET /old HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
        String got = readUntil(c, "never"); // returns at the close
        assertThat(got).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nhello world");
        assertThat(got.toLowerCase()).doesNotContain("transfer-encoding").doesNotContain("connection: keep-alive");
      }
    }
  }
}
