package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 towards clients, with real clients: the JDK's {@code HttpClient} negotiating {@code h2}
 * by ALPN on the TLS listener, and {@code curl --http2-prior-knowledge} on the plain listener with
 * {@code --h2c true}. Same routing, plugins and answers as HTTP/1.1; many streams on one
 * connection; bodies both ways; flow control reaching the upstream (a client that stops reading
 * stops the upstream, the gateway does not buffer the response).
 */
class GatewayHttp2Test {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  @RegisterExtension final StandaloneGateway fixture = new StandaloneGateway();
  private Gateway gateway;
  private Backend backend;

  private void start(String... extra) throws Exception {
    gateway = fixture.start(dir, "web", node -> "routes:\n  - id: open\n    uri: /*\n    upstream:\n      nodes:\n        \"" + node
        + "\": 1\n  - id: locked\n    uri: /locked/*\n    plugins:\n      key-auth: {}\n    upstream:\n      nodes:\n        \""
        + node + "\": 1\n#END\n",
        java.util.stream.Stream.concat(java.util.stream.Stream.of("--tls-listen", "127.0.0.1:0"), java.util.stream.Stream.of(extra)).toArray(String[]::new));
    backend = fixture.backend();
  }

  private HttpClient h2Client() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("gateway", gateway.certificates().defaultCertificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(ssl).connectTimeout(WAIT).build();
  }

  private URI tls(String path) {
    return URI.create("https://localhost:" + gateway.tlsAddress().getPort() + path);
  }

  @Test
  void theTlsListenerSpeaksH2ByAlpnWithTheSameRoutingAndPlugins() throws Exception {
    start();
    HttpClient client = h2Client();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(tls("/echo/a?x=1")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("web GET /echo/a?x=1");
    int last = backend.requests.size() - 1;
    assertThat(backend.requests.get(last).keySet()).noneMatch(h -> h.toLowerCase().startsWith("x-http2"));
    assertThat(backend.header(last, "X-forwarded-proto")).isEqualTo("https");
    assertThat(backend.header(last, "Host")).isEqualTo("localhost:" + gateway.tlsAddress().getPort());

    // the upstream connection the first request used is reused, and finds nothing left over from it
    assertThat(client.send(HttpRequest.newBuilder(tls("/echo/a2")).build(), HttpResponse.BodyHandlers.ofString()).body())
        .startsWith("web GET /echo/a2");
    assertThat(backend.hits.get()).isEqualTo(2);
    HttpResponse<String> refused = client.send(HttpRequest.newBuilder(tls("/locked/x"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(refused.statusCode()).isEqualTo(401);
    // the connection survives a refused stream: the next request on it is served
    assertThat(client.send(HttpRequest.newBuilder(tls("/echo/b")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void manyStreamsOnOneConnectionAndBodiesBothWays() throws Exception {
    start();
    HttpClient client = h2Client();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      all.add(client.sendAsync(HttpRequest.newBuilder(tls("/echo/" + i)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < all.size(); i++) {
      HttpResponse<String> r = all.get(i).get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.body()).startsWith("web GET /echo/" + i + " ");
    }
    byte[] upload = new byte[8 * 1024 * 1024];
    HttpResponse<String> up = client.send(HttpRequest.newBuilder(tls("/upload"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(up.body()).isEqualTo("received " + upload.length);
    HttpResponse<byte[]> down = client.send(HttpRequest.newBuilder(tls("/download?bytes=" + (9 * 1024 * 1024 + 7))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(down.body()).hasSize(9 * 1024 * 1024 + 7);
  }

  @Test
  void aClientThatStopsReadingStopsTheUpstreamThroughFlowControl() throws Exception {
    start();
    HttpClient client = h2Client();
    long total = 128L * 1024 * 1024;
    HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(tls("/download?bytes=" + total)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    try (InputStream in = r.body()) {
      assertThat(in.readNBytes(1024)).hasSize(1024);
      // the client reads nothing more: the upstream must stall well before the end
      long[] last = {-1};
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        long now = backend.downloaded.get();
        boolean still = now == last[0];
        last[0] = now;
        return still;
      });
      // the JDK client opens a 16 MiB stream window; beyond it only socket buffers may hold bytes
      assertThat(backend.downloaded.get()).as("bytes the upstream got out while the client read 1 KiB")
          .isLessThan(32L * 1024 * 1024);
      long rest = 1024;
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        rest += n;
      }
      assertThat(rest).isEqualTo(total);
    }
  }

  @Test
  void thePlainListenerTakesH2cWithPriorKnowledgeWhenAskedAndHttp11Always() throws Exception {
    start("--h2c", "true");
    String url = "http://127.0.0.1:" + gateway.dataAddress().getPort() + "/echo/c";
    Process h2 = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-o", "-", "-w", "\n%{http_version} %{http_code}", url)
        .redirectErrorStream(true).start();
    assertThat(h2.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(h2.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).startsWith("web GET /echo/c").endsWith("\n2 200");

    HttpResponse<String> h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(h1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(h1.statusCode()).isEqualTo(200);
  }

  @Test
  void withHttp2OffTheTlsListenerOffersOnlyHttp11AndTheDefaultPlainListenerNoH2c() throws Exception {
    start("--http2", "false");
    HttpResponse<String> r = h2Client().send(HttpRequest.newBuilder(tls("/echo/d")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.statusCode()).isEqualTo(200);
    Process h2 = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
        "http://127.0.0.1:" + gateway.dataAddress().getPort() + "/echo/e").redirectErrorStream(true).start();
    assertThat(h2.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(h2.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("2 200"); // the preface is no HTTP/1.1 request: refused
  }
}
