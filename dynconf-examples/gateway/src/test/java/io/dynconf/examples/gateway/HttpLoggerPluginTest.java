package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APISIX's {@code http-logger} in the gateway, against a real log server (the JDK's HttpServer)
 * over real sockets: the default entry's fields as APISIX documents them, batches, concat methods,
 * {@code log_format} from the route and from the plugin metadata, bodies, refusals naming the
 * field, and a log server that is dead, silent or slow: requests keep their speed, and what cannot
 * be sent is dropped, counted and shown in the status.
 */
class HttpLoggerPluginTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One POST the log server received. */
  record Received(String path, Map<String, List<String>> headers, String body) {}

  /** A log server: records every POST and answers {@code status}. */
  static final class LogServer implements AutoCloseable {
    final HttpServer server;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    volatile int status = 200;
    final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "log-server");
      t.setDaemon(true);
      return t;
    });

    LogServer() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
      server.setExecutor(executor);
      server.createContext("/", this::handle);
      server.start();
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        byte[] body = ex.getRequestBody().readAllBytes();
        received.add(new Received(ex.getRequestURI().toString(), Map.copyOf(ex.getRequestHeaders()), new String(body, StandardCharsets.UTF_8)));
        byte[] answer = (status >= 400 ? "nope" : "ok").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, answer.length);
        ex.getResponseBody().write(answer);
      }
    }

    String uri(String path) {
      return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    Received next() throws InterruptedException {
      Received r = received.poll(PluginGateway.WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(r).as("a POST reached the log server").isNotNull();
      return r;
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  @TempDir Path dir;
  PluginGateway gw;
  LogServer logs;

  @BeforeEach
  void start() throws Exception {
    gw = new PluginGateway(dir);
    logs = new LogServer();
  }

  @AfterEach
  void stop() {
    gw.close();
    logs.close();
  }

  private String logger(String extra) {
    return "\"http-logger\":{\"uri\":\"" + logs.uri("/logs?tag=t1") + "\"" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  @Test
  void eachEntryCarriesTheFieldsApisixDocuments() throws Exception {
    gw.route("1", "/log/*", logger("\"batch_max_size\":1,\"auth_header\":\"Bearer secret\""));
    gw.awaitStatus("/log/a", 200);
    logs.next(); // the one request that answered 200 while awaiting the route
    HttpResponse<String> r = gw.get("/log/a?x=1&y=2&y=3&flag", "X-Test", "yes");
    assertThat(r.statusCode()).isEqualTo(200);

    Received post = logs.next();
    assertThat(post.path()).isEqualTo("/logs?tag=t1");
    assertThat(post.headers().get("Content-type")).containsExactly("application/json");
    assertThat(post.headers().get("Authorization")).containsExactly("Bearer secret");
    JsonNode e = JSON.readTree(post.body());
    assertThat(e.isObject()).as("batch_max_size 1: one object, not an array: %s", post.body()).isTrue();
    JsonNode req = e.path("request");
    assertThat(req.path("method").asText()).isEqualTo("GET");
    assertThat(req.path("uri").asText()).isEqualTo("/log/a?x=1&y=2&y=3&flag");
    assertThat(req.path("url").asText()).isEqualTo("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + "/log/a?x=1&y=2&y=3&flag");
    assertThat(req.path("headers").path("x-test").asText()).as("header names in lower case").isEqualTo("yes");
    assertThat(req.path("querystring").path("x").asText()).isEqualTo("1");
    assertThat(req.path("querystring").path("y")).extracting(JsonNode::asText).containsExactly("2", "3");
    assertThat(req.path("querystring").path("flag").asBoolean()).as("an argument without '=' is true").isTrue();
    assertThat(req.path("size").asLong()).isPositive();
    assertThat(req.has("body")).as("no include_req_body").isFalse();
    JsonNode resp = e.path("response");
    assertThat(resp.path("status").asInt()).isEqualTo(200);
    assertThat(resp.path("headers").path("content-type").asText()).isEqualTo("text/plain");
    assertThat(resp.path("size").asLong()).isGreaterThan(r.body().length());
    assertThat(e.path("route_id").asText()).isEqualTo("1");
    assertThat(e.path("service_id").asText()).isEmpty();
    assertThat(e.path("upstream").asText()).isEqualTo(gw.backend.node());
    assertThat(e.path("client_ip").asText()).isEqualTo("127.0.0.1");
    assertThat(e.path("server").path("version").asText()).startsWith("dynconf-");
    assertThat(e.path("server").has("hostname")).isTrue();
    assertThat(e.path("start_time").asLong()).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
    assertThat(e.path("latency").asDouble()).isPositive();
    assertThat(e.path("upstream_latency").asDouble()).isPositive().isLessThanOrEqualTo(e.path("latency").asDouble());
    assertThat(e.path("apisix_latency").asDouble()).isGreaterThanOrEqualTo(0);
    assertThat(e.has("consumer")).isFalse();
  }

  /** An answer a plugin makes itself (key-auth's 401) is logged too, with the status and headers the client got. */
  @Test
  void anAnswerAPluginMakesIsLoggedAsTheClientGotIt() throws Exception {
    gw.route("1", "/auth/*", "\"key-auth\":{}," + logger("\"batch_max_size\":1"));
    gw.awaitStatus("/auth/a", 401);
    logs.next();
    HttpResponse<String> r = gw.get("/auth/b");
    assertThat(r.statusCode()).isEqualTo(401);
    JsonNode e = JSON.readTree(logs.next().body());
    assertThat(e.path("response").path("status").asInt()).isEqualTo(401);
    assertThat(e.path("response").path("headers").path("content-length").asText()).isEqualTo(String.valueOf(r.body().length()));
    assertThat(e.path("response").path("size").asLong()).isGreaterThan(r.body().length());
    assertThat(e.has("upstream")).as("no upstream was tried").isFalse();
    assertThat(e.has("upstream_latency")).isFalse();
  }

  @Test
  void batchesRespectBatchMaxSizeAndTheInactiveTimeout() throws Exception {
    gw.route("1", "/log/*", logger("\"batch_max_size\":3,\"inactive_timeout\":1"));
    gw.route("2", "/nl/*", "\"http-logger\":{\"uri\":\"" + logs.uri("/nl") + "\",\"batch_max_size\":2,\"inactive_timeout\":1,"
        + "\"concat_method\":\"new_line\"}");
    gw.awaitStatus("/log/warm", 200); // one request answered 200 (and was logged) on each route
    gw.awaitStatus("/nl/warm", 200);
    logs.next(); // those two entries, each alone in its batch after inactive_timeout
    logs.next();
    for (int i = 0; i < 7; i++) {
      assertThat(gw.get("/log/" + i).statusCode()).isEqualTo(200);
    }
    List<Integer> sizes = new ArrayList<>();
    List<String> uris = new ArrayList<>();
    while (sizes.stream().mapToInt(Integer::intValue).sum() < 7) {
      JsonNode batch = JSON.readTree(logs.next().body());
      assertThat(batch.isArray()).as("json: an array when batch_max_size > 1").isTrue();
      sizes.add(batch.size());
      batch.forEach(e -> uris.add(e.path("request").path("uri").asText()));
    }
    assertThat(sizes).as("full batches of 3, the rest after inactive_timeout").containsExactly(3, 3, 1);
    assertThat(uris).containsExactly("/log/0", "/log/1", "/log/2", "/log/3", "/log/4", "/log/5", "/log/6");

    for (int i = 0; i < 2; i++) {
      gw.get("/nl/" + i);
    }
    String body = logs.next().body();
    String[] lines = body.split("\n");
    assertThat(lines).as("new_line: one JSON object per line: %s", body).hasSize(2);
    assertThat(JSON.readTree(lines[0]).path("request").path("uri").asText()).isEqualTo("/nl/0");
    assertThat(JSON.readTree(lines[1]).path("request").path("uri").asText()).isEqualTo("/nl/1");
    Received r = logs.received.poll();
    assertThat(r).isNull();
  }

  @Test
  void logFormatFromTheRouteThenFromThePluginMetadata() throws Exception {
    gw.route("1", "/fmt/*", logger("\"batch_max_size\":1,\"log_format\":{\"host\":\"$host\",\"client\":\"$remote_addr\","
        + "\"status\":\"$status\",\"method\":\"$request_method\",\"agent\":\"$http_user_agent\",\"arg\":\"$arg_q\",\"missing\":\"$arg_none\","
        + "\"constant\":\"c\",\"n\":5,\"nested\":{\"uri\":\"$uri\",\"time\":\"$request_time\"}}"));
    gw.route("2", "/meta/*", logger("\"batch_max_size\":1"));
    gw.awaitStatus("/fmt/a", 200);
    gw.awaitStatus("/meta/a", 200);
    logs.next(); // the entries of the two requests that answered 200 while awaiting the routes
    logs.next();

    gw.get("/fmt/x?q=v", "User-Agent", "agent/1");
    JsonNode e = JSON.readTree(logs.next().body());
    assertThat(e.path("host").asText()).isEqualTo("127.0.0.1");
    assertThat(e.path("client").asText()).isEqualTo("127.0.0.1");
    assertThat(e.path("status").asText()).isEqualTo("200");
    assertThat(e.path("method").asText()).isEqualTo("GET");
    assertThat(e.path("agent").asText()).isEqualTo("agent/1");
    assertThat(e.path("arg").asText()).isEqualTo("v");
    assertThat(e.has("missing")).as("an absent variable is left out").isFalse();
    assertThat(e.path("constant").asText()).isEqualTo("c");
    assertThat(e.path("n").asInt()).isEqualTo(5);
    assertThat(e.path("nested").path("uri").asText()).isEqualTo("/fmt/x");
    assertThat(e.path("nested").path("time").asText()).matches("\\d+\\.\\d{3}");
    assertThat(e.path("route_id").asText()).as("APISIX adds the route id to a custom format").isEqualTo("1");
    assertThat(e.has("request")).as("a custom format replaces the default entry").isFalse();

    gw.put("/apisix/admin/plugin_metadata/http-logger", "{\"log_format\":{\"from\":\"metadata\",\"path\":\"$uri\",\"s\":\"$status\"}}", 201);
    await().atMost(PluginGateway.WAIT).untilAsserted(() -> {
      logs.received.clear();
      gw.get("/meta/y");
      JsonNode m = JSON.readTree(logs.next().body());
      assertThat(m.path("from").asText()).isEqualTo("metadata");
      assertThat(m.path("path").asText()).isEqualTo("/meta/y");
      assertThat(m.path("route_id").asText()).isEqualTo("2");
    });
    gw.get("/fmt/z");
    assertThat(JSON.readTree(logs.next().body()).has("constant")).as("the route's own log_format wins over the metadata's").isTrue();

    HttpResponse<String> meta = gw.admin("GET", "/apisix/admin/plugin_metadata/http-logger", null);
    assertThat(meta.statusCode()).isEqualTo(200);
    assertThat(meta.body()).contains("\"from\":\"metadata\"");
    assertThat(gw.admin("PUT", "/apisix/admin/plugin_metadata/http-logger", "{\"log_format\":\"$uri\"}").body())
        .contains("log_format").contains("object");
    assertThat(gw.admin("PUT", "/apisix/admin/plugin_metadata/http-logger", "{\"max_pending_entries\":0}").statusCode()).isEqualTo(400);
    assertThat(gw.admin("DELETE", "/apisix/admin/plugin_metadata/http-logger", null).statusCode()).isEqualTo(200);
  }

  @Test
  void bodiesAreLoggedUpToTheirLimits() throws Exception {
    gw.route("1", "/body/*", logger("\"batch_max_size\":1,\"include_req_body\":true,\"max_req_body_bytes\":1000,"
        + "\"include_resp_body\":true,\"max_resp_body_bytes\":10"));
    gw.route("2", "/expr/*", logger("\"batch_max_size\":1,\"include_req_body\":true,\"include_req_body_expr\":[[\"arg_log\",\"==\",\"yes\"]]"));
    gw.awaitStatus("/body/a", 200);
    gw.awaitStatus("/expr/a", 200);
    logs.next();
    logs.next();
    String big = "x".repeat(200_000);
    HttpResponse<String> r = gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + "/body/up"))
        .POST(HttpRequest.BodyPublishers.ofString(big)).timeout(PluginGateway.WAIT).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.body()).as("the whole body still reached the upstream").contains("body=200000");
    JsonNode e = JSON.readTree(logs.next().body());
    assertThat(e.path("request").path("body").asText()).isEqualTo("x".repeat(1000));
    assertThat(e.path("response").path("body").asText()).isEqualTo(r.body().substring(0, 10));

    for (String arg : List.of("no", "yes")) {
      gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort() + "/expr/e?log=" + arg))
          .POST(HttpRequest.BodyPublishers.ofString("payload-" + arg)).timeout(PluginGateway.WAIT).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode x = JSON.readTree(logs.next().body());
      assertThat(x.path("request").path("body").isMissingNode()).as("include_req_body_expr on log=%s", arg).isEqualTo(arg.equals("no"));
      if (arg.equals("yes")) {
        assertThat(x.path("request").path("body").asText()).isEqualTo("payload-yes");
      }
    }
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"http-logger\":{}", "http-logger", "uri", "required");
    gw.refused("\"http-logger\":{\"uri\":\"127.0.0.1:80/logs\"}", "/uri");
    gw.refused("\"http-logger\":{\"uri\":\"ftp://127.0.0.1/logs\"}", "/uri", "http or https");
    gw.refused(logger("\"concat_method\":\"xml\""), "/concat_method");
    gw.refused(logger("\"batch_max_size\":0"), "/batch_max_size");
    gw.refused(logger("\"timeout\":0"), "/timeout");
    gw.refused(logger("\"inactive_timeout\":\"5\""), "/inactive_timeout");
    gw.refused(logger("\"max_retry_count\":-1"), "/max_retry_count");
    gw.refused(logger("\"log_format\":\"$uri\""), "/log_format", "object");
    gw.refused(logger("\"include_req_body_expr\":[]"), "/include_req_body_expr");
    gw.refused(logger("\"include_req_body_expr\":[[\"arg_a\",\"~~~\",\"b\"]]"), "/include_req_body_expr");
    gw.refused(logger("\"include_resp_body\":\"yes\""), "/include_resp_body");
    gw.refused(logger("\"ssl_verify\":1"), "/ssl_verify");
  }

  /** A log server answering 500, then one that is not there: retried max_retry_count times, then dropped, counted. */
  @Test
  void failedBatchesAreRetriedThenDroppedAndCounted() throws Exception {
    logs.status = 500;
    gw.route("1", "/fail/*", logger("\"batch_max_size\":1,\"max_retry_count\":2,\"retry_delay\":0"));
    gw.awaitStatus("/fail/a", 200);
    await().atMost(PluginGateway.WAIT).untilAsserted(() -> {
      JsonNode c = counters();
      assertThat(c.path("dropped_entries_send_failed").asLong()).isGreaterThanOrEqualTo(1);
      assertThat(c.path("retries").asLong()).isGreaterThanOrEqualTo(2);
      assertThat(c.path("pending_entries").asLong()).isZero();
    });
    assertThat(logs.received).as("the one entry was tried three times (one attempt and two retries)").hasSize(3);

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nobody listens there
    }
    gw.route("2", "/dead/*", "\"http-logger\":{\"uri\":\"http://127.0.0.1:" + port + "/x\",\"batch_max_size\":1}");
    gw.awaitStatus("/dead/a", 200);
    long failed = counters().path("dropped_entries_send_failed").asLong();
    gw.get("/dead/b");
    await().atMost(PluginGateway.WAIT).until(() -> counters().path("dropped_entries_send_failed").asLong() > failed);
    String metrics = gw.admin("GET", "/apisix/prometheus/metrics", null).body();
    assertThat(metrics).contains("dynconf_plugin_counter{plugin=\"http-logger\",counter=\"dropped_entries_send_failed\"}");
  }

  /**
   * A log server that accepts connections and never answers, with a small backlog: every request
   * stays fast (the log phase only hands the entry over), the entries over the backlog are dropped
   * at once and counted, and the sender threads stay two.
   */
  @Test
  void aSilentLogServerSlowsNoRequestAndItsBacklogIsBounded() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket silent = new ServerSocket(0, 1000)) {
      Thread acceptor = new Thread(() -> {
        while (!silent.isClosed()) {
          try {
            held.add(silent.accept()); // never read, never answered
            accepted.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      }, "silent-log-server");
      acceptor.setDaemon(true);
      acceptor.start();
      gw.put("/apisix/admin/plugin_metadata/http-logger", "{\"max_pending_entries\":20}", 201);
      gw.route("1", "/silent/*", "\"http-logger\":{\"uri\":\"http://127.0.0.1:" + silent.getLocalPort() + "/x\",\"batch_max_size\":1,"
          + "\"timeout\":30}");
      gw.awaitStatus("/silent/a", 200);
      await().atMost(PluginGateway.WAIT).until(() -> accepted.get() >= 1);
      long slowest = 0;
      for (int i = 0; i < 300; i++) {
        long t0 = System.nanoTime();
        assertThat(gw.get("/silent/" + i).statusCode()).isEqualTo(200);
        slowest = Math.max(slowest, System.nanoTime() - t0);
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(slowest)).as("no request waited for the log server").isLessThan(2_000);
      JsonNode c = counters();
      assertThat(c.path("pending_entries").asLong()).as("the backlog stays at max_pending_entries").isLessThanOrEqualTo(20);
      assertThat(c.path("dropped_entries_backlog_full").asLong()).as("entries over the backlog are dropped and counted").isGreaterThanOrEqualTo(270);
      assertThat(accepted.get()).as("two senders, each on one connection at a time").isLessThanOrEqualTo(2);
      long senders = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("dynconf-http-logger-send")).count();
      assertThat(senders).isLessThanOrEqualTo(2);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private JsonNode counters() throws Exception {
    return JSON.readTree(gw.admin("GET", "/dynconf/status", null).body()).path("plugins").path("http-logger");
  }
}
