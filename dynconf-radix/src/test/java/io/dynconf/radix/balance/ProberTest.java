package io.dynconf.radix.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SocketProber} against real sockets: JDK HttpServer/HttpsServer backends and raw server sockets. */
class ProberTest {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private static SSLContext serverTls;
  private static SSLContext trustingClient;

  private final SocketProber prober = SocketProber.builder().threadName("test-prober").build();
  private final List<AutoCloseable> closing = new ArrayList<>();

  /** A self-signed certificate for localhost and 127.0.0.1, made by the JDK's keytool. */
  @BeforeAll
  static void certificate(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("backend.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "backend", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as("keytool: %s", out).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("backend", keys.getCertificate("backend"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    trustingClient = SSLContext.getInstance("TLS");
    trustingClient.init(null, tmf.getTrustManagers(), null);
  }

  @AfterEach
  void stop() throws Exception {
    prober.close();
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closing.add(c);
    return c;
  }

  static ProbeTarget target(String type, String host, int port, @Nullable String hostHeader, String path, List<String> headers,
      Duration timeout, boolean verify) {
    return new ProbeTarget("u", new Node(host, port, 1, 0, Map.of()), type, hostHeader, port, "GET", path, "", headers,
        timeout, verify);
  }

  static ProbeTarget http(int port, String path) {
    return target("http", "127.0.0.1", port, null, path, List.of(), Duration.ofSeconds(2), true);
  }

  private static ProbeResult get(CompletableFuture<ProbeResult> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  /** A port nobody listens on (bound, then released). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void tcpProbesAnAcceptedConnectionAndARefusedOne() throws Exception {
    ServerSocket open = closing(new ServerSocket(0, 8, InetAddress.getLoopbackAddress()));
    assertThat(get(prober.probe(target("tcp", "127.0.0.1", open.getLocalPort(), null, "/", List.of(), Duration.ofSeconds(2), true))))
        .isEqualTo(ProbeResult.connected());
    assertThat(get(prober.probe(target("tcp", "127.0.0.1", closedPort(), null, "/", List.of(), Duration.ofSeconds(2), true))))
        .isEqualTo(ProbeResult.failed());
  }

  @Test
  void httpSendsThePathHostAndHeadersAndReadsTheStatus() throws Exception {
    Backend backend = closing(Backend.http());
    ProbeTarget t = target("http", "127.0.0.1", backend.port(), "svc.example", "/health?deep=1",
        List.of("X-Probe: dynconf", "Authorization: Bearer t0k"), Duration.ofSeconds(2), true);

    assertThat(get(prober.probe(t))).isEqualTo(ProbeResult.status(200));
    backend.status.set(503);
    assertThat(get(prober.probe(t))).isEqualTo(ProbeResult.status(503));

    Backend.Seen seen = backend.seen.get(0);
    assertThat(seen.method()).isEqualTo("GET");
    assertThat(seen.path()).isEqualTo("/health");
    assertThat(seen.host()).isEqualTo("svc.example");
    assertThat(seen.headers()).contains("x-probe: dynconf", "authorization: Bearer t0k");
  }

  @Test
  void withoutAHostTheNodesHostIsSentAndANodeByNameIsResolvedOffTheCallersThread() throws Exception {
    Backend backend = closing(Backend.http());
    assertThat(get(prober.probe(target("http", "localhost", backend.port(), null, "/", List.of(), Duration.ofSeconds(2), true))))
        .isEqualTo(ProbeResult.status(200));
    assertThat(backend.seen.get(0).host()).isEqualTo("localhost");
    assertThat(get(prober.probe(target("http", "no-such-host.invalid", backend.port(), null, "/", List.of(),
        Duration.ofSeconds(5), true)))).isEqualTo(ProbeResult.failed());
  }

  @Test
  void aBackendThatAcceptsAndNeverAnswersTimesOutWithinTheTimeout() throws Exception {
    ServerSocket silent = closing(new ServerSocket(0, 8, InetAddress.getLoopbackAddress()));
    List<Socket> held = new CopyOnWriteArrayList<>();
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          held.add(silent.accept()); // accept and say nothing
        }
      } catch (IOException closed) {
        // the test is over
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();

    long start = System.nanoTime();
    ProbeResult r = get(prober.probe(target("http", "127.0.0.1", silent.getLocalPort(), null, "/", List.of(),
        Duration.ofMillis(300), true)));
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(r).isEqualTo(ProbeResult.timedOut());
    assertThat(tookMs).isBetween(250L, 5_000L);
    assertThat(prober.inFlight()).isZero();
    for (Socket s : held) {
      s.close();
    }
  }

  /** A server that answers each connection with these bytes and closes it. */
  private int rawServer(String answer) throws IOException {
    ServerSocket server = closing(new ServerSocket(0, 8, InetAddress.getLoopbackAddress()));
    Thread t = new Thread(() -> {
      try {
        while (true) {
          try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            if (in.read(buf) < 0) { // the request head
              continue;
            }
            OutputStream out = s.getOutputStream();
            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
          }
        }
      } catch (IOException closed) {
        // the test is over
      }
    });
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  @Test
  void aGarbledStatusLineIsStatusZeroAndAnEarlyCloseIsAFailure() throws Exception {
    assertThat(get(prober.probe(http(rawServer("SSH-2.0-OpenSSH_9.6\r\n"), "/")))).isEqualTo(ProbeResult.status(0));
    assertThat(get(prober.probe(http(rawServer(""), "/")))).isEqualTo(ProbeResult.failed());
    assertThat(get(prober.probe(http(rawServer("HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n"), "/"))))
        .isEqualTo(ProbeResult.status(302));
    assertThat(get(prober.probe(http(rawServer("x".repeat(10_000)), "/")))).isEqualTo(ProbeResult.status(0));
  }

  @Test
  void statusLinesParseAsLuaResty() {
    assertThat(SocketProber.parseStatus("HTTP/1.1 200 OK")).isEqualTo(200);
    assertThat(SocketProber.parseStatus("HTTP/1.0 404")).isEqualTo(404);
    assertThat(SocketProber.parseStatus("http/1.1  503 x")).isEqualTo(503);
    assertThat(SocketProber.parseStatus("HTTP/2 200")).isZero();
    assertThat(SocketProber.parseStatus("HTTP/1.1 20")).isZero();
    assertThat(SocketProber.parseStatus("HTTP/1.1200")).isZero();
    assertThat(SocketProber.parseStatus("")).isZero();
  }

  @Test
  void httpsHonoursVerifyCertificate() throws Exception {
    Backend backend = closing(Backend.https(serverTls));
    int port = backend.port();

    // not verified: the self-signed certificate is accepted
    assertThat(get(prober.probe(target("https", "127.0.0.1", port, null, "/", List.of(), Duration.ofSeconds(5), false))))
        .isEqualTo(ProbeResult.status(200));
    // verified against the JDK trust store: refused, a failed probe
    assertThat(get(prober.probe(target("https", "127.0.0.1", port, "localhost", "/", List.of(), Duration.ofSeconds(5), true))))
        .isEqualTo(ProbeResult.failed());

    try (SocketProber trusting = SocketProber.builder().sslContext(trustingClient).build()) {
      // trusted chain, name in the certificate (as DNS name and as IP)
      assertThat(get(trusting.probe(target("https", "127.0.0.1", port, "localhost", "/", List.of(), Duration.ofSeconds(5), true))))
          .isEqualTo(ProbeResult.status(200));
      assertThat(get(trusting.probe(target("https", "127.0.0.1", port, null, "/", List.of(), Duration.ofSeconds(5), true))))
          .isEqualTo(ProbeResult.status(200));
      // trusted chain, wrong name: refused
      assertThat(get(trusting.probe(target("https", "127.0.0.1", port, "other.example", "/", List.of(), Duration.ofSeconds(5), true))))
          .isEqualTo(ProbeResult.failed());
      // the same name unverified: fine
      assertThat(get(trusting.probe(target("https", "127.0.0.1", port, "other.example", "/", List.of(), Duration.ofSeconds(5), false))))
          .isEqualTo(ProbeResult.status(200));
    }
    assertThat(backend.seen).extracting(Backend.Seen::host).contains("127.0.0.1", "localhost", "other.example");
  }

  @Test
  void anHttpsProbeOfAPlainBackendFails() throws Exception {
    Backend backend = closing(Backend.http());
    // the JDK server waits for a request head it never gets: a timeout, or a failure if it gives up first
    assertThat(get(prober.probe(target("https", "127.0.0.1", backend.port(), null, "/", List.of(), Duration.ofMillis(500), false))))
        .isIn(ProbeResult.failed(), ProbeResult.timedOut());
  }

  @Test
  void beyondMaxInFlightAProbeIsSkippedAndCloseEndsTheRestAsSkipped() throws Exception {
    ServerSocket silent = closing(new ServerSocket(0, 8, InetAddress.getLoopbackAddress()));
    try (SocketProber small = SocketProber.builder().maxInFlight(2).build()) {
      ProbeTarget t = target("http", "127.0.0.1", silent.getLocalPort(), null, "/", List.of(), Duration.ofSeconds(30), true);
      CompletableFuture<ProbeResult> a = small.probe(t);
      CompletableFuture<ProbeResult> b = small.probe(t);
      assertThat(get(small.probe(t))).isEqualTo(ProbeResult.skipped());
      assertThat(small.inFlight()).isEqualTo(2);

      small.close();
      assertThat(get(a)).isEqualTo(ProbeResult.skipped());
      assertThat(get(b)).isEqualTo(ProbeResult.skipped());
      assertThat(small.inFlight()).isZero();
      assertThat(get(small.probe(t))).isEqualTo(ProbeResult.skipped());
    }
  }

  @Test
  void manyProbesShareOneIoThread() throws Exception {
    Backend backend = closing(Backend.http());
    List<CompletableFuture<ProbeResult>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      // 200 connections at once overflow the backend's accept queue (16): the kernel drops SYNs and
      // the client resends them after 1 s, 3 s...; the thread count is under test, not the timeout
      all.add(prober.probe(target("http", "127.0.0.1", backend.port(), null, "/n" + i, List.of(), Duration.ofSeconds(30), true)));
    }
    for (CompletableFuture<ProbeResult> f : all) {
      assertThat(get(f)).isEqualTo(ProbeResult.status(200));
    }
    long ioThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("test-prober-io")).count();
    assertThat(ioThreads).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> prober.inFlight() == 0);
  }

  @Test
  void aBodyIsSentWithItsLength() throws Exception {
    Backend backend = closing(Backend.http());
    ProbeTarget t = new ProbeTarget("u", new Node("127.0.0.1", backend.port(), 1, 0, Map.of()), "http", null, backend.port(),
        "POST", "/check", "{\"ping\":1}", List.of("Content-Type: application/json"), Duration.ofSeconds(2), true);
    assertThat(get(prober.probe(t))).isEqualTo(ProbeResult.status(200));
    assertThat(backend.seen.get(0).method()).isEqualTo("POST");
    assertThat(backend.seen.get(0).headers()).contains("content-length: 10");
  }
}
