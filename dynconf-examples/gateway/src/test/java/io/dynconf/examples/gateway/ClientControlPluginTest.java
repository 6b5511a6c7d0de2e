package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** APISIX's client-control through a real gateway: announced and chunked bodies over the route's limit. */
class ClientControlPluginTest extends PluginGatewayTest {

  private HttpResponse<String> post(String path, byte[] body) throws Exception {
    return gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + path))
        .timeout(PluginGateway.WAIT).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a chunked body of {@code chunks} chunks of {@code size} bytes on a raw socket (from another thread), returns the answer. */
  private String chunked(String path, int chunks, int size) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gw.gateway.dataAddress().getPort())) {
      s.setSoTimeout((int) PluginGateway.WAIT.toMillis());
      OutputStream out = s.getOutputStream();
      CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
        try {
          out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          byte[] chunk = new byte[size];
          for (int i = 0; i < chunks; i++) {
            out.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } catch (Exception e) {
          // the gateway closed the connection after answering: expected past the limit
        }
      });
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) >= 0; ) {
        got.write(buf, 0, n);
        String text = got.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0 && text.substring(end + 4).length() >= contentLength(text)) {
          break;
        }
      }
      sending.cancel(true);
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(15).strip());
      }
    }
    return Integer.MAX_VALUE;
  }

  @Test
  void anAnnouncedBodyOverTheLimitIsRefusedBeforeItGoesUpstream() throws Exception {
    gw.route("u", "/upload", "\"client-control\":{\"max_body_size\":1000}");
    gw.route("free", "/upload/free", "\"client-control\":{\"max_body_size\":0}");
    gw.put("/apisix/admin/routes/plain", "{\"uri\":\"/upload/plain\",\"upstream_id\":\"web\"}", 201);
    gw.awaitStatus("/upload", 200);
    assertThat(post("/upload", new byte[1000]).body()).isEqualTo("received 1000");
    int hits = gw.backend.hits.get();
    HttpResponse<String> refused = post("/upload", new byte[1001]);
    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(refused.body()).isEqualTo("413 Request Entity Too Large\n");
    assertThat(gw.backend.hits.get()).as("nothing went upstream").isEqualTo(hits);
    // large, but within what the gateway drains after answering (LingeringClose.MAX_BYTES): past it
    // the connection is closed with the client still sending, and a reset may destroy the answer
    // before the client reads it (a bound against hostile uploads; nginx's lingering close has one too)
    HttpResponse<String> huge = post("/upload", new byte[3 * 1024 * 1024]);
    assertThat(huge.statusCode()).isEqualTo(413);
    // 0 is no limit; a route without the plugin has none either
    assertThat(post("/upload/free", new byte[100_000]).body()).isEqualTo("received 100000");
    assertThat(post("/upload/plain", new byte[100_000]).body()).isEqualTo("received 100000");
  }

  @Test
  void aChunkedBodyIsCutOffOnceItPassesTheLimit() throws Exception {
    gw.route("u", "/upload", "\"client-control\":{\"max_body_size\":10000}");
    gw.awaitStatus("/upload", 200);
    String within = chunked("/upload", 10, 1000);
    assertThat(within).startsWith("HTTP/1.1 200").endsWith("received 10000");

    String over = chunked("/upload", 11, 1000);
    assertThat(over).startsWith("HTTP/1.1 413").endsWith("413 Request Entity Too Large\n");

    // a client that keeps sending far past the limit still reads its answer
    String flood = chunked("/upload", 4096, 4096);
    assertThat(flood).startsWith("HTTP/1.1 413");
    // and the gateway serves on
    assertThat(post("/upload", new byte[10]).body()).isEqualTo("received 10");
  }

  @Test
  void anExpectContinueOverTheLimitGetsA413AndNoContinue() throws Exception {
    gw.route("u", "/upload", "\"client-control\":{\"max_body_size\":100}");
    gw.awaitStatus("/upload", 200);
    String answer = gw.raw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"client-control\":{\"max_body_size\":-1}", "plugins/client-control/max_body_size");
    gw.refused("\"client-control\":{\"max_body_size\":1.5}", "plugins/client-control/max_body_size", "integer");
    gw.refused("\"client-control\":{\"max_body_size\":\"10\"}", "plugins/client-control/max_body_size");
    gw.route("ok", "/ok", "\"client-control\":{}");
  }
}
