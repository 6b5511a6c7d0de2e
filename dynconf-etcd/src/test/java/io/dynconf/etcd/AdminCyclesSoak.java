package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.admin.AdminApi;
import io.dynconf.core.admin.AdminRequest;
import io.dynconf.core.admin.AdminResponse;
import io.dynconf.core.admin.AdminRole;
import io.dynconf.etcd.testing.EtcdCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 4: {@code cycles.count} (default 10,000) create/delete cycles through the admin
 * API over HTTP on a real etcd, then every internal map of a registry watching the same etcd must
 * be back at its baseline size, and the heap after GC close to where it was. One cycle: POST an
 * upstream (generated id), POST a route naming it (generated id), DELETE the route, DELETE the
 * upstream; each answer is checked. Outside the default build (the name ends in Soak):
 *
 * <pre>scripts/admin-cycles.sh [-Dcycles.count=10000] [-Ddynconf.seed=N]</pre>
 *
 * The report is printed and written to {@code target/admin-cycles-report.md}.
 */
@Tag("soak")
class AdminCyclesSoak {
  private static final String KEY = "cycles-admin-key-0123456789abcdef";
  /** No fsync by default: this counts objects, not durability, and a shared disk's fsync would set the pace. */
  private static final String[] EXTRA_ETCD_ARGS = System.getProperty("cycles.etcdArgs", "--unsafe-no-fsync").split(" ");
  private static final Pattern ID = Pattern.compile("\"key\":\"/apisix/(?:routes|upstreams)/([^\"]+)\"");

  static {
    // The JDK server writes a response's head and body apart: without TCP_NODELAY each request
    // waits out the client's delayed ACK (about 40 ms), which measures nothing of ours.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  @Test
  void createDeleteCyclesLeaveEveryMapAtItsBaseline() throws Exception {
    int cycles = Integer.getInteger("cycles.count", 10_000);
    long seed = Long.getLong("dynconf.seed", System.nanoTime());
    System.out.println("AdminCyclesSoak: seed " + seed + " (replay with -Ddynconf.seed=" + seed + "), cycles " + cycles);
    SplittableRandom random = new SplittableRandom(seed);
    ExecutorService httpThreads = Executors.newFixedThreadPool(2);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).extraArgs(EXTRA_ETCD_ARGS).start();
        EtcdSource adminSource = EtcdSource.builder().endpoints(etcd.endpoints()).build();
        EtcdSource nodeSource = EtcdSource.builder().endpoints(etcd.endpoints()).progressInterval(Duration.ofSeconds(2)).build();
        AdminApi admin = AdminApi.builder(adminSource).apiKey(KEY, AdminRole.ADMIN).build();
        ConfigRegistry registry = ConfigRegistry.builder(nodeSource).build().start()) {
      assertThat(registry.awaitReady(Duration.ofSeconds(30))).as("registry ready").isTrue();
      server.createContext("/", exchange -> serve(admin, exchange));
      server.setExecutor(httpThreads);
      server.start();
      URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/apisix/admin/");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

      // A standing upstream and route, so the maps are not all empty at the baseline.
      call(http, "PUT", base.resolve("upstreams/standing"), upstream(random), 201);
      call(http, "PUT", base.resolve("routes/standing"), "{\"uri\":\"/standing\",\"upstream_id\":\"standing\"}", 201);
      for (int i = 0; i < 200; i++) { // warm-up: classes loaded, caches filled, JIT at work
        cycle(http, base, random, i);
      }
      Map<String, Integer> baseline = awaitSettled(registry, adminSource);
      long heapBefore = heapAfterGc();
      long start = System.nanoTime();
      for (int i = 0; i < cycles; i++) {
        cycle(http, base, random, i);
        if ((i + 1) % 1000 == 0) {
          System.out.printf("AdminCyclesSoak: %d cycles, %.1f s%n", i + 1, (System.nanoTime() - start) / 1e9);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(sizes(registry)).isEqualTo(baseline));
      Map<String, Integer> after = awaitSettled(registry, adminSource);
      long heapAfter = heapAfterGc();

      StringBuilder report = new StringBuilder("# Admin create/delete cycles over etcd\n\n");
      report.append("- etcd ").append(String.join(" ", EXTRA_ETCD_ARGS)).append(", one member; the registry on a second EtcdSource\n");
      report.append(String.format("- seed %d, %d cycles (4 HTTP requests each: POST upstream, POST route, DELETE route, DELETE upstream)%n", seed, cycles));
      report.append(String.format("- time %.1f s, %.0f cycles/s, %.2f ms per request%n", seconds, cycles / seconds, seconds * 1000 / (cycles * 4.0)));
      report.append("- etcd revision at the end ").append(adminSource.list().revision()).append('\n');
      report.append("- heap after GC: before ").append(heapBefore / 1024).append(" KiB, after ").append(heapAfter / 1024)
          .append(" KiB (").append(String.format("%+d", (heapAfter - heapBefore) / 1024)).append(" KiB)\n\n");
      report.append("| map | before | after |\n|---|---|---|\n");
      for (String k : new TreeMap<>(baseline).keySet()) {
        report.append("| ").append(k).append(" | ").append(baseline.get(k)).append(" | ").append(after.get(k)).append(" |\n");
      }
      System.out.println(report);
      Files.writeString(Path.of("target", "admin-cycles-report.md"), report);
      assertThat(after).as("every map back at its baseline").isEqualTo(baseline);
      // A leak of one small object per cycle (40,000 requests) would show as several MiB.
      assertThat(heapAfter - heapBefore).as("heap growth after GC").isLessThan(8L * 1024 * 1024);
    } finally {
      server.stop(0);
      httpThreads.shutdownNow();
    }
  }

  private static void cycle(HttpClient http, URI base, SplittableRandom random, int i) throws Exception {
    String up = id(call(http, "POST", base.resolve("upstreams"), upstream(random), 201));
    String route = id(call(http, "POST", base.resolve("routes"),
        "{\"uri\":\"/c/" + i + "/" + Integer.toHexString(random.nextInt()) + "\",\"upstream_id\":\"" + up + "\"}", 201));
    call(http, "DELETE", base.resolve("routes/" + route), null, 200);
    call(http, "DELETE", base.resolve("upstreams/" + up), null, 200);
  }

  private static String upstream(SplittableRandom random) {
    return "{\"type\":\"roundrobin\",\"nodes\":{\"10.0." + random.nextInt(256) + "." + random.nextInt(256) + ":" + (1024 + random.nextInt(60000)) + "\":1}}";
  }

  private static String id(String body) {
    Matcher m = ID.matcher(body);
    assertThat(m.find()).as("an id in %s", body).isTrue();
    return m.group(1);
  }

  private static String call(HttpClient http, String method, URI uri, String body, int expected) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("X-API-KEY", KEY)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s: %s", method, uri, r.body()).isEqualTo(expected);
    return r.body();
  }

  private static void serve(AdminApi admin, HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, String> headers = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
      AdminResponse r = admin.handle(AdminRequest.of(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers,
          body.length == 0 ? null : body));
      r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      byte[] out = r.body();
      exchange.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      throw e;
    }
  }

  /** The registry's internal maps and its snapshot's stores, once it has applied everything written so far. */
  private static Map<String, Integer> awaitSettled(ConfigRegistry registry, EtcdSource source) {
    long revision = source.list().revision();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> registry.snapshot().revision() >= revision);
    Map<String, Integer> first = sizes(registry);
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(200)).until(() -> sizes(registry).equals(first));
    return sizes(registry);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Integer> sizes(ConfigRegistry registry) {
    Map<String, Integer> out = new LinkedHashMap<>();
    try {
      Method m = ConfigRegistry.class.getDeclaredMethod("internalSizes"); // a package-private test hook of core
      m.setAccessible(true);
      out.putAll((Map<String, Integer>) m.invoke(registry));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("ConfigRegistry.internalSizes() is not reachable", e);
    }
    for (ConfigStore<?> s : registry.snapshot().stores()) {
      out.put("snapshot." + s.type().name(), s.size());
    }
    out.put("snapshot.rejections", registry.snapshot().rejections().size());
    out.put("snapshot.pending", registry.snapshot().pending().size());
    return out;
  }

  private static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100); // lets the collector and reference processing finish between requests
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
