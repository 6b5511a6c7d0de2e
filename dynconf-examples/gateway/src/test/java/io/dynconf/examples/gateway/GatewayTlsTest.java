package io.dynconf.examples.gateway;

import io.dynconf.core.tls.Certificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.examples.gateway.tls.KeyEncryption;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS listener end to end: the gateway on real sockets, ssls written through the admin API,
 * a JDK TLS client that sends (or omits) SNI and trusts only the test CA and the gateway's default
 * certificate; each test asserts which certificate was served by its serial number.
 */
class GatewayTlsTest {
  private static final String KEY = GatewayAdminTest.KEY;
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Certificates.Issued CA = Certificates.builder("dynconf tls test CA").ca().issue();
  private static final String SEALING_KEY = "k1:" + Base64.getEncoder().encodeToString(random(32));

  @TempDir Path dir;
  private Backend backend;
  private Gateway gateway;
  private TrustManager[] trust;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    backend = new Backend("web");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--tls-listen", "127.0.0.1:0", "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", KEY,
        "--tls-key-encryption-key", SEALING_KEY}));
    trust = trusting(CA.certificate(), gateway.certificates().defaultCertificate());
    assertThat(admin("PUT", "/apisix/admin/upstreams/web", "{\"nodes\":{\"" + backend.node() + "\":1}}").statusCode())
        .isEqualTo(201);
    assertThat(admin("PUT", "/apisix/admin/routes/echo", "{\"uri\":\"/echo*\",\"upstream_id\":\"web\"}").statusCode())
        .isEqualTo(201);
  }

  @AfterEach
  void stop() {
    gateway.close();
    backend.close();
  }

  @Test
  void selectsByExactNameThenOneLabelWildcardThenTheDefault() throws Exception {
    Certificates.Issued exact = leaf("a.example.com");
    Certificates.Issued wildcard = leaf("*.example.com");
    putSsl("1", exact, exact.keyPem(), "a.example.com");
    putSsl("2", wildcard, wildcard.keyPem(), "*.example.com");
    await().atMost(WAIT).ignoreExceptions().until(() -> serial(served("b.example.com")).equals(serial(wildcard)));

    assertThat(serial(served("a.example.com"))).as("exact beats wildcard").isEqualTo(serial(exact));
    assertThat(serial(served("A.Example.COM"))).as("names compare case-insensitively").isEqualTo(serial(exact));
    assertThat(serial(served("b.example.com"))).isEqualTo(serial(wildcard));
    BigInteger fallback = gateway.certificates().defaultCertificate().getSerialNumber();
    assertThat(serial(served("x.b.example.com"))).as("* stands for one label").isEqualTo(fallback);
    assertThat(serial(served("example.com"))).as("* stands for a non-empty label").isEqualTo(fallback);
    assertThat(serial(served("other.org"))).isEqualTo(fallback);
    assertThat(serial(served(null))).as("no SNI").isEqualTo(fallback);

    try (SSLSocket socket = connect("b.example.com")) {
      String response = request(socket, "b.example.com", "/echo/tls");
      assertThat(response).startsWith("HTTP/1.1 200").contains("web GET /echo/tls");
    }
    assertThat(backend.header(backend.requests.size() - 1, "X-forwarded-proto")).isEqualTo("https");
  }

  @Test
  void aCertificateReplacedWhileClientsConnectReachesNewHandshakesAndOpenConnectionsKeepTheirs() throws Exception {
    Certificates.Issued first = leaf("live.example.com");
    Certificates.Issued second = leaf("live.example.com");
    putSsl("live", first, first.keyPem(), "live.example.com");
    await().atMost(WAIT).ignoreExceptions().until(() -> serial(served("live.example.com")).equals(serial(first)));

    try (SSLSocket open = connect("live.example.com")) {
      assertThat(request(open, "live.example.com", "/echo/1")).startsWith("HTTP/1.1 200");

      // clients keep connecting while the certificate is replaced: every handshake and request succeeds
      AtomicBoolean stop = new AtomicBoolean();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      Map<BigInteger, Boolean> seen = new ConcurrentHashMap<>();
      AtomicInteger handshakes = new AtomicInteger();
      Thread clients = new Thread(() -> {
        while (!stop.get()) {
          try (SSLSocket s = connect("live.example.com")) {
            seen.put(serial(s), true);
            String r = request(s, "live.example.com", "/echo/during");
            if (!r.startsWith("HTTP/1.1 200")) {
              failures.add(new AssertionError("answered " + r.lines().findFirst().orElse("")));
            }
            handshakes.incrementAndGet();
          } catch (Throwable t) {
            failures.add(t);
          }
        }
      }, "tls-clients");
      clients.start();
      try {
        await().atMost(WAIT).until(() -> handshakes.get() >= 3);
        putSsl("live", second, second.keyPem(), "live.example.com");
        await().atMost(WAIT).until(() -> seen.containsKey(serial(second)));
        int after = handshakes.get();
        await().atMost(WAIT).until(() -> handshakes.get() >= after + 3);
      } finally {
        stop.set(true);
        clients.join(WAIT.toMillis());
      }
      assertThat(failures).isEmpty();
      assertThat(seen.keySet()).containsExactlyInAnyOrder(serial(first), serial(second));

      assertThat(request(open, "live.example.com", "/echo/2")).as("the open connection still works")
          .startsWith("HTTP/1.1 200").contains("web GET /echo/2");
      assertThat(serial(open)).as("and keeps the certificate it was given").isEqualTo(serial(first));
    }
  }

  @Test
  void aKeyThatDoesNotMatchOrAnExpiredCertificateIsRefusedWithItsReason() throws Exception {
    Certificates.Issued good = leaf("bad.example.com");
    Certificates.Issued other = leaf("bad.example.com");
    Certificates.Issued expired = Certificates.builder("old.example.com").dnsNames("old.example.com").issuer(CA)
        .validity(Instant.parse("2019-01-01T00:00:00Z"), Instant.parse("2020-01-01T00:00:00Z")).issue();

    HttpResponse<String> mismatch = putSsl("bad", good, other.keyPem(), "bad.example.com");
    HttpResponse<String> old = putSsl("old", expired, expired.keyPem(), "old.example.com");
    HttpResponse<String> garbage = admin("PUT", "/apisix/admin/ssls/junk", ssl(good.certificatePem().replace("MII", "MIJ"),
        good.keyPem(), "junk.example.com"));

    assertThat(mismatch.statusCode()).isEqualTo(400);
    assertThat(mismatch.body()).contains("/key: the private key does not match the certificate in cert (subject CN=bad.example.com");
    assertThat(old.statusCode()).isEqualTo(400);
    assertThat(old.body()).contains("/cert: the certificate (subject CN=old.example.com").contains("expired at 2020-01-01T00:00:00Z");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).contains("/cert: the certificate does not parse as X.509");
    assertThat(admin("GET", "/apisix/admin/ssls/bad", null).statusCode()).as("nothing stored").isEqualTo(404);
  }

  @Test
  void aSealedKeyIsServedWhenItsKeyIdIsConfiguredAndReportedWhenNot() throws Exception {
    Certificates.Issued sealed = leaf("sealed.example.com");
    Certificates.Issued unknown = leaf("unknown.example.com");
    KeyEncryption ours = KeyEncryption.parse(List.of(SEALING_KEY));
    KeyEncryption theirs = KeyEncryption.parse(List.of("k9:" + Base64.getEncoder().encodeToString(random(16))));

    assertThat(putSsl("sealed", sealed, ours.seal(sealed.keyPem()), "sealed.example.com").statusCode()).isEqualTo(201);
    assertThat(putSsl("unknown", unknown, theirs.seal(unknown.keyPem()), "unknown.example.com").statusCode())
        .as("the admin API cannot open it, so only its shape is checked").isEqualTo(201);
    assertThat(admin("GET", "/apisix/admin/ssls/sealed", null).body()).as("keys are not read back").doesNotContain("$aesgcm$");

    await().atMost(WAIT).ignoreExceptions().until(() -> serial(served("sealed.example.com")).equals(serial(sealed)));
    await().atMost(WAIT).until(() -> gateway.certificates().problems().containsKey("unknown"));
    assertThat(gateway.certificates().problems().get("unknown"))
        .isEqualTo("cert/key: the sealed key does not open: sealed with key id \"k9\", which is not configured (known: k1)");
    assertThat(serial(served("unknown.example.com"))).isEqualTo(gateway.certificates().defaultCertificate().getSerialNumber());
  }

  @Test
  void anRsaAndAnEcdsaCertificateForTheSameNamesAreBothOffered() throws Exception {
    Certificates.Issued ec = leaf("dual.example.com");
    Certificates.Issued rsa = Certificates.builder("dual.example.com").dnsNames("dual.example.com").rsa().issuer(CA).issue();
    ObjectNode body = (ObjectNode) JSON.readTree(ssl(ec.certificatePem(), ec.keyPem(), "dual.example.com"));
    body.putArray("certs").add(rsa.certificatePem());
    body.putArray("keys").add(rsa.keyPem());
    assertThat(admin("PUT", "/apisix/admin/ssls/dual", body.toString()).statusCode()).isEqualTo(201);
    await().atMost(WAIT).ignoreExceptions().until(() -> serial(served("dual.example.com")).equals(serial(ec)));

    try (SSLSocket socket = connect("dual.example.com", "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")) {
      assertThat(serial(socket)).as("a client that only takes RSA").isEqualTo(serial(rsa));
    }
    try (SSLSocket socket = connect("dual.example.com", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
      assertThat(serial(socket)).as("a client that only takes ECDSA").isEqualTo(serial(ec));
    }
  }

  @Test
  void aClientCaRequiresAClientCertificateThatChainsToIt() throws Exception {
    Certificates.Issued server = leaf("mtls.example.com");
    ObjectNode body = (ObjectNode) JSON.readTree(ssl(server.certificatePem(), server.keyPem(), "mtls.example.com"));
    body.putObject("client").put("ca", CA.certificatePem());
    assertThat(admin("PUT", "/apisix/admin/ssls/mtls", body.toString()).statusCode()).isEqualTo(201);
    await().atMost(WAIT).until(() -> gateway.certificates().sslIdFor("mtls.example.com").equals("mtls"));

    Certificates.Issued user = Certificates.builder("user").issuer(CA).issue();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("user", user.key(), "pw".toCharArray(), new X509Certificate[] {user.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "pw".toCharArray());
    SSLContext withCertificate = SSLContext.getInstance("TLS");
    withCertificate.init(kmf.getKeyManagers(), trust, null);
    try (SSLSocket socket = (SSLSocket) withCertificate.getSocketFactory().createSocket("127.0.0.1", gateway.tlsAddress().getPort())) {
      SSLParameters p = socket.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName("mtls.example.com")));
      socket.setSSLParameters(p);
      socket.setSoTimeout((int) WAIT.toMillis());
      assertThat(request(socket, "mtls.example.com", "/echo/mtls")).startsWith("HTTP/1.1 200");
    }

    try (SSLSocket anonymous = connect("mtls.example.com")) { // TLS 1.3: the server's refusal arrives with the first read
      assertThatThrownBy(() -> request(anonymous, "mtls.example.com", "/echo/anonymous")).isInstanceOf(IOException.class);
    } catch (SSLException refusedInTheHandshake) {
      // TLS 1.2 clients learn it here
    }
  }

  // ---- helpers

  private static Certificates.Issued leaf(String name) {
    return Certificates.builder(name).dnsNames(name).issuer(CA).issue();
  }

  private HttpResponse<String> putSsl(String id, Certificates.Issued cert, String key, String sni) throws Exception {
    return admin("PUT", "/apisix/admin/ssls/" + id, ssl(cert.certificatePem(), key, sni));
  }

  private static String ssl(String cert, String key, String sni) {
    ObjectNode o = JSON.createObjectNode();
    o.put("cert", cert);
    o.put("key", key);
    o.putArray("snis").add(sni);
    return o.toString();
  }

  private HttpResponse<String> admin(String method, String path, @Nullable String body) throws Exception {
    return GatewayAdminTest.admin(http, gateway, method, path, KEY, body);
  }

  /** The leaf certificate a fresh handshake for {@code sni} gets (no SNI when null). */
  private X509Certificate served(@Nullable String sni) throws Exception {
    try (SSLSocket socket = connect(sni)) {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /**
   * A new TLS connection, from a new client context each time: the JDK's client caches sessions
   * by address, and a resumed session keeps the server name it was made for, whatever this
   * connection asks.
   */
  private SSLSocket connect(@Nullable String sni, String... protocolAndCipher) throws Exception {
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, trust, null);
    SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", gateway.tlsAddress().getPort());
    socket.setSoTimeout((int) WAIT.toMillis());
    SSLParameters p = socket.getSSLParameters();
    p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (protocolAndCipher.length == 2) {
      p.setProtocols(new String[] {protocolAndCipher[0]});
      p.setCipherSuites(new String[] {protocolAndCipher[1]});
    }
    socket.setSSLParameters(p);
    socket.startHandshake();
    return socket;
  }

  /** One keep-alive HTTP/1.1 request on an open TLS socket; the status line, headers and body. */
  private static String request(SSLSocket socket, String host, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
    StringBuilder response = new StringBuilder();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      response.append(line).append('\n');
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    char[] body = new char[length];
    for (int n = 0; n < length; ) {
      int r = in.read(body, n, length - n);
      if (r < 0) {
        throw new IOException("connection closed in the body");
      }
      n += r;
    }
    return response.append('\n').append(body).toString();
  }

  private static BigInteger serial(SSLSocket socket) throws IOException {
    return serial((X509Certificate) socket.getSession().getPeerCertificates()[0]);
  }

  private static BigInteger serial(X509Certificate certificate) {
    return certificate.getSerialNumber();
  }

  private static BigInteger serial(Certificates.Issued issued) {
    return issued.certificate().getSerialNumber();
  }

  private static TrustManager[] trusting(X509Certificate... anchors) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < anchors.length; i++) {
      trust.setCertificateEntry("anchor-" + i, anchors[i]);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
