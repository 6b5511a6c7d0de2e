package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gzip, echo and client-control on HTTP/2 streams (h2c, {@code curl --http2-prior-knowledge}):
 * the body filters and the body limit work per stream as they do per HTTP/1.1 request.
 */
class BodyPluginsHttp2Test {
  @TempDir Path dir;
  private PluginGateway gw;

  @BeforeEach
  void start() throws Exception {
    gw = new PluginGateway(dir.resolve("data"), "--h2c", "true");
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  private String curl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--http2-prior-knowledge", "--max-time", "20"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + path;
  }

  @Test
  void aStreamedBodyIsWrappedAndCompressedOnAnH2Stream() throws Exception {
    gw.route("d", "/download", "\"response-rewrite\":{\"headers\":{\"set\":{\"Content-Type\":\"text/html\"}}},\"gzip\":{},"
        + "\"echo\":{\"before_body\":\"A\",\"after_body\":\"Z\"}");
    gw.awaitStatus("/download?bytes=1", 200);
    Path body = dir.resolve("body.gz");
    String meta = curl("-H", "Accept-Encoding: gzip", "-D", "-", "-o", body.toString(), "-w", "%{http_version} %{http_code}",
        url("/download?bytes=3000000"));
    assertThat(meta).contains("content-encoding: gzip").endsWith("2 200");
    byte[] plain;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(body))) {
      plain = in.readAllBytes();
    }
    assertThat(plain.length).isEqualTo(3_000_002);
    assertThat(plain[0]).isEqualTo((byte) 'A');
    assertThat(plain[plain.length - 1]).isEqualTo((byte) 'Z');
  }

  @Test
  void aBodyWithoutLengthPastTheLimitIsRefusedOnItsStream() throws Exception {
    gw.route("u", "/upload", "\"client-control\":{\"max_body_size\":100000}");
    gw.awaitStatus("/upload", 200);
    Path small = dir.resolve("small");
    Files.write(small, new byte[100_000]);
    Path big = dir.resolve("big");
    Files.write(big, new byte[3_000_000]);
    // -T sends the file as a stream: with -H 'Content-Length:' removed, the h2 request has no length
    assertThat(curl("-T", small.toString(), "-H", "Content-Length:", "-w", " %{http_code}", url("/upload")))
        .isEqualTo("received 100000 200");
    assertThat(curl("-T", big.toString(), "-H", "Content-Length:", "-o", "/dev/null", "-w", "%{http_code}", url("/upload")))
        .endsWith("413");
    assertThat(curl("-T", big.toString(), "-o", "/dev/null", "-w", "%{http_code}", url("/upload"))).as("with a length").endsWith("413");
    assertThat(curl("-w", " %{http_code}", url("/upload"))).isEqualTo("received 0 200");
  }
}
