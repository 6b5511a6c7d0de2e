package io.dynconf.netty.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.netty.contract.NormalisingBackend;
import io.dynconf.core.source.InMemorySource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every embedding of dynconf in a host server must do, end to end over real sockets: route
 * with the registry's routes, proxy to a node of the route's upstream, follow changes at run time,
 * answer APISIX's 404, spread traffic over an upstream's nodes and retry a refused connection on
 * another node. The Netty handler (NettyProxyHandlerTest), Undertow and Vert.x tests run it against their servers.
 */
public abstract class EmbeddedProxyContract {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  protected InMemorySource source;
  protected ConfigRegistry registry;
  protected Backend a;
  protected Backend b;
  private AutoCloseable app;
  private int port;

  /** Starts the embedding under test on 127.0.0.1 and a free port over a started registry. */
  protected abstract AutoCloseable startApp(ConfigRegistry registry) throws Exception;

  /** Whether the host server itself answers 400 to a malformed escape in the query (Undertow does). */
  protected boolean hostRefusesMalformedQueries() {
    return false;
  }

  /** The port the app returned by {@link #startApp} listens on. */
  protected abstract int port(AutoCloseable app);

  @BeforeEach
  void start() throws Exception {
    a = new Backend("a");
    b = new Backend("b");
    source = new InMemorySource("/apisix");
    source.put("/apisix/upstreams/u1", upstream(a));
    source.put("/apisix/routes/r1", "{\"uri\":\"/hello/:name\",\"upstream_id\":\"u1\"}");
    registry = ConfigRegistry.builder(source).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    app = startApp(registry);
    port = port(app);
  }

  @AfterEach
  void stop() throws Exception {
    if (app != null) {
      app.close();
    }
    registry.close();
    a.close();
    b.close();
  }

  @Test
  void proxiesAMatchedRequestToTheRoutesUpstream() throws Exception {
    HttpResponse<String> r = get("/hello/world?x=1&y=2");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a GET /hello/world?x=1&y=2 body=0");
    assertThat(a.lastHost()).isEqualTo("127.0.0.1:" + port); // pass_host "pass" (the default)
    assertThat(a.lastForwardedFor()).isEqualTo("127.0.0.1");
  }

  @Test
  void forwardsTheRequestBody() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/hello/upload")).timeout(WAIT)
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a POST /hello/upload body=100000");
  }

  @Test
  void answersApisix404WhenNoRouteMatches() throws Exception {
    HttpResponse<String> r = get("/nothing/here");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).isEqualToIgnoringWhitespace("{\"error_msg\":\"404 Route Not Found\"}");
    assertThat(a.hits.get()).isZero();
  }

  @Test
  void followsARouteAndItsUpstreamChangingAtRunTime() throws Exception {
    assertThat(get("/hello/world").statusCode()).isEqualTo(200);

    source.put("/apisix/routes/r1", "{\"uri\":\"/v2/*\",\"upstream_id\":\"u1\"}");
    await().atMost(WAIT).until(() -> get("/v2/anything").statusCode() == 200);
    assertThat(get("/hello/world").statusCode()).isEqualTo(404);
    assertThat(get("/v2/anything").body()).isEqualTo("a GET /v2/anything body=0");

    source.put("/apisix/upstreams/u1", upstream(b));
    await().atMost(WAIT).until(() -> get("/v2/anything").body().startsWith("b "));

    source.delete("/apisix/routes/r1");
    await().atMost(WAIT).until(() -> get("/v2/anything").statusCode() == 404);
  }

  @Test
  void spreadsRequestsOverBothNodesOfAnUpstream() throws Exception {
    source.put("/apisix/upstreams/u2", upstream(a, b));
    source.put("/apisix/routes/r2", "{\"uri\":\"/both\",\"upstream_id\":\"u2\"}");
    await().atMost(WAIT).until(() -> get("/both").statusCode() == 200);
    int aBefore = a.hits.get();
    int bBefore = b.hits.get();

    for (int i = 0; i < 10; i++) {
      assertThat(get("/both").statusCode()).isEqualTo(200);
    }

    // smooth weighted round robin with equal weights alternates
    assertThat(a.hits.get() - aBefore).isEqualTo(5);
    assertThat(b.hits.get() - bBefore).isEqualTo(5);
  }

  @Test
  void retriesAnotherNodeWhenOneRefusesConnections() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort(); // closed again: connections to it are refused
    }
    source.put("/apisix/upstreams/u3", "{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:" + dead + "\":1,\""
        + a.node() + "\":1}}");
    source.put("/apisix/routes/r3", "{\"uri\":\"/flaky\",\"upstream_id\":\"u3\"}");
    await().atMost(WAIT).until(() -> get("/flaky").statusCode() != 404);

    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = get("/flaky");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("a ");
    }
  }

  @Test
  void sendsTheNodeAsHostWithPassHostNode() throws Exception {
    source.put("/apisix/upstreams/u4", "{\"type\":\"roundrobin\",\"pass_host\":\"node\",\"nodes\":{\""
        + b.node() + "\":1}}");
    source.put("/apisix/routes/r4", "{\"uri\":\"/node-host\",\"upstream_id\":\"u4\"}");
    await().atMost(WAIT).until(() -> get("/node-host").statusCode() == 200);

    assertThat(b.lastHost()).isEqualTo(b.node());
  }

  /**
   * Issue 14: the embedder guards {@code /private/*} (here by routing it to an upstream that answers
   * 401; a plugin would do the same) and serves {@code /*} from a backend that normalises paths.
   * No spelling of a private path may reach that backend through the public route.
   */
  @Test
  void routeVarsReadQueryArgumentsAsNginxMalformedEscapesIncluded() throws Exception {
    // $arg_a decoded as nginx: %41 is A, + a space, and a malformed escape is the value as written
    source.put("/apisix/routes/args", "{\"uri\":\"/args\",\"vars\":[[\"arg_a\",\"==\",\"%zz A b\"]],\"upstream_id\":\"u1\"}");
    await().atMost(WAIT).until(() -> NormalisingBackend.status(NormalisingBackend.rawGet(port, "/args?a=%25zz+%41+b", "t.test")) == 200);
    String kept = NormalisingBackend.rawGet(port, "/args?a=%zz%20A+b", "t.test");
    if (hostRefusesMalformedQueries()) { // the host server answers 400 before any handler runs
      assertThat(NormalisingBackend.status(kept)).as(kept).isEqualTo(400);
      return;
    }
    // routed to u1 (whose JDK server itself refuses the malformed target with 400), not dropped, not 404
    assertThat(NormalisingBackend.status(kept)).as(kept).isIn(200, 400);
    assertThat(kept).doesNotContain("Route Not Found");
    for (String q : new String[] {"a=%zz", "a=%", "a=%4", "a=%E0%A4%A", "a=%C3"}) {
      String answer = NormalisingBackend.rawGet(port, "/args?" + q, "t.test");
      assertThat(NormalisingBackend.status(answer)).as(q + ": " + answer).isEqualTo(404);
      assertThat(answer).as(q).contains("Route Not Found");
    }
  }

  @Test
  void noSpellingOfAGuardedPathReachesTheOpenRoute() throws Exception {
    try (NormalisingBackend open = NormalisingBackend.start(); NormalisingBackend guard = NormalisingBackend.guard()) {
      source.put("/apisix/upstreams/open", "{\"type\":\"roundrobin\",\"nodes\":{\"" + open.node() + "\":1}}");
      source.put("/apisix/upstreams/guard", "{\"type\":\"roundrobin\",\"nodes\":{\"" + guard.node() + "\":1}}");
      source.put("/apisix/routes/private", "{\"uri\":\"/private/*\",\"upstream_id\":\"guard\"}");
      source.put("/apisix/routes/public", "{\"uri\":\"/*\",\"upstream_id\":\"open\"}");
      await().atMost(WAIT).until(() -> NormalisingBackend.status(rawGet("/private/x")) == 401
          && NormalisingBackend.status(rawGet("/public/x")) == 200);

      for (String target : NormalisingBackend.SPELLINGS) {
        String r = rawGet(target);
        assertThat(NormalisingBackend.status(r)).as("%s: %s", target, r).isIn(400, 401);
        assertThat(r).as(target).doesNotContain("PRIVATE");
        String absolute = rawGet("http://embedded.test" + target);
        assertThat(NormalisingBackend.status(absolute)).as("absolute-form %s: %s", target, absolute).isIn(400, 401);
        assertThat(absolute).doesNotContain("PRIVATE");
      }

      long seed = Long.getLong("dynconf.seed", System.nanoTime());
      System.out.println(getClass().getSimpleName() + " random spellings: seed " + seed + " (rerun with -Ddynconf.seed=" + seed + ")");
      java.util.Random random = new java.util.Random(seed);
      for (int i = 0; i < 300; i++) {
        String target = NormalisingBackend.randomTarget(random, i);
        String r = rawGet(target);
        assertThat(r).as("seed %d: %s -> %s", seed, target, r).doesNotContain("PRIVATE");
      }

      String r = rawGet("/public/items/a%2Fb?q=%2e"); // the upstream gets the client's own target
      assertThat(NormalisingBackend.status(r)).as(r).isEqualTo(200);
      assertThat(open.targets).last().isEqualTo("/public/items/a%2Fb?q=%2e");
      assertThat(NormalisingBackend.status(rawGet("/a%00b"))).isEqualTo(400);
      assertThat(NormalisingBackend.status(rawGet("/public/../.."))).isEqualTo(400);
    }
  }

  private String rawGet(String target) throws IOException {
    return NormalisingBackend.rawGet(port, target, "embedded.test");
  }

  private static String upstream(Backend... nodes) {
    StringBuilder s = new StringBuilder("{\"type\":\"roundrobin\",\"nodes\":{");
    for (int i = 0; i < nodes.length; i++) {
      s.append(i == 0 ? "" : ",").append('"').append(nodes[i].node()).append("\":1");
    }
    return s.append("}}").toString();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  protected HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A real upstream (the JDK's server): answers {@code <name> <method> <uri> body=<bytes>}. */
  protected static final class Backend implements AutoCloseable {
    final String name;
    final AtomicInteger hits = new AtomicInteger();
    final List<String> hosts = new CopyOnWriteArrayList<>();
    final List<String> forwardedFor = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    Backend(String name) throws IOException {
      this.name = name;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
      server.setExecutor(executor);
      server.createContext("/", this::handle);
      server.start();
    }

    String node() {
      return "127.0.0.1:" + server.getAddress().getPort();
    }

    String lastHost() {
      return hosts.get(hosts.size() - 1);
    }

    String lastForwardedFor() {
      return forwardedFor.get(forwardedFor.size() - 1);
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        byte[] body = ex.getRequestBody().readAllBytes();
        hosts.add(String.valueOf(ex.getRequestHeaders().getFirst("Host")));
        forwardedFor.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Forwarded-For")));
        hits.incrementAndGet();
        byte[] out = (name + " " + ex.getRequestMethod() + " " + ex.getRequestURI() + " body=" + body.length)
            .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(200, out.length);
        try (OutputStream o = ex.getResponseBody()) {
          o.write(out);
        }
      }
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
