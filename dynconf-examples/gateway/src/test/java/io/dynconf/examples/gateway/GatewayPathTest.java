package io.dynconf.examples.gateway;

import static io.dynconf.netty.contract.NormalisingBackend.rawGet;
import static io.dynconf.netty.contract.NormalisingBackend.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.netty.contract.NormalisingBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, items 1 and 5, over raw sockets: {@code key-auth} on {@code /private/*}, a public
 * {@code /*}, both on a {@link NormalisingBackend}; no spelling of a private path reaches it without
 * the key, what goes upstream is the client's own target, and the request rules of RFC 9112 where
 * nginx is strict (one valid {@code Host}; absolute-form targets routed by path and authority).
 */
class GatewayPathTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private NormalisingBackend backend;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    backend = NormalisingBackend.start();
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
    put("/apisix/admin/upstreams/open", "{\"nodes\":{\"" + backend.node() + "\":1}}");
    put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"jack-key\"}}}");
    put("/apisix/admin/routes/private", "{\"uri\":\"/private/*\",\"upstream_id\":\"open\",\"plugins\":{\"key-auth\":{}}}");
    put("/apisix/admin/routes/public", "{\"uri\":\"/*\",\"upstream_id\":\"open\"}");
    put("/apisix/admin/routes/hosted", "{\"uri\":\"/hosted\",\"hosts\":[\"h.test\"],\"upstream_id\":\"open\","
        + "\"plugins\":{\"proxy-rewrite\":{\"uri\":\"/public/hosted\"}}}");
    await().atMost(WAIT).until(() -> status(get("/private/x")) == 401 && status(get("/public/x")) == 200);
  }

  @AfterEach
  void stop() throws IOException {
    gateway.close();
    backend.close();
  }

  private void put(String path, String body) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", path, GatewayAdminTest.KEY, body);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isIn(200, 201);
  }

  private String get(String target, String... headers) throws IOException {
    return rawGet(gateway.dataAddress().getPort(), target, "gw.test", headers);
  }

  private String raw(String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.dataAddress().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void malformedEscapesInTheQueryOrTheAdminPathAreAnsweredNeverDropped() throws Exception {
    // route vars read $arg_a; a client's %zz is its value, kept as written (as nginx), not an
    // exception that dropped the connection without an answer
    put("/apisix/admin/routes/vars", "{\"uri\":\"/v\",\"vars\":[[\"arg_a\",\"==\",\"%zz\"]],\"upstream_id\":\"open\","
        + "\"plugins\":{\"proxy-rewrite\":{\"uri\":\"/public/vars-matched\"}}}");
    await().atMost(WAIT).until(() -> get("/v?a=%25zz").contains("vars-matched"));
    String kept = get("/v?a=%zz");
    assertThat(status(kept)).isEqualTo(200);
    assertThat(kept).as("kept as written: equals the route's %zz").contains("vars-matched");
    for (String q : new String[] {"a=%", "a=%4", "a=%E0%A4%A", "a=%C3", "%zz=1&a=%G1"}) {
      String answer = get("/v?" + q);
      assertThat(status(answer)).as(q + ": " + answer).isEqualTo(200); // the public /* route: vars not met
      assertThat(answer).as(q).doesNotContain("vars-matched");
    }
    put("/apisix/admin/routes/jwt", "{\"uri\":\"/jwt\",\"upstream_id\":\"open\",\"plugins\":{\"jwt-auth\":{\"hide_credentials\":true}}}");
    await().atMost(WAIT).until(() -> status(get("/jwt?jwt=x")) == 401);
    assertThat(status(get("/jwt?jwt=x&b=%zz"))).isEqualTo(401);

    // the admin listener: 400 naming the target, with and without a key
    int admin = gateway.adminAddress().getPort();
    assertThat(status(rawGet(admin, "/apisix/admin/routes/%zz", "127.0.0.1", "X-API-KEY: " + GatewayAdminTest.KEY))).isEqualTo(400);
    String anonymous = rawGet(admin, "/%zz", "127.0.0.1");
    assertThat(status(anonymous)).isEqualTo(400);
    assertThat(anonymous).contains("malformed request target");
  }

  @Test
  void aHostWithAFinalDotReachesItsHostsRouteAndItsPlugins() throws Exception {
    put("/apisix/admin/routes/secret", "{\"uri\":\"/s/*\",\"hosts\":[\"secret.test\"],\"upstream_id\":\"open\","
        + "\"plugins\":{\"key-auth\":{}}}");
    await().atMost(WAIT).until(() -> status(rawGet(gateway.dataAddress().getPort(), "/s/x", "secret.test")) == 401);
    assertThat(status(rawGet(gateway.dataAddress().getPort(), "/s/x", "secret.test."))).as("the final dot changes nothing").isEqualTo(401);
    assertThat(status(rawGet(gateway.dataAddress().getPort(), "http://SECRET.TEST./s/x", "public.test"))).isEqualTo(401);
    assertThat(status(rawGet(gateway.dataAddress().getPort(), "/s/x", "secret.test.", "apikey: jack-key"))).isEqualTo(200);
  }

  @Test
  void noSpellingOfAPrivatePathReachesItWithoutTheKey() throws Exception {
    for (String target : NormalisingBackend.SPELLINGS) {
      assertThat(NormalisingBackend.gullible(target)).as("the backend serves %s as private", target).startsWith("/private/");
      String r = get(target);
      assertThat(status(r)).as("%s: %s", target, r).isIn(400, 401);
      assertThat(r).as(target).doesNotContain("PRIVATE");
      String absolute = get("http://gw.test" + target);
      assertThat(status(absolute)).as("absolute-form %s: %s", target, absolute).isIn(400, 401);
      assertThat(absolute).doesNotContain("PRIVATE");
    }
  }

  /**
   * Random spellings built from the pieces attackers use: whenever the gullible backend would read
   * one as a private path, the gateway must not answer it with the backend's content without the
   * key. Prints its seed; replay with {@code -Ddynconf.seed=...}.
   */
  @Test
  void randomSpellingsNeverReachThePrivateContent() throws Exception {
    long seed = Long.getLong("dynconf.seed", System.nanoTime());
    System.out.println("GatewayPathTest.randomSpellings seed " + seed + " (rerun with -Ddynconf.seed=" + seed + ")");
    java.util.Random random = new java.util.Random(seed);
    int privateSpellings = 0;
    for (int i = 0; i < 600; i++) {
      String target = NormalisingBackend.randomTarget(random, i);
      boolean isPrivate = NormalisingBackend.gullible(target).startsWith("/private/");
      privateSpellings += isPrivate ? 1 : 0;
      String r = get(target);
      assertThat(r).as("seed %d: %s -> %s", seed, target, r).doesNotContain("PRIVATE");
      assertThat(status(r)).as("seed %d: %s", seed, target).isIn(200, 400, 401, 404);
    }
    System.out.println(privateSpellings + " of 600 random targets were private to the backend");
  }

  @Test
  void theDecodedSpellingPassesWithTheKeyAndTheUpstreamGetsTheClientsTarget() throws Exception {
    String r = get("/%70rivate/x?q=%2e", "apikey: jack-key");
    assertThat(status(r)).as(r).isEqualTo(200);
    assertThat(r).contains("PRIVATE /private/x");
    assertThat(backend.targets).last().isEqualTo("/%70rivate/x?q=%2e");

    r = get("/public/\u00c3\u00a9"); // raw UTF-8 bytes of "é": percent-encoded upstream, not re-encoded into other characters
    assertThat(status(r)).isEqualTo(200);
    assertThat(backend.targets).last().isEqualTo("/public/%C3%A9");

    r = get("/public/items/a%2Fb"); // an id with an encoded slash survives
    assertThat(status(r)).isEqualTo(200);
    assertThat(r).contains("public /public/items/a%2Fb");
  }

  @Test
  void refusesWhatNginxRefusesWith400() throws Exception {
    int before = backend.targets.size();
    for (String target : new String[] {"/a%00b", "/..", "/a/../..", "/%zz", "/%4", "/a%2", "*"}) {
      String r = get(target);
      assertThat(status(r)).as("%s: %s", target, r).isEqualTo(400);
      assertThat(r).containsIgnoringCase("Connection: close");
    }
    assertThat(backend.targets).as("nothing refused reached the upstream").hasSize(before);
  }

  @Test
  void hostRulesOfHttp11() throws Exception {
    assertThat(status(raw("GET /public/x HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"))).isEqualTo(400);
    assertThat(status(raw("GET /public/x HTTP/1.1\r\nConnection: close\r\n\r\n"))).isEqualTo(400);
    assertThat(status(raw("GET /public/x HTTP/1.1\r\nHost: good/private\r\nConnection: close\r\n\r\n"))).isEqualTo(400);
    assertThat(status(raw("GET /public/x HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n"))).isEqualTo(400);
    assertThat(status(raw("GET /public/x HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n"))).isEqualTo(400);
    assertThat(status(raw("GET http://h/public/x HTTP/1.1\r\nConnection: close\r\n\r\n"))).isEqualTo(400);
    // HTTP/1.0 needs no Host
    assertThat(status(raw("GET /public/x HTTP/1.0\r\n\r\n"))).isEqualTo(200);
    assertThat(status(raw("GET /public/x HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n"))).isEqualTo(200);
  }

  @Test
  void absoluteFormIsRoutedByItsPathAndHost() throws Exception {
    String r = raw("GET http://gw.test/public/abs?q=1 HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n");
    assertThat(status(r)).as(r).isEqualTo(200);
    assertThat(r).contains("public /public/abs?q=1"); // origin-form upstream
    // the authority wins over the Host header (RFC 9112 3.2.2): the hosts route matches
    r = raw("GET http://h.test/hosted HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n");
    assertThat(status(r)).as(r).isEqualTo(200);
    assertThat(r).contains("public /public/hosted");
    r = raw("GET /hosted HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n");
    assertThat(r).doesNotContain("public /public/hosted");
  }

  @Test
  void pipelinedSpellingsEachPassTheGuard() throws Exception {
    String r = raw("GET /public/a HTTP/1.1\r\nHost: x\r\n\r\nGET /public/../private/x HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /public/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(r).contains("public /public/a").doesNotContain("PRIVATE").contains("HTTP/1.1 401");
  }
}
