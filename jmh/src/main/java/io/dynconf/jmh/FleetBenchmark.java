package io.dynconf.jmh;

import io.dynconf.etcd.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet's watches on one etcd, without the fleet: {@code --watchers N} lightweight watchers (a
 * jetcd prefix watch each, counting events; jetcd opens one gRPC watch stream per watcher) spread
 * over {@code --clients C} connections, as N gateway processes would each hold one, on one etcd
 * member, directly or ({@code --proxy}) through etcd's own gRPC proxy, which serves identical watches
 * from one watch on the member. One writer puts {@code --changes K} values, one after another; for
 * each, the time from the put's answer until the <em>last</em> watcher saw it (0 when every watcher
 * saw it before the answer arrived). A watcher that errs or misses a change fails the run.
 *
 * <p>Prints progress and, as its last line: watchers, clients, proxy, changes, p50/p99/max (ms),
 * etcd's CPU per change and RSS, the proxy's when there is one, and the watch streams and watchers
 * etcd itself counts ({@code etcd_debugging_mvcc_watch_stream_total}, {@code
 * etcd_debugging_mvcc_watcher_total}). What one node's apply costs besides its watch is measured by
 * {@code EtcdFleetBenchmark} (full registries).
 *
 * <p>Run: {@code java -cp jmh/target/benchmarks.jar io.dynconf.jmh.FleetBenchmark --watchers 1000}
 * ({@code etcd} on {@code PATH}).
 */
public final class FleetBenchmark {
  private static final String PREFIX = "/fleet/";

  private FleetBenchmark() {}

  /** One change: when its put was answered, and how many watchers have still to see it. */
  private static final class Change {
    final CountDownLatch remaining;
    volatile long lastSeenNanos;

    Change(int watchers) {
      remaining = new CountDownLatch(watchers);
    }
  }

  public static void main(String[] args) throws Exception {
    int watchers = 100;
    int clients = 4;
    int changes = 300;
    boolean proxy = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--watchers" -> watchers = Integer.parseInt(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--changes" -> changes = Integer.parseInt(args[++i]);
        case "--proxy" -> proxy = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (--watchers N, --clients C, --changes K, --proxy)");
      }
    }
    if (watchers < 1 || clients < 1 || changes < 1) {
      throw new IllegalArgumentException("--watchers, --clients and --changes must be at least 1");
    }
    clients = Math.min(clients, watchers);
    run(watchers, clients, changes, proxy);
  }

  private static void run(int watchers, int clients, int changes, boolean proxy) throws Exception {
    Process proxyProcess = null;
    List<Client> watchClients = new ArrayList<>();
    List<Watch.Watcher> watches = new ArrayList<>();
    try (EtcdCluster etcd = EtcdCluster.single()) {
      URI member = etcd.member(0).directEndpoint();
      long etcdPid = etcd.member(0).pid().orElseThrow(() -> new IllegalStateException("etcd's pid is unknown"));
      URI watchEndpoint = member;
      if (proxy) {
        int port = freePort();
        Path log = Files.createTempFile("dynconf-grpc-proxy", ".log");
        proxyProcess = new ProcessBuilder("etcd", "grpc-proxy", "start", "--endpoints=" + member.getHost() + ":" + member.getPort(),
            "--listen-addr=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitListening(port, proxyProcess, log);
        watchEndpoint = URI.create("http://127.0.0.1:" + port);
      }
      final Process proxyForHook = proxyProcess;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        if (proxyForHook != null) {
          proxyForHook.destroyForcibly();
        }
      }));
      for (int c = 0; c < clients; c++) {
        watchClients.add(Client.builder().endpoints(watchEndpoint).build());
      }
      ConcurrentHashMap<Long, Change> byRevision = new ConcurrentHashMap<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      ByteSequence prefix = ByteSequence.from(PREFIX, StandardCharsets.UTF_8);
      WatchOption option = WatchOption.builder().isPrefix(true).build();
      for (int w = 0; w < watchers; w++) {
        int id = w;
        watches.add(watchClients.get(w % clients).getWatchClient().watch(prefix, option, Watch.listener(response -> {
          long now = System.nanoTime();
          for (WatchEvent e : response.getEvents()) {
            Change change = byRevision.get(e.getKeyValue().getModRevision());
            if (change != null) {
              change.lastSeenNanos = Math.max(change.lastSeenNanos, now);
              change.remaining.countDown();
            }
          }
        }, error -> failure.compareAndSet(null, new IllegalStateException("watcher " + id + " failed: " + error, error)))));
      }
      System.out.printf("%d watchers on %d clients, %s; waiting until etcd counts them%n", watchers, clients,
          proxy ? "through etcd grpc-proxy" : "directly on the member");
      awaitWatchers(member, proxy ? 1 : watchers, failure);

      try (Client writer = Client.builder().endpoints(member).build()) {
        ByteSequence key = ByteSequence.from(PREFIX + "key", StandardCharsets.UTF_8);
        int warm = Math.max(20, changes / 10);
        double[] millis = new double[changes];
        long cpu0 = 0;
        long proxyCpu0 = 0;
        long last = etcd.revision(); // one writer: each put makes the next revision (checked below)
        for (int i = -warm; i < changes; i++) {
          if (i == 0) {
            cpu0 = cpuTicks(etcdPid);
            proxyCpu0 = proxyProcess == null ? 0 : cpuTicks(proxyProcess.pid());
          }
          // the revision is known only from the answer: register the change under the next revision
          // first (one writer, nothing else writes), then check the answer agrees
          long next = last + 1;
          Change change = new Change(watchers);
          byRevision.put(next, change);
          long revision = writer.getKVClient().put(key, ByteSequence.from(Integer.toString(i), StandardCharsets.UTF_8))
              .get(30, TimeUnit.SECONDS).getHeader().getRevision();
          long answered = System.nanoTime();
          if (revision != next) {
            throw new IllegalStateException("put answered revision " + revision + ", expected " + next + ": another writer?");
          }
          if (!change.remaining.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(change.remaining.getCount() + " of " + watchers
                + " watchers did not see revision " + revision + " within 30 s", failure.get());
          }
          if (failure.get() != null) {
            throw new IllegalStateException("a watcher failed", failure.get());
          }
          byRevision.remove(revision);
          last = revision;
          if (i >= 0) {
            millis[i] = Math.max(0, change.lastSeenNanos - answered) / 1e6;
          }
          if (i > 0 && i % 100 == 0) {
            System.out.printf("  %d changes%n", i);
          }
        }
        double etcdMicros = (cpuTicks(etcdPid) - cpu0) * 1e6 / 100.0 / changes; // USER_HZ = 100
        String proxyPart = "";
        if (proxyProcess != null) {
          double proxyMicros = (cpuTicks(proxyProcess.pid()) - proxyCpu0) * 1e6 / 100.0 / changes;
          proxyPart = String.format(Locale.ROOT, " proxy_cpu_per_change_us=%.0f proxy_rss_mb=%d", proxyMicros,
              rssMegabytes(proxyProcess.pid()));
        }
        Arrays.sort(millis);
        String metrics = fetchMetrics(member);
        System.out.printf(Locale.ROOT,
            "watchers=%d clients=%d proxy=%s changes=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f etcd_cpu_per_change_us=%.0f"
                + " etcd_rss_mb=%d%s etcd_watch_streams=%s etcd_watchers=%s%n",
            watchers, clients, proxy ? "yes" : "no", changes, percentile(millis, 50), percentile(millis, 99),
            millis[changes - 1], etcdMicros, rssMegabytes(etcdPid), proxyPart,
            gauge(metrics, "etcd_debugging_mvcc_watch_stream_total"), gauge(metrics, "etcd_debugging_mvcc_watcher_total"));
      }
    } finally {
      for (Watch.Watcher w : watches) {
        w.close();
      }
      for (Client c : watchClients) {
        c.close();
      }
      if (proxyProcess != null) {
        proxyProcess.destroy();
        if (!proxyProcess.waitFor(10, TimeUnit.SECONDS)) {
          proxyProcess.destroyForcibly();
        }
      }
    }
  }

  private static double percentile(double[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Until etcd's own gauge shows at least {@code expected} watchers (the proxy holds one for all). */
  private static void awaitWatchers(URI member, int expected, AtomicReference<Throwable> failure) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (failure.get() != null) {
        throw new IllegalStateException("a watcher failed while starting", failure.get());
      }
      String n = gauge(fetchMetrics(member), "etcd_debugging_mvcc_watcher_total");
      if (!n.equals("?") && Double.parseDouble(n) >= expected) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("etcd counts " + n + " watchers after 120 s, expected at least " + expected);
      }
      Thread.sleep(100); // polling etcd's metrics endpoint: there is no event to wait on
    }
  }

  private static String fetchMetrics(URI member) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(member.resolve("/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + member.resolve("/metrics") + " answered " + r.statusCode());
    }
    return r.body();
  }

  private static String gauge(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.e+]+)$").matcher(metrics);
    return m.find() ? String.valueOf((long) Double.parseDouble(m.group(1))) : "?";
  }

  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
  }

  private static long rssMegabytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitListening(int port, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd grpc-proxy exited: " + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("etcd grpc-proxy did not listen on " + port + " within 30 s: " + Files.readString(log), notYet);
        }
        Thread.sleep(50); // a process starting: nothing to wait on but its port
      }
    }
  }
}
