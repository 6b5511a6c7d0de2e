package io.dynconf.examples.gateway.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The data plane's counters under APISIX's {@code prometheus} plugin names and labels, so that
 * APISIX's published Grafana dashboard reads them: {@code apisix_http_status}, {@code
 * apisix_http_latency} (histogram in milliseconds, APISIX's default buckets, types {@code request},
 * {@code upstream}, {@code apisix}), {@code apisix_bandwidth}, {@code apisix_http_requests_total},
 * {@code apisix_nginx_http_current_connections}. Recorded on the event loops without locks
 * (adders; a lock only when a new series or status code appears); read by the metrics endpoint.
 *
 * <p>Series are kept per route (the route's id, {@code ""} for requests no route matched), so a
 * deleted route's series go with {@link #forgetRoute}. Within one route a series is one set of
 * labels {@code (route, matched_uri, matched_host, service, consumer, node)}; at most {@link
 * #maxSeriesPerRoute()} exist per route (many consumers or nodes would add more): a request that
 * would add one beyond is not recorded in the per-route families but counted in {@code
 * dynconf_metrics_dropped_total} (and still in the totals).
 */
public final class GatewayMetrics {
  /** APISIX's default latency buckets (exporter.lua {@code DEFAULT_BUCKETS}), in milliseconds; then +Inf. */
  static final long[] BUCKETS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000};
  private static final long[] BUCKETS_NANOS = Arrays.stream(BUCKETS_MS).map(ms -> ms * 1_000_000L).toArray();
  private static final int SLOTS = BUCKETS_MS.length + 1;
  /** {@code apisix_http_latency}'s {@code type} values, in the order of the series' histograms. */
  static final String[] LATENCY_TYPES = {"request", "upstream", "apisix"};
  /** The default bound of series per route. */
  public static final int DEFAULT_MAX_SERIES_PER_ROUTE = 256;

  private final ConcurrentHashMap<String, RouteSeries> routes = new ConcurrentHashMap<>();
  private final int maxSeriesPerRoute;
  private final LongAdder requests = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder accepted = new LongAdder();
  private volatile LongSupplier refused = () -> 0;

  public GatewayMetrics() {
    this(DEFAULT_MAX_SERIES_PER_ROUTE);
  }

  public GatewayMetrics(int maxSeriesPerRoute) {
    if (maxSeriesPerRoute < 1) {
      throw new IllegalArgumentException("maxSeriesPerRoute must be at least 1, got " + maxSeriesPerRoute);
    }
    this.maxSeriesPerRoute = maxSeriesPerRoute;
  }

  public int maxSeriesPerRoute() {
    return maxSeriesPerRoute;
  }

  /** Where the connections refused over the listener's cap are counted (nginx's accepted minus handled). */
  public void refusedConnections(LongSupplier refusedConnections) {
    this.refused = refusedConnections;
  }

  void connectionOpened() {
    connections.incrementAndGet();
    accepted.increment();
  }

  void connectionClosed() {
    connections.decrementAndGet();
  }

  public void started() {
    inFlight.incrementAndGet();
    requests.increment();
  }

  /**
   * One request ended. {@code routeKey} is the route's id ({@code ""} when none matched: what
   * {@link #forgetRoute} takes); the other strings are label values ({@code ""} when empty);
   * {@code status} 0 when the client left; {@code upstreamNanos} -1 when no upstream was tried;
   * {@code fromUpstream} whether the answer came from an upstream ({@code response_source}).
   */
  public void finished(String routeKey, String route, String matchedUri, String matchedHost, String service,
      String consumer, String node, int status, boolean fromUpstream, long nanos, long upstreamNanos,
      long bytesIn, long bytesOut) {
    inFlight.decrementAndGet();
    RouteSeries rs = routes.get(routeKey);
    if (rs == null) {
      rs = routes.computeIfAbsent(routeKey, k -> new RouteSeries());
    }
    int hash = hash(route, matchedUri, matchedHost, service, consumer, node);
    Series s = rs.find(hash, route, matchedUri, matchedHost, service, consumer, node);
    if (s == null) {
      s = rs.add(hash, route, matchedUri, matchedHost, service, consumer, node, maxSeriesPerRoute);
      if (s == null) {
        dropped.increment();
        return;
      }
    }
    int code = status >= 0 && status < 600 ? status : 0;
    s.count(code * 2 + (fromUpstream ? 1 : 0));
    s.observe(0, nanos);
    long apisix = nanos;
    if (upstreamNanos >= 0) {
      s.observe(1, upstreamNanos);
      apisix = Math.max(0, nanos - upstreamNanos);
    }
    s.observe(2, apisix);
    s.ingress.add(bytesIn);
    s.egress.add(bytesOut);
  }

  /** One request of {@code route} (its id as its label, every other label empty) that no upstream answered. */
  void finished(String route, int status, long nanos) {
    finished(route, route, "", "", "", "", "", status, false, nanos, -1, 0, 0);
  }

  private static int hash(String a, String b, String c, String d, String e, String f) {
    return ((((a.hashCode() * 31 + b.hashCode()) * 31 + c.hashCode()) * 31 + d.hashCode()) * 31 + e.hashCode()) * 31
        + f.hashCode();
  }

  /** Drops the series of a deleted route. */
  public void forgetRoute(String route) {
    routes.remove(route);
  }

  /** The routes that have series (a copy; "" is the series of requests no route matched). */
  public java.util.Set<String> routes() {
    return java.util.Set.copyOf(routes.keySet());
  }

  /** How many routes have series (a bound check for tests and operators). */
  public int routeSeries() {
    return routes.size();
  }

  /** Requests not recorded in the per-route families because their route had its maximum of series. */
  public long dropped() {
    return dropped.sum();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Appends the Prometheus text format of these metrics. */
  public void write(StringBuilder out) {
    Map<String, RouteSeries> sorted = new TreeMap<>(routes);
    List<Series> all = new ArrayList<>();
    sorted.values().forEach(rs -> all.addAll(Arrays.asList(rs.all)));
    out.append("# HELP apisix_http_status HTTP status codes per service in APISIX\n");
    out.append("# TYPE apisix_http_status counter\n");
    for (Series s : all) {
      for (Code c : s.codes) {
        out.append("apisix_http_status{code=\"").append(c.key / 2).append("\",route=\"").append(escape(s.route))
            .append("\",matched_uri=\"").append(escape(s.uri)).append("\",matched_host=\"").append(escape(s.host))
            .append("\",service=\"").append(escape(s.service)).append("\",consumer=\"").append(escape(s.consumer))
            .append("\",node=\"").append(escape(s.node))
            .append("\",request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\",response_source=\"")
            .append((c.key & 1) == 1 ? "upstream" : "apisix").append("\"} ").append(c.n.sum()).append('\n');
      }
    }
    // latency and bandwidth have no matched_uri/matched_host: series differing only there are added up
    Map<String, long[]> latency = new TreeMap<>();
    Map<String, long[]> bandwidth = new TreeMap<>();
    for (Series s : all) {
      String labels = "route=\"" + escape(s.route) + "\",service=\"" + escape(s.service) + "\",consumer=\""
          + escape(s.consumer) + "\",node=\"" + escape(s.node)
          + "\",request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\"";
      for (int t = 0; t < LATENCY_TYPES.length; t++) {
        long[] h = latency.computeIfAbsent("type=\"" + LATENCY_TYPES[t] + "\"," + labels, k -> new long[SLOTS + 1]);
        for (int i = 0; i < SLOTS; i++) {
          h[i] += s.buckets[t * SLOTS + i].sum();
        }
        h[SLOTS] += s.sums[t].sum();
      }
      long[] in = bandwidth.computeIfAbsent("type=\"ingress\"," + labels, k -> new long[1]);
      in[0] += s.ingress.sum();
      long[] eg = bandwidth.computeIfAbsent("type=\"egress\"," + labels, k -> new long[1]);
      eg[0] += s.egress.sum();
    }
    out.append("# HELP apisix_http_latency HTTP request latency in milliseconds per service in APISIX\n");
    out.append("# TYPE apisix_http_latency histogram\n");
    latency.forEach((labels, h) -> {
      long count = 0;
      for (int i = 0; i < SLOTS; i++) {
        count += h[i];
      }
      if (count == 0) {
        return; // as APISIX: no upstream histogram for requests that never reached an upstream
      }
      long cumulative = 0;
      for (int i = 0; i < SLOTS; i++) {
        cumulative += h[i];
        out.append("apisix_http_latency_bucket{").append(labels).append(",le=\"")
            .append(i < BUCKETS_MS.length ? String.valueOf(BUCKETS_MS[i]) : "+Inf").append("\"} ").append(cumulative).append('\n');
      }
      out.append("apisix_http_latency_sum{").append(labels).append("} ").append(h[SLOTS] / 1e6).append('\n');
      out.append("apisix_http_latency_count{").append(labels).append("} ").append(cumulative).append('\n');
    });
    out.append("# HELP apisix_bandwidth Total bandwidth in bytes consumed per service in APISIX\n");
    out.append("# TYPE apisix_bandwidth counter\n");
    bandwidth.forEach((labels, v) -> out.append("apisix_bandwidth{").append(labels).append("} ").append(v[0]).append('\n'));
    out.append("# HELP apisix_http_requests_total The total number of client requests since APISIX started\n");
    out.append("# TYPE apisix_http_requests_total gauge\n");
    out.append("apisix_http_requests_total ").append(requests.sum()).append('\n');
    int active = connections.get();
    int writing = Math.min(active, inFlight.get());
    long handled = accepted.sum();
    out.append("# HELP apisix_nginx_http_current_connections Number of HTTP connections\n");
    out.append("# TYPE apisix_nginx_http_current_connections gauge\n");
    out.append("apisix_nginx_http_current_connections{state=\"accepted\"} ").append(handled + refused.getAsLong()).append('\n');
    out.append("apisix_nginx_http_current_connections{state=\"active\"} ").append(active).append('\n');
    out.append("apisix_nginx_http_current_connections{state=\"handled\"} ").append(handled).append('\n');
    out.append("apisix_nginx_http_current_connections{state=\"reading\"} 0\n");
    out.append("apisix_nginx_http_current_connections{state=\"waiting\"} ").append(active - writing).append('\n');
    out.append("apisix_nginx_http_current_connections{state=\"writing\"} ").append(writing).append('\n');
    out.append("# HELP dynconf_http_requests_in_flight Requests being served.\n");
    out.append("# TYPE dynconf_http_requests_in_flight gauge\n");
    out.append("dynconf_http_requests_in_flight ").append(inFlight.get()).append('\n');
    out.append("# HELP dynconf_metrics_dropped_total Requests left out of the per-route families: their route had its maximum of label sets.\n");
    out.append("# TYPE dynconf_metrics_dropped_total counter\n");
    out.append("dynconf_metrics_dropped_total ").append(dropped.sum()).append('\n');
  }

  static String escape(String s) {
    if (s.indexOf('\\') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /** The series of one route: an array replaced on each addition (rare), scanned without a lock. */
  private static final class RouteSeries {
    volatile Series[] all = new Series[0];

    @org.jspecify.annotations.Nullable Series find(int hash, String route, String uri, String host, String service,
        String consumer, String node) {
      for (Series s : all) {
        if (s.hash == hash && s.is(route, uri, host, service, consumer, node)) {
          return s;
        }
      }
      return null;
    }

    synchronized @org.jspecify.annotations.Nullable Series add(int hash, String route, String uri, String host,
        String service, String consumer, String node, int max) {
      Series s = find(hash, route, uri, host, service, consumer, node);
      if (s != null) {
        return s;
      }
      Series[] old = all;
      if (old.length >= max) {
        return null;
      }
      s = new Series(hash, route, uri, host, service, consumer, node);
      Series[] grown = Arrays.copyOf(old, old.length + 1);
      grown[old.length] = s;
      all = grown;
      return s;
    }
  }

  /** One label set's counters. */
  private static final class Series {
    final int hash;
    final String route;
    final String uri;
    final String host;
    final String service;
    final String consumer;
    final String node;
    volatile Code[] codes = new Code[0];
    /** Per latency type, the count of observations in each bucket (not cumulative), then +Inf. */
    final LongAdder[] buckets = new LongAdder[LATENCY_TYPES.length * SLOTS];
    final LongAdder[] sums = new LongAdder[LATENCY_TYPES.length];
    final LongAdder ingress = new LongAdder();
    final LongAdder egress = new LongAdder();

    Series(int hash, String route, String uri, String host, String service, String consumer, String node) {
      this.hash = hash;
      this.route = route;
      this.uri = uri;
      this.host = host;
      this.service = service;
      this.consumer = consumer;
      this.node = node;
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
      for (int i = 0; i < sums.length; i++) {
        sums[i] = new LongAdder();
      }
    }

    boolean is(String r, String u, String h, String s, String c, String n) {
      return same(route, r) && same(uri, u) && same(host, h) && same(service, s) && same(consumer, c) && same(node, n);
    }

    private static boolean same(String a, String b) {
      return a == b || a.equals(b);
    }

    void count(int key) {
      for (Code c : codes) {
        if (c.key == key) {
          c.n.increment();
          return;
        }
      }
      addCode(key).n.increment();
    }

    private synchronized Code addCode(int key) {
      for (Code c : codes) {
        if (c.key == key) {
          return c;
        }
      }
      Code c = new Code(key);
      Code[] grown = Arrays.copyOf(codes, codes.length + 1);
      grown[grown.length - 1] = c;
      Arrays.sort(grown, (a, b) -> Integer.compare(a.key, b.key));
      codes = grown;
      return c;
    }

    void observe(int type, long nanos) {
      int i = 0;
      while (i < BUCKETS_NANOS.length && nanos > BUCKETS_NANOS[i]) {
        i++;
      }
      buckets[type * SLOTS + i].increment();
      sums[type].add(nanos);
    }
  }

  /** A status code (times 2, plus 1 when the upstream answered) and its count. */
  private static final class Code {
    final int key;
    final LongAdder n = new LongAdder();

    Code(int key) {
      this.key = key;
    }
  }
}
