package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: APISIX's {@code limit-req} (leaky bucket, burst, nodelay, keys, refusals) and {@code
 * limit-conn} (requests in progress, burst delayed, released at the end, also when the client
 * leaves) end to end over real sockets, configured through the admin API.
 */
class GatewayLimitPluginsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private Gateway gateway;
  private HttpServer upstream;
  private final AtomicInteger holding = new AtomicInteger();
  private volatile CountDownLatch release = new CountDownLatch(1);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
    upstream.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "limit-upstream");
      t.setDaemon(true);
      return t;
    }));
    upstream.createContext("/", ex -> {
      try (ex) {
        if (ex.getRequestURI().getPath().startsWith("/hold")) {
          holding.incrementAndGet();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            holding.decrementAndGet();
          }
        }
        if (ex.getRequestURI().getPath().startsWith("/big")) { // 64 MiB, as fast as the gateway takes it
          ex.sendResponseHeaders(200, 0);
          byte[] chunk = new byte[64 * 1024];
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 1024; i++) {
              out.write(chunk);
            }
          }
          return;
        }
        byte[] body = ("ok " + ex.getRequestURI()).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      } catch (IOException ignored) {
        // the gateway closed the connection (a client that left): nothing to answer
      }
    });
    upstream.start();
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
    put("/apisix/admin/upstreams/u", "{\"nodes\":{\"127.0.0.1:" + upstream.getAddress().getPort() + "\":1}}", 201);
  }

  @AfterEach
  void stop() {
    release.countDown();
    gateway.close();
    upstream.stop(0);
  }

  private HttpResponse<String> put(String path, String body, int expected) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", path, GatewayAdminTest.KEY, body);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(expected);
    return r;
  }

  private void route(String uri, String plugin, String conf) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/routes/r",
        GatewayAdminTest.KEY, "{\"uri\":\"" + uri + "\",\"upstream_id\":\"u\",\"plugins\":{\"" + plugin + "\":" + conf + "}}");
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    return send(path, headers).join();
  }

  private CompletableFuture<HttpResponse<String>> send(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path)).timeout(WAIT);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitRouted(String path) {
    await().atMost(WAIT).until(() -> get(path).statusCode() != 404);
  }

  // ---- limit-req

  @Test
  void limitReqRefusesPastTheBurstWithTheConfiguredCodeAndMessage() throws Exception {
    route("/r/*", "limit-req", "{\"rate\":0.1,\"burst\":0,\"key\":\"http_x_user\",\"rejected_code\":429,\"rejected_msg\":\"slow down\"}");
    await().atMost(WAIT).until(() -> get("/r/probe", "X-User", "warm-up").statusCode() == 200);
    assertThat(get("/r/1", "X-User", "a").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = get("/r/2", "X-User", "a");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).isEqualTo("{\"error_msg\":\"slow down\"}\n");
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(get("/r/3", "X-User", "b").statusCode()).as("another key has its own bucket").isEqualTo(200);
  }

  @Test
  void limitReqDelaysWithinTheBurstAndNodelayDoesNot() throws Exception {
    route("/d/*", "limit-req", "{\"rate\":5,\"burst\":3,\"key\":\"http_x_user\"}");
    awaitRouted("/d/probe");
    // timed from before the first request: the second is released 200 ms after the first arrived
    // (excess 1 at 5/s), however long the client took between the two (a loaded machine)
    long t = System.nanoTime();
    get("/d/1", "X-User", "slow");
    HttpResponse<String> delayed = get("/d/2", "X-User", "slow");
    long ms = (System.nanoTime() - t) / 1_000_000;
    assertThat(delayed.statusCode()).isEqualTo(200);
    assertThat(ms).as("excess 1 request at 5/s: the second held until 200 ms after the first").isGreaterThanOrEqualTo(190);

    route("/d/*", "limit-req", "{\"rate\":0.1,\"burst\":3,\"key\":\"http_x_user\",\"nodelay\":true}");
    await().atMost(WAIT).until(() -> get("/d/x", "X-User", "warm").statusCode() == 200);
    get("/d/1", "X-User", "fast");
    t = System.nanoTime();
    assertThat(get("/d/2", "X-User", "fast").statusCode()).isEqualTo(200);
    ms = (System.nanoTime() - t) / 1_000_000;
    assertThat(ms).as("nodelay: not the 10 s the bucket would ask").isLessThan(5_000);
    get("/d/3", "X-User", "fast");
    get("/d/4", "X-User", "fast");
    assertThat(get("/d/5", "X-User", "fast").statusCode()).as("past rate + burst: refused, default 503").isEqualTo(503);
  }

  @Test
  void limitReqKeysByACombinationAndFallsBackToTheClientAddress() throws Exception {
    route("/c/*", "limit-req", "{\"rate\":0.1,\"burst\":0,\"key_type\":\"var_combination\",\"key\":\"$http_x_a-$http_x_b\",\"nodelay\":true}");
    await().atMost(WAIT).until(() -> get("/c/probe", "X-A", "w", "X-B", "w").statusCode() == 200);
    assertThat(get("/c/1", "X-A", "1", "X-B", "1").statusCode()).isEqualTo(200);
    assertThat(get("/c/2", "X-A", "1", "X-B", "2").statusCode()).isEqualTo(200);
    assertThat(get("/c/3", "X-A", "1", "X-B", "1").statusCode()).isEqualTo(503);
    // neither variable set: the key is the client's address, one bucket for both requests
    assertThat(get("/c/4").statusCode()).isEqualTo(200);
    assertThat(get("/c/5").statusCode()).isEqualTo(503);
  }

  @Test
  void limitReqRefusesBadConfigurationNamingPluginAndField() throws Exception {
    for (String[] bad : new String[][] {
        {"{\"rate\":0,\"burst\":1,\"key\":\"remote_addr\"}", "/rate"},
        {"{\"rate\":1,\"burst\":-1,\"key\":\"remote_addr\"}", "/burst"},
        {"{\"rate\":1,\"burst\":1}", "/key"},
        {"{\"burst\":1,\"key\":\"remote_addr\"}", "/rate"},
        {"{\"rate\":1,\"burst\":1,\"key\":\"remote_addr\",\"key_type\":\"constant\"}", "/key_type"},
        {"{\"rate\":1,\"burst\":1,\"key\":\"remote_addr\",\"policy\":\"redis\"}", "/policy"},
        {"{\"rate\":1,\"burst\":1,\"key\":\"remote_addr\",\"rejected_code\":600}", "/rejected_code"},
        {"{\"rate\":1,\"burst\":1,\"key\":\"remote_addr\",\"rejected_msg\":\"\"}", "/rejected_msg"},
        {"{\"rate\":\"1\",\"burst\":1,\"key\":\"remote_addr\"}", "/rate"}}) {
      HttpResponse<String> r = put("/apisix/admin/routes/bad", "{\"uri\":\"/bad\",\"upstream_id\":\"u\",\"plugins\":{\"limit-req\":"
          + bad[0] + "}}", 400);
      assertThat(r.body()).as(bad[0]).contains("limit-req").contains(bad[1]);
    }
  }

  // ---- limit-conn

  @Test
  void limitConnRefusesPastConnPlusBurstDelaysTheBurstAndReleasesAtTheEnd() throws Exception {
    route("/hold*", "limit-conn", "{\"conn\":1,\"burst\":1,\"default_conn_delay\":0.2,\"key\":\"remote_addr\",\"rejected_msg\":\"busy\"}");
    release.countDown(); // the probe passes at once
    awaitRouted("/hold/probe");
    release = new CountDownLatch(1);
    CompletableFuture<HttpResponse<String>> first = send("/hold/1");
    await().atMost(WAIT).until(() -> holding.get() == 1);
    long t = System.nanoTime();
    CompletableFuture<HttpResponse<String>> second = send("/hold/2"); // the burst: delayed, then held upstream too
    await().atMost(WAIT).until(() -> holding.get() == 2);
    assertThat((System.nanoTime() - t) / 1_000_000).as("the burst request waited default_conn_delay").isGreaterThanOrEqualTo(150);
    HttpResponse<String> third = get("/hold/3");
    assertThat(third.statusCode()).isEqualTo(503);
    assertThat(third.body()).isEqualTo("{\"error_msg\":\"busy\"}\n");

    release.countDown();
    assertThat(first.join().statusCode()).isEqualTo(200);
    assertThat(second.join().statusCode()).isEqualTo(200);
    assertThat(get("/hold/4").statusCode()).as("both ended: the count is back to 0").isEqualTo(200);
  }

  @Test
  void aClientThatLeavesMidResponseReleasesItsPlaceAtOnce() throws Exception {
    route("/big*", "limit-conn", "{\"conn\":1,\"burst\":0,\"default_conn_delay\":0.1,\"key\":\"remote_addr\"}");
    await().atMost(WAIT).until(() -> get("/big/probe").statusCode() == 200);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.dataAddress().getPort())) {
      s.getOutputStream().write("GET /big/gone HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      assertThat(s.getInputStream().readNBytes(1024)).hasSize(1024); // the response is flowing
      assertThat(get("/big/busy").statusCode()).as("one in progress: no room").isEqualTo(503);
    } // the client closes with 64 MiB still to come: the gateway sees the connection end mid-body
    await().atMost(WAIT).until(() -> get("/big/after").statusCode() == 200);
  }

  @Test
  void aClientThatLeavesMidRequestReleasesItsPlace() throws Exception {
    route("/hold*", "limit-conn", "{\"conn\":1,\"burst\":0,\"default_conn_delay\":0.1,\"key\":\"remote_addr\"}");
    release.countDown();
    awaitRouted("/hold/probe");
    release = new CountDownLatch(1);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.dataAddress().getPort())) {
      s.getOutputStream().write("GET /hold/gone HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      await().atMost(WAIT).until(() -> holding.get() == 1);
      assertThat(get("/hold/busy").statusCode()).as("one in progress: no room").isEqualTo(503);
    } // the client closes without waiting for the answer
    release.countDown();
    await().atMost(WAIT).until(() -> get("/hold/after").statusCode() == 200);
  }

  @Test
  void limitConnRefusesWhatItDoesNotSupportAndBadValues() throws Exception {
    for (String[] bad : new String[][] {
        {"{\"conn\":0,\"burst\":0,\"default_conn_delay\":0.1,\"key\":\"remote_addr\"}", "/conn"},
        {"{\"conn\":1,\"burst\":0,\"key\":\"remote_addr\"}", "/default_conn_delay"},
        {"{\"conn\":1,\"burst\":0,\"default_conn_delay\":0,\"key\":\"remote_addr\"}", "/default_conn_delay"},
        {"{\"conn\":\"$arg_n\",\"burst\":0,\"default_conn_delay\":0.1,\"key\":\"remote_addr\"}", "/conn"},
        {"{\"default_conn_delay\":0.1,\"rules\":[{\"conn\":1,\"burst\":0,\"key\":\"remote_addr\"}]}", "/rules"},
        {"{\"conn\":1,\"burst\":0,\"default_conn_delay\":0.1}", "/key"}}) {
      HttpResponse<String> r = put("/apisix/admin/routes/bad", "{\"uri\":\"/bad\",\"upstream_id\":\"u\",\"plugins\":{\"limit-conn\":"
          + bad[0] + "}}", 400);
      assertThat(r.body()).as(bad[0]).contains("limit-conn").contains(bad[1]);
    }
  }

}
