package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's data plane in standalone mode, end to end over real sockets. */
class GatewayProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Backend a;
  private Backend b;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void backends() throws IOException {
    a = new Backend("a");
    b = new Backend("b");
    closeables.add(a);
    closeables.add(b);
  }

  @AfterEach
  void close() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private Gateway start(String yaml) throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, yaml + "\n#END\n");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(), "--standalone", file.toString(),
        "--admin-key", "test-admin-key-0123456789"}));
    return gateway;
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A raw HTTP/1.1 exchange, for headers the JDK client will not send. */
  private String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void proxiesWithForwardingHeadersAndWithoutHopByHopHeaders() throws Exception {
    start("""
        routes:
          - id: r1
            uri: /api/*
            upstream:
              nodes:
                "%s": 1
        """.formatted(a.node()));
    String response = raw("GET /api/x?q=1 HTTP/1.1\r\nHost: shop.test\r\nConnection: close, X-Drop-Me\r\n"
        + "X-Drop-Me: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nX-Forwarded-For: 203.0.113.9\r\n"
        + "X-Keep: yes\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 200").contains("a GET /api/x?q=1 body=0");
    assertThat(a.header(0, "Host")).isEqualTo("shop.test");
    assertThat(a.header(0, "X-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
    assertThat(a.header(0, "X-real-ip")).isEqualTo("127.0.0.1");
    assertThat(a.header(0, "X-forwarded-proto")).isEqualTo("http");
    assertThat(a.header(0, "X-forwarded-host")).isEqualTo("shop.test");
    assertThat(a.header(0, "X-keep")).isEqualTo("yes");
    assertThat(a.header(0, "X-drop-me")).as("named in Connection: hop-by-hop").isNull();
    assertThat(a.header(0, "Keep-alive")).isNull();
    assertThat(a.header(0, "Proxy-connection")).isNull();
    assertThat(response.toLowerCase()).as("the backend's Keep-Alive header is not passed on").doesNotContain("keep-alive: timeout");
  }

  @Test
  void answers404AsApisixDoesWhenNoRouteMatches() throws Exception {
    start("""
        routes:
          - id: r1
            uri: /only
            upstream:
              nodes:
                "%s": 1
        """.formatted(a.node()));
    HttpResponse<String> r = get("/nothing/here");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("\"error_msg\":\"404 Route Not Found\"");
    assertThat(get("/only").statusCode()).as("the connection stays usable").isEqualTo(200);
  }

  @Test
  void retriesAnotherNodeWhenOneRefusesConnectionsAndAnswers502WhenAllDo() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    start("""
        routes:
          - id: mixed
            uri: /mixed
            upstream:
              nodes:
                "127.0.0.1:%d": 1
                "%s": 1
          - id: down
            uri: /down
            upstream:
              nodes:
                "127.0.0.1:%d": 1
        """.formatted(dead, a.node(), dead));
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = get("/mixed");
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(r.body()).startsWith("a GET /mixed");
    }
    HttpResponse<String> down = get("/down");
    assertThat(down.statusCode()).isEqualTo(502);
  }

  @Test
  void answers504WhenTheUpstreamDoesNotAnswerInTime() throws Exception {
    try (SilentUpstream silent = new SilentUpstream()) {
      answers504AfterAbout300Ms("{connect: 1, send: 1, read: 0.3}", silent.port(), "the read timeout, not the default 60 s");
    }
  }

  @Test
  void answers504WhenTheUpstreamDoesNotAcceptInTime() throws Exception {
    // a listener that never accepts, its queue full: the kernel drops further SYNs, so a connect hangs
    try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> queued = new ArrayList<>();
      try {
        for (int i = 0; i < 64; i++) {
          Socket s = new Socket();
          queued.add(s);
          s.connect(full.getLocalSocketAddress(), 200);
        }
        throw new IllegalStateException("64 connections queued on a backlog of 1: the kernel did not drop SYNs");
      } catch (java.net.SocketTimeoutException expected) {
        // the queue is full now
      }
      try {
        // a connect timeout is a gateway timeout, as in nginx
        answers504AfterAbout300Ms("{connect: 0.3, send: 1, read: 1}", full.getLocalPort(), "the 0.3 s connect timeout");
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  /**
   * The upstream timer is one per client connection: after requests on routes with a long read
   * timeout have left it due far ahead, a request with a short one must still time out in time
   * (the timer is brought forward, not left to fire 60 s later).
   */
  @Test
  void aShortUpstreamTimeoutAfterLongOnesOnTheSameConnectionFiresInTime() throws Exception {
    try (SilentUpstream silent = new SilentUpstream()) {
      start("""
          routes:
            - id: fast
              uri: /fast
              upstream:
                nodes:
                  "%s": 1
            - id: slow
              uri: /slow
              timeout: {connect: 1, send: 1, read: 0.3}
              upstream:
                retries: 0
                nodes:
                  "127.0.0.1:%d": 1
          """.formatted(a.node(), silent.port()));
      try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
        s.setSoTimeout(15_000);
        java.io.BufferedInputStream in = new java.io.BufferedInputStream(s.getInputStream());
        for (int i = 0; i < 20; i++) {
          s.getOutputStream().write("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
        }
        long t0 = System.nanoTime();
        s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readResponse(in)).startsWith("HTTP/1.1 504");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(ms).as("the 0.3 s read timeout, not the 60 s the earlier requests' timer was due at").isBetween(250L, 10_000L);
        s.getOutputStream().write("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readResponse(in)).as("the connection goes on after the 504").startsWith("HTTP/1.1 200");
      }
    }
  }

  /** Starts route {@code /slow} to {@code 127.0.0.1:port} with {@code timeout}, no retries; a GET answers 504 after about 0.3 s. */
  private void answers504AfterAbout300Ms(String timeout, int port, String after) throws Exception {
    start("""
        routes:
          - id: slow
            uri: /slow
            timeout: %s
            upstream:
              retries: 0
              nodes:
                "127.0.0.1:%d": 1
        """.formatted(timeout, port));
    long t0 = System.nanoTime();
    HttpResponse<String> r = get("/slow");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(ms).as("answered after " + after).isBetween(250L, 10_000L);
  }

  /** An upstream that accepts connections and never reads or answers. */
  private static final class SilentUpstream implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0);
    private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

    SilentUpstream() throws IOException {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(server.accept());
          }
        } catch (IOException e) {
          // closed by close()
        }
      }, "silent-upstream");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  /** One HTTP/1.1 response with a Content-Length body, read from a kept-alive connection. */
  private static String readResponse(java.io.InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
    return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  @Test
  void passHostNodeAndRewrite() throws Exception {
    start("""
        routes:
          - id: node
            uri: /node
            upstream:
              pass_host: node
              nodes:
                "%s": 1
          - id: rewrite
            uri: /rewrite
            upstream:
              pass_host: rewrite
              upstream_host: internal.test
              nodes:
                "%s": 1
        """.formatted(a.node(), b.node()));
    assertThat(get("/node").statusCode()).isEqualTo(200);
    assertThat(a.header(0, "Host")).isEqualTo(a.node());
    assertThat(get("/rewrite").statusCode()).isEqualTo(200);
    assertThat(b.header(0, "Host")).isEqualTo("internal.test");
  }

  @Test
  void keepAliveConnectionsToTheUpstreamAreReused() throws Exception {
    start("""
        routes:
          - id: r
            uri: /k
            upstream:
              nodes:
                "%s": 1
        """.formatted(a.node()));
    for (int i = 0; i < 30; i++) {
      assertThat(get("/k").statusCode()).isEqualTo(200);
    }
    assertThat(a.hits.get()).isEqualTo(30);
    assertThat(a.connections).as("30 sequential requests over few upstream connections").hasSizeLessThanOrEqualTo(3);
  }

  @Test
  void requestBodiesStreamToTheUpstreamBeforeTheyEnd() throws Exception {
    start("""
        routes:
          - id: up
            uri: /upload
            upstream:
              nodes:
                "%s": 1
        """.formatted(a.node()));
    long total = 64L << 20;
    InputStream body = new InputStream() {
      long sent;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        if (sent >= total) {
          return -1;
        }
        if (sent >= (8L << 20) && sent < (8L << 20) + len) {
          // half-way: the upstream must already have bytes, or the gateway is buffering the body
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          while (a.uploaded.get() == 0) {
            if (System.nanoTime() > deadline) {
              throw new IOException("the upstream saw nothing of the first 8 MiB: the body is not streamed");
            }
            Thread.onSpinWait();
          }
        }
        int n = (int) Math.min(len, total - sent);
        sent += n;
        return n;
      }
    };
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), total)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("received " + total);
  }

  @Test
  void responseBodiesStreamToTheClientBeforeTheyEnd() throws Exception {
    start("""
        routes:
          - id: down
            uri: /gated
            upstream:
              nodes:
                "%s": 1
        """.formatted(a.node()));
    long total = 32L << 20;
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/gated?bytes=" + total)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    try (InputStream in = r.body()) {
      byte[] buf = new byte[65536];
      long got = 0;
      while (got < (1 << 20)) {
        int n = in.read(buf);
        assertThat(n).isPositive();
        got += n;
      }
      a.gate.countDown(); // the first MiB arrived while the upstream still held the rest
      int n;
      while ((n = in.read(buf)) >= 0) {
        got += n;
      }
      assertThat(got).isEqualTo(total);
    }
  }

  @Test
  void aBrokenConfigFileIsRejectedAndTheOldRoutesKeepServing() throws Exception {
    start("""
        routes:
          - id: r
            uri: /v1
            upstream:
              nodes:
                "%s": 1
        """.formatted(a.node()));
    assertThat(get("/v1").statusCode()).isEqualTo(200);
    Path file = dir.resolve("apisix.yaml");
    Path tmp = dir.resolve("apisix.yaml.tmp");
    Files.writeString(tmp, """
        routes:
          - id: r
            uri: /v2
            methods: [GETX]
            upstream:
              nodes:
                "%s": 1
        #END
        """.formatted(a.node()));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    await().atMost(WAIT).until(() -> ((io.dynconf.core.source.FileSource) gateway.source()).lastError().isPresent());
    assertThat(get("/v1").statusCode()).isEqualTo(200);
    assertThat(get("/v2").statusCode()).isEqualTo(404);

    Files.writeString(tmp, """
        routes:
          - id: r
            uri: /v2
            upstream:
              nodes:
                "%s": 1
        #END
        """.formatted(a.node()));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    await().atMost(WAIT).until(() -> get("/v2").statusCode() == 200);
    assertThat(get("/v1").statusCode()).isEqualTo(404);
  }
}
