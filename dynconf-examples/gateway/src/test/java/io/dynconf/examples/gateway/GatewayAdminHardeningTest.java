package io.dynconf.examples.gateway;

import io.dynconf.core.tls.Certificates;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener against hostile or careless clients, over real sockets: the key is checked on
 * the head before a body is read, pipelined requests are answered and applied in order, the metrics
 * endpoint can require a key, and the API can be served over HTTPS.
 */
class GatewayAdminHardeningTest {
  private static final String KEY = GatewayAdminTest.KEY;
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Gateway start(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", KEY, "--viewer-key", GatewayAdminTest.VIEWER));
    args.addAll(List.of(extra));
    return Gateway.start(GatewayConfig.parse(args.toArray(String[]::new)));
  }

  /**
   * 200 clients without a key each send a head announcing a 1 MB body, part of it, then stall: each
   * is answered 401 from its head at once (and closed), and an authenticated request is answered
   * while they all still hold their sockets. Before, the listener read whole bodies first and
   * answered nothing until a body was complete.
   */
  @Test
  void unauthenticatedPartialBodiesAreRefusedFromTheHeadAndStarveNothing() throws Exception {
    try (Gateway gw = start()) {
      int port = gw.adminAddress().getPort();
      List<Socket> attackers = new ArrayList<>();
      try {
        byte[] partial = new byte[16 * 1024];
        java.util.Arrays.fill(partial, (byte) 'x');
        for (int i = 0; i < 200; i++) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
          s.setSoTimeout(5000);
          attackers.add(s);
          OutputStream out = s.getOutputStream();
          out.write(("PUT /apisix/admin/routes/" + i + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Content-Length: 1048576\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          try {
            out.write(partial);
            out.flush();
          } catch (IOException closedAlready) {
            // the listener answered from the head and closed: what this test wants
          }
        }
        for (Socket s : attackers) {
          String head = readHead(s.getInputStream());
          assertThat(head).as("a keyless request is answered from its head").startsWith("HTTP/1.1 401");
          assertThat(head.toLowerCase()).contains("connection: close");
        }
        long t0 = System.nanoTime();
        HttpResponse<String> r = GatewayAdminTest.admin(http, gw, "PUT", "/apisix/admin/upstreams/1", KEY,
            "{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:1\":1}}");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(GatewayAdminTest.admin(http, gw, "GET", "/apisix/admin/upstreams/1", KEY, null).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answered while 200 attackers hold their sockets")
            .isLessThan(Duration.ofSeconds(5));
      } finally {
        for (Socket s : attackers) {
          s.close();
        }
      }
    }
  }

  /**
   * A flood of silent connections fills the admin listener: the operator still gets in (the oldest
   * connection that showed no key is closed to make room), and a connection that showed the key is
   * never the one closed.
   */
  @Test
  void silentConnectionsFillingTheListenerMakeRoomForTheOperator() throws Exception {
    try (Gateway gw = start()) {
      int port = gw.adminAddress().getPort();
      List<Socket> silent = new ArrayList<>();
      try (Socket operator = new Socket("127.0.0.1", port)) {
        operator.setSoTimeout(5000);
        String get = "GET /apisix/admin/routes HTTP/1.1\r\nHost: x\r\nX-API-KEY: " + KEY + "\r\n\r\n";
        operator.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
        assertThat(readResponse(operator.getInputStream())).startsWith("HTTP/1.1 200"); // proven from here on
        for (int i = 0; i < 300; i++) { // more than the listener holds
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
          s.setSoTimeout(5000);
          silent.add(s);
        }
        // a new operator connection gets in and is answered
        HttpResponse<String> r = GatewayAdminTest.admin(http, gw, "GET", "/apisix/admin/routes", KEY, null);
        assertThat(r.statusCode()).isEqualTo(200);
        // the first silent connections were closed to make room; the proven one still answers
        assertThat(silent.get(0).getInputStream().read()).as("the oldest silent connection was closed").isEqualTo(-1);
        operator.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
        assertThat(readResponse(operator.getInputStream())).startsWith("HTTP/1.1 200");
      } finally {
        for (Socket s : silent) {
          s.close();
        }
      }
    }
  }

  /** A viewer's write, a wrong key and an oversized body are all refused before the body is read. */
  @Test
  void viewerWritesAndOversizedBodiesAreRefusedFromTheHead() throws Exception {
    try (Gateway gw = start()) {
      int port = gw.adminAddress().getPort();
      for (String[] c : new String[][] {
          {"X-API-KEY: " + GatewayAdminTest.VIEWER, "1000", "403"},
          {"X-API-KEY: wrong-key-0123456789abcdef", "1000", "401"},
          {"X-API-KEY: " + KEY, "2000000", "413"}}) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.setSoTimeout(5000);
          s.getOutputStream().write(("PUT /apisix/admin/routes/1 HTTP/1.1\r\nHost: x\r\n" + c[0] + "\r\nContent-Length: " + c[1]
              + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
          assertThat(readHead(s.getInputStream())).as(c[0]).startsWith("HTTP/1.1 " + c[2]);
        }
      }
    }
  }

  /** PUT, GET, PUT, GET, PUT, GET sent at once on one connection: answered and applied in that order. */
  @Test
  void pipelinedRequestsAreAnsweredAndAppliedInOrder() throws Exception {
    try (Gateway gw = start()) {
      assertThat(GatewayAdminTest.admin(http, gw, "PUT", "/apisix/admin/upstreams/1", KEY,
          "{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:1\":1}}").statusCode()).isEqualTo(201);
      for (int run = 0; run < 3; run++) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 3; i++) {
          String body = "{\"uri\":\"/p\",\"upstream_id\":\"1\",\"desc\":\"v" + (run * 10 + i * 2) + "\"}";
          batch.append("PUT /apisix/admin/routes/p HTTP/1.1\r\nHost: x\r\nX-API-KEY: ").append(KEY)
              .append("\r\nContent-Length: ").append(body.length()).append("\r\n\r\n").append(body);
          batch.append("GET /apisix/admin/routes/p HTTP/1.1\r\nHost: x\r\nX-API-KEY: ").append(KEY).append("\r\n\r\n");
        }
        try (Socket s = new Socket("127.0.0.1", gw.adminAddress().getPort())) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write(batch.toString().getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          InputStream in = s.getInputStream();
          for (int i = 0; i < 3; i++) {
            String put = readResponse(in);
            assertThat(put).as("answer %d of run %d", 2 * i, run).matches("(?s)HTTP/1.1 20[01].*");
            assertThat(put).contains("\"desc\":\"v" + (run * 10 + i * 2) + "\"");
            String get = readResponse(in);
            assertThat(get).as("answer %d of run %d: the GET sees the PUT before it", 2 * i + 1, run)
                .startsWith("HTTP/1.1 200").contains("\"desc\":\"v" + (run * 10 + i * 2) + "\"");
          }
        }
        assertThat(GatewayAdminTest.admin(http, gw, "GET", "/apisix/admin/routes/p", KEY, null).body())
            .as("the last PUT sent is the value kept").contains("\"desc\":\"v" + (run * 10 + 4) + "\"");
      }
    }
  }

  @Test
  void metricsNeedNoKeyByDefaultAndAKeyWhenRequired() throws Exception {
    try (Gateway gw = start()) {
      assertThat(get(gw, "/apisix/prometheus/metrics", null).statusCode()).isEqualTo(200);
    }
    try (Gateway gw = start("--metrics-require-key", "true")) {
      assertThat(get(gw, "/apisix/prometheus/metrics", null).statusCode()).isEqualTo(401);
      assertThat(get(gw, "/apisix/prometheus/metrics", "wrong-key-0123456789abcdef").statusCode()).isEqualTo(401);
      assertThat(get(gw, "/apisix/prometheus/metrics", GatewayAdminTest.VIEWER).statusCode()).isEqualTo(200);
      assertThat(get(gw, "/apisix/prometheus/metrics", KEY).body()).contains("# TYPE");
    }
  }

  @Test
  void adminTlsServesTheApiOverHttps() throws Exception {
    Certificates.Issued own = Certificates.builder("localhost").dnsNames("localhost").issue();
    Path cert = Files.writeString(dir.resolve("admin.pem"), own.certificatePem());
    Path key = Files.writeString(dir.resolve("admin-key.pem"), own.keyPem());
    try (Gateway gw = start("--admin-tls", cert + "," + key)) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("own", own.certificate());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
      URI base = URI.create("https://localhost:" + gw.adminAddress().getPort());
      HttpResponse<String> put = https.send(HttpRequest.newBuilder(base.resolve("/apisix/admin/upstreams/1")).header("X-API-KEY", KEY)
          .PUT(HttpRequest.BodyPublishers.ofString("{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:1\":1}}")).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(201);
      HttpResponse<String> list = https.send(HttpRequest.newBuilder(base.resolve("/apisix/admin/upstreams")).header("X-API-KEY", KEY)
          .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(list.body()).contains("/apisix/upstreams/1");
      try (Socket plain = new Socket("127.0.0.1", gw.adminAddress().getPort())) { // plain HTTP gets no answer from the API
        plain.setSoTimeout(5000);
        plain.getOutputStream().write(("GET /apisix/admin/upstreams HTTP/1.1\r\nHost: x\r\nX-API-KEY: " + KEY + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        String answer = new String(plain.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).doesNotContain("/apisix/upstreams/1");
      } catch (IOException reset) {
        // closed by the TLS handler: fine
      }
    }
  }

  @Test
  void adminTlsFlagNeedsACertificateAndAKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--admin-tls", "only.pem"}))
        .hasMessageContaining("--admin-tls");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--metrics-require-key", "yes"}))
        .hasMessageContaining("--metrics-require-key");
  }

  private HttpResponse<String> get(Gateway gw, String path, String key) throws Exception {
    return GatewayAdminTest.admin(http, gw, "GET", path, key, null);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      if (b.size() >= 4 && b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        break;
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static final Pattern LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");

  /** One response with a Content-Length body. */
  private static String readResponse(InputStream in) throws IOException {
    String head = readHead(in);
    Matcher m = LENGTH.matcher(head);
    assertThat(m.find()).as("Content-Length in %s", head).isTrue();
    byte[] body = in.readNBytes(Integer.parseInt(m.group(1)));
    return head + new String(body, StandardCharsets.UTF_8);
  }
}
