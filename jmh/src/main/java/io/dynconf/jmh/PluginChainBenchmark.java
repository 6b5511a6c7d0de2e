package io.dynconf.jmh;

import io.dynconf.examples.gateway.Gateway;
import io.dynconf.examples.gateway.GatewayConfig;
import io.dynconf.netty.NettyRouteRequest;
import io.dynconf.netty.plugin.PluginChain;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.Plugins;
import io.dynconf.netty.plugin.ResponseHead;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.RouteMatch;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a chain of five common plugins against none, on the same request ({@code GET /bench}
 * with an {@code apikey} header) through the example gateway. {@code chain=five} configures the
 * route {@code /bench} with {@code key-auth} (a consumer's key), {@code ip-restriction} (whitelist
 * 127.0.0.0/8), {@code limit-count} (2,000,000,000 per second per client: never refused, but counted,
 * its window renewed every second),
 * {@code proxy-rewrite} (the same uri and one header set) and {@code response-rewrite} (one header
 * set); {@code chain=none} is the same route without plugins.
 *
 * <ul>
 *   <li>{@code proxy}: one request and its whole response on one keep-alive connection through the
 *       real gateway (Netty, loopback sockets) to its own echo upstream: what a client sees. The
 *       echo's answer lists the headers it got, so with the chain it is a few dozen bytes longer
 *       ({@code X-Consumer-Username}, the rewritten header) and the client reads one response
 *       header more.
 *   <li>{@code phases}: the plugin phases alone, in-process, as the proxy runs them for one
 *       request (the context with its copy of the request headers, global and route rewrite and
 *       access, the consumer's chain lookup, header filter on a response head, log): the CPU the
 *       chain adds to a request, without the network. With {@code chain=none} this is the proxy's
 *       check that there is nothing to run.
 * </ul>
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar PluginChainBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PluginChainBenchmark {
  private static final String KEY = "bench-admin-key-0123";

  @Param({"none", "five"})
  public String chain;

  private Path dir;
  private Gateway gateway;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private final byte[] buffer = new byte[65536];
  private byte[] request;
  private Plugins plugins;
  private ResolvedRoute route;
  private PluginChain routeChain;
  private NettyRouteRequest routeRequest;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("plugin-chain-bench");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "127.0.0.1:0", "--data-dir", dir.toString(), "--admin-key", KEY}));
    HttpClient http = HttpClient.newHttpClient();
    admin(http, "/apisix/admin/upstreams/echo", "{\"nodes\":{\"127.0.0.1:" + gateway.echoAddress().getPort() + "\":1}}");
    admin(http, "/apisix/admin/consumers", "{\"username\":\"bench\",\"plugins\":{\"key-auth\":{\"key\":\"bench-key\"}}}");
    String plugins = chain.equals("none") ? "{}" : "{"
        + "\"key-auth\":{},"
        + "\"ip-restriction\":{\"whitelist\":[\"127.0.0.0/8\"]},"
        + "\"limit-count\":{\"count\":2000000000,\"time_window\":1},"
        + "\"proxy-rewrite\":{\"uri\":\"/bench\",\"headers\":{\"X-Bench\":\"1\"}},"
        + "\"response-rewrite\":{\"headers\":{\"X-Served-By\":\"bench\"}}}";
    admin(http, "/apisix/admin/routes/bench", "{\"uri\":\"/bench\",\"upstream_id\":\"echo\",\"plugins\":" + plugins + "}");
    request = ("GET /bench HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: jmh\r\nAccept: */*\r\napikey: bench-key\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bench", new DefaultHttpHeaders()
        .set("Host", "bench.example").set("User-Agent", "jmh").set("Accept", "*/*").set("apikey", "bench-key"));
    routeRequest = new NettyRouteRequest(head, "127.0.0.1", "http", gateway.dataAddress().getPort());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    RouteMatch<ResolvedRoute> m;
    while ((m = gateway.routes().match(routeRequest)) == null
        || (chain.equals("five") == (!(m.value().attachment() instanceof PluginChain pc) || pc.isEmpty()))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("route /bench never reached the router");
      }
      Thread.sleep(10); // setup only: the file source polls every 200 ms
    }
    route = m.value();
    routeChain = route.attachment() instanceof PluginChain pc ? pc : PluginChain.EMPTY;
    this.plugins = gateway.plugins();
    socket = new Socket("127.0.0.1", gateway.dataAddress().getPort());
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = socket.getInputStream();
    String first = proxyOnce();
    boolean headerSeen = first.contains("X-Served-By: bench") || first.contains("x-served-by: bench");
    if (!first.startsWith("HTTP/1.1 200") || headerSeen != chain.equals("five")) {
      throw new IllegalStateException("unexpected answer for chain=" + chain + ":\n" + first);
    }
  }

  private void admin(HttpClient http, String path, String body) throws Exception {
    HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
        .header("X-API-KEY", KEY).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    socket.close();
    gateway.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** One exchange on the keep-alive connection; the response head and body as text. */
  private String proxyOnce() throws IOException {
    out.write(request);
    out.flush();
    ByteArrayOutputStream got = new ByteArrayOutputStream(1024);
    int headEnd = -1;
    int length = -1;
    while (true) {
      int n = in.read(buffer);
      if (n < 0) {
        throw new IOException("connection closed after " + got.size() + " bytes");
      }
      got.write(buffer, 0, n);
      if (headEnd < 0) {
        String text = got.toString(StandardCharsets.ISO_8859_1);
        headEnd = text.indexOf("\r\n\r\n");
        if (headEnd >= 0) {
          int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length:");
          if (at < 0 || at > headEnd) {
            throw new IOException("no Content-Length in\n" + text);
          }
          length = Integer.parseInt(text.substring(at + 17, text.indexOf("\r\n", at + 2)).trim());
        }
      }
      if (headEnd >= 0 && got.size() >= headEnd + 4 + length) {
        return got.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  @Benchmark
  public int proxy() throws IOException {
    return proxyOnce().length();
  }

  @Benchmark
  public @Nullable Object phases() {
    PluginChain global = plugins.global();
    if (routeChain.isEmpty() && global.isEmpty()) {
      return null; // what the proxy does when nothing is configured
    }
    PluginContext ctx = new PluginContext(routeRequest, route);
    PluginChain c = routeChain;
    PluginResponse r = global.rewrite(ctx);
    if (r == null) {
      r = global.access(ctx);
    }
    if (r == null) {
      r = c.rewrite(ctx);
    }
    String consumer = ctx.consumer();
    if (r == null && consumer != null) {
      PluginChain own = plugins.consumer(consumer);
      if (!own.isEmpty()) {
        c = c.merge(own);
        r = own.rewrite(ctx);
      }
    }
    if (r == null) {
      r = c.access(ctx);
    }
    if (r != null) {
      throw new IllegalStateException("the chain answered " + r.status());
    }
    ResponseHead head = new ResponseHead(200, new DefaultHttpHeaders().set("Content-Type", "application/json")
        .set("Content-Length", "120"));
    head.headers().add(ctx.responseHeaders());
    global.headerFilter(ctx, head);
    c.headerFilter(ctx, head);
    global.log(ctx, 200, 1000);
    c.log(ctx, 200, 1000);
    return head;
  }
}
