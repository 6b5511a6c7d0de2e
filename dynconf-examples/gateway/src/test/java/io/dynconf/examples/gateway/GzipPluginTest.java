package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * APISIX's gzip through a real gateway: compressed bodies decompress to the original, streamed
 * and chunked ones included; what must pass untouched does.
 */
class GzipPluginTest extends PluginGatewayTest {
  private static final String TEXT = "text/plain";

  private HttpResponse<byte[]> fetch(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + path))
        .timeout(PluginGateway.WAIT);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return gw.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] gunzip(byte[] body) throws Exception {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    }
  }

  @Test
  void aMatchingResponseIsCompressedAndDecompressesToTheOriginal() throws Exception {
    gw.route("g", "/g/*", "\"gzip\":{\"types\":[\"" + TEXT + "\"],\"vary\":true,\"comp_level\":9}");
    gw.awaitStatus("/g/a", 200);
    HttpResponse<byte[]> r = fetch("/g/some/long/enough/path", "Accept-Encoding", "br, gzip;q=0.5");
    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(r.headers().firstValue("Vary")).hasValue("Accept-Encoding");
    assertThat(r.headers().firstValue("Content-Length")).isEmpty();
    assertThat(new String(gunzip(r.body()), StandardCharsets.UTF_8)).isEqualTo("web GET /g/some/long/enough/path body=0");
  }

  @Test
  void whatMustNotBeCompressedPassesUntouched() throws Exception {
    gw.route("g", "/g/*", "\"gzip\":{\"types\":[\"" + TEXT + "\"],\"min_length\":30}");
    gw.route("h", "/h/*", "\"gzip\":{}");
    gw.awaitStatus("/g/a", 200);
    gw.awaitStatus("/h/a", 200);
    // shorter than min_length (its Content-Length says so)
    HttpResponse<byte[]> small = fetch("/g/a", "Accept-Encoding", "gzip");
    assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(new String(small.body(), StandardCharsets.UTF_8)).isEqualTo("web GET /g/a body=0");
    assertThat(small.headers().firstValue("Content-Length")).hasValue("19");
    // long enough, but the client does not accept gzip, or refuses it with q=0
    String path = "/g/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assertThat(fetch(path).headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(fetch(path, "Accept-Encoding", "gzip;q=0, deflate").headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(fetch(path, "Accept-Encoding", "*").headers().firstValue("Content-Encoding")).hasValue("gzip");
    // the default types are text/html: the upstream's text/plain is not compressed
    HttpResponse<byte[]> other = fetch("/h/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Accept-Encoding", "gzip");
    assertThat(other.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(new String(other.body(), StandardCharsets.UTF_8)).isEqualTo("web GET /h/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa body=0");
    // a status nginx does not compress (the upstream's 500)
    gw.route("s", "/status/*", "\"gzip\":{\"types\":\"*\",\"min_length\":1}");
    gw.awaitStatus("/status/500", 500);
    assertThat(fetch("/status/500", "Accept-Encoding", "gzip").headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(fetch("/status/404", "Accept-Encoding", "gzip").headers().firstValue("Content-Encoding")).hasValue("gzip");
    // an HTTP/1.0 request under the default http_version 1.1
    String raw = gw.raw("GET " + path + " HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
    assertThat(raw).doesNotContainIgnoringCase("content-encoding").endsWith("web GET " + path + " body=0");
  }

  @Test
  void anAlreadyEncodedResponseIsNotCompressedTwice() throws Exception {
    gw.route("g", "/g/*", "\"response-rewrite\":{\"headers\":{\"set\":{\"Content-Encoding\":\"br\"}}},"
        + "\"gzip\":{\"types\":\"*\",\"min_length\":1}");
    gw.awaitStatus("/g/a", 200);
    HttpResponse<byte[]> r = fetch("/g/a", "Accept-Encoding", "gzip, br");
    assertThat(r.headers().allValues("Content-Encoding")).containsExactly("br");
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("web GET /g/a body=0");
  }

  @Test
  void aLongStreamedBodyIsCompressedAsItStreams() throws Exception {
    // the upstream's /download has no Content-Type: response-rewrite gives it one (gzip decides on the final head)
    gw.route("d", "/download", "\"response-rewrite\":{\"headers\":{\"set\":{\"Content-Type\":\"text/html\"}}},\"gzip\":{}");
    gw.awaitStatus("/download?bytes=1", 200);
    int size = 32 * 1024 * 1024;
    HttpResponse<byte[]> r = fetch("/download?bytes=" + size, "Accept-Encoding", "gzip");
    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(r.body().length).as("zeros compress").isLessThan(size / 100);
    byte[] plain = gunzip(r.body());
    assertThat(plain.length).isEqualTo(size);
    for (byte b : plain) {
      if (b != 0) {
        throw new AssertionError("a byte changed");
      }
    }
    // the connection is reusable afterwards, and an HTTP/1.0 client gets a close-delimited body
    assertThat(fetch("/download?bytes=100", "Accept-Encoding", "gzip").statusCode()).isEqualTo(200);
    String raw = gw.raw("GET /download?bytes=1000 HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
    assertThat(raw).doesNotContainIgnoringCase("content-encoding"); // http_version 1.1 by default
  }

  @Test
  void aClientThatLeavesMidStreamEndsTheCompressionAndTheGatewayServesOn() throws Exception {
    gw.route("d", "/download", "\"response-rewrite\":{\"headers\":{\"set\":{\"Content-Type\":\"text/html\"}}},\"gzip\":{}");
    gw.awaitStatus("/download?bytes=1", 200);
    for (int i = 0; i < 3; i++) {
      try (Socket s = new Socket("127.0.0.1", gw.gateway.dataAddress().getPort())) {
        s.getOutputStream().write("GET /download?bytes=1000000000 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        byte[] some = s.getInputStream().readNBytes(4096);
        assertThat(new String(some, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200").containsIgnoringCase("content-encoding: gzip");
      } // closed mid-body
    }
    org.awaitility.Awaitility.await().atMost(PluginGateway.WAIT).until(() -> gw.backend.brokenDownloads.get() == 3);
    HttpResponse<byte[]> r = fetch("/download?bytes=100000", "Accept-Encoding", "gzip");
    assertThat(gunzip(r.body())).hasSize(100000);
  }

  @Test
  void aHeadRequestIsNotCompressed() throws Exception {
    gw.route("g", "/g/*", "\"gzip\":{\"types\":\"*\",\"min_length\":1}");
    gw.awaitStatus("/g/a", 200);
    HttpResponse<String> head = gw.send("HEAD", "/g/a", "Accept-Encoding", "gzip");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(fetch("/g/a", "Accept-Encoding", "gzip").headers().firstValue("Content-Encoding")).hasValue("gzip");
  }

  @Test
  void aChunkedUpstreamBodyAndTheEchoPluginsWrappingAreCompressedTogether() throws Exception {
    try (ServerSocket chunked = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> serveChunked(chunked, true), "chunked-upstream");
      t.setDaemon(true);
      t.start();
      gw.put("/apisix/admin/routes/c", "{\"uri\":\"/chunked\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + chunked.getLocalPort()
          + "\":1}},\"plugins\":{\"gzip\":{\"types\":[\"text/html\"],\"http_version\":1.0},\"echo\":{\"before_body\":\"<p>\",\"after_body\":\"</p>\"}}}", 201);
      StringBuilder expected = new StringBuilder("<p>");
      for (int i = 0; i < 200; i++) {
        expected.append("chunk ").append(i).append(" of the upstream's chunked body\n");
      }
      expected.append("</p>");
      org.awaitility.Awaitility.await().atMost(PluginGateway.WAIT).until(() -> fetch("/chunked").statusCode() == 200);
      HttpResponse<byte[]> r = fetch("/chunked", "Accept-Encoding", "gzip");
      assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
      assertThat(new String(gunzip(r.body()), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
      // HTTP/1.0 allowed by http_version 1.0: compressed, the close ending the body
      String raw = gw.raw("GET /chunked HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
      assertThat(raw).containsIgnoringCase("content-encoding: gzip").doesNotContainIgnoringCase("transfer-encoding");
      byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
      int body = raw.indexOf("\r\n\r\n") + 4;
      assertThat(new String(gunzip(java.util.Arrays.copyOfRange(bytes, body, bytes.length)), StandardCharsets.UTF_8))
          .isEqualTo(expected.toString());
    }
  }

  @Test
  void aBodyThatTheUpstreamsCloseEndsIsCompressedToItsEnd() throws Exception {
    try (ServerSocket closing = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> serveChunked(closing, false), "closing-upstream");
      t.setDaemon(true);
      t.start();
      gw.put("/apisix/admin/routes/c", "{\"uri\":\"/closing\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + closing.getLocalPort()
          + "\":1}},\"plugins\":{\"gzip\":{},\"echo\":{\"after_body\":\"THE END\"}}}", 201);
      org.awaitility.Awaitility.await().atMost(PluginGateway.WAIT).until(() -> fetch("/closing").statusCode() == 200);
      HttpResponse<byte[]> r = fetch("/closing", "Accept-Encoding", "gzip");
      assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
      String plain = new String(gunzip(r.body()), StandardCharsets.UTF_8);
      assertThat(plain).startsWith("chunk 0 of").contains("chunk 199 of").endsWith("THE END");
    }
  }

  /** A raw upstream answering every request with a text/html body in 200 parts: chunked, or ended by its close. */
  private static void serveChunked(ServerSocket server, boolean chunkedCoding) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          int c = in.read();
          if (c < 0) {
            break;
          }
          head.append((char) c);
        }
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + (chunkedCoding ? "Transfer-Encoding: chunked\r\n" : "")
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 200; i++) {
          byte[] chunk = ("chunk " + i + " of the upstream's chunked body\n").getBytes(StandardCharsets.US_ASCII);
          if (!chunkedCoding) {
            out.write(chunk);
            out.flush();
            continue;
          }
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        if (chunkedCoding) {
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (Exception e) {
        // the test ended
      }
    }
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"gzip\":{\"types\":[]}", "plugins/gzip/types");
    gw.refused("\"gzip\":{\"types\":\"text/html\"}", "plugins/gzip/types");
    gw.refused("\"gzip\":{\"types\":[\"\"]}", "plugins/gzip/types/0");
    gw.refused("\"gzip\":{\"min_length\":0}", "plugins/gzip/min_length");
    gw.refused("\"gzip\":{\"comp_level\":10}", "plugins/gzip/comp_level");
    gw.refused("\"gzip\":{\"http_version\":2}", "plugins/gzip/http_version");
    gw.refused("\"gzip\":{\"buffers\":{\"number\":0}}", "plugins/gzip/buffers/number");
    gw.refused("\"gzip\":{\"vary\":\"yes\"}", "plugins/gzip/vary");
    gw.route("ok", "/ok", "\"gzip\":{\"types\":\"*\",\"min_length\":1,\"comp_level\":9,\"http_version\":1.0,"
        + "\"buffers\":{\"number\":4,\"size\":8192},\"vary\":false}");
  }
}
