package io.dynconf.examples.gateway.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data plane's counters: requests by route and status, a latency histogram, requests in
 * flight. Recorded on the event loops without locks (adders); read by the metrics endpoint.
 */
public final class GatewayMetrics {
  /** Histogram bucket upper bounds in seconds (Prometheus {@code le}), then +Inf. */
  static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /** Per route, one adder per status code 0..599 (created on first use): no key string per request. */
  private final Map<String, java.util.concurrent.atomic.AtomicReferenceArray<LongAdder>> requests = new ConcurrentHashMap<>();
  private final LongAdder[] buckets = new LongAdder[BUCKETS.length + 1];
  private final LongAdder latencySumNanos = new LongAdder();
  private final LongAdder latencyCount = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();

  public GatewayMetrics() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  void started() {
    inFlight.incrementAndGet();
  }

  /** One request ended: {@code route} null when none matched; {@code status} 0 when the client left. */
  void finished(String route, int status, long nanos) {
    inFlight.decrementAndGet();
    java.util.concurrent.atomic.AtomicReferenceArray<LongAdder> byStatus = requests.get(route);
    if (byStatus == null) {
      byStatus = requests.computeIfAbsent(route, k -> new java.util.concurrent.atomic.AtomicReferenceArray<>(600));
    }
    int code = status >= 0 && status < 600 ? status : 0;
    LongAdder adder = byStatus.get(code);
    if (adder == null) {
      byStatus.compareAndSet(code, null, new LongAdder());
      adder = byStatus.get(code);
    }
    adder.increment();
    double seconds = nanos / 1e9;
    int i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) {
      i++;
    }
    buckets[i].increment();
    latencySumNanos.add(nanos);
    latencyCount.increment();
  }

  /** Drops the series of a deleted route. */
  public void forgetRoute(String route) {
    requests.remove(route);
  }

  /** The routes that have series (a copy; "" is the series of requests no route matched). */
  public java.util.Set<String> routes() {
    return java.util.Set.copyOf(requests.keySet());
  }

  /** How many routes have series (a bound check for tests and operators). */
  public int routeSeries() {
    return requests.size();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Appends the Prometheus text format of these metrics. */
  public void write(StringBuilder out) {
    out.append("# HELP dynconf_http_requests_total Requests by route and status (route \"\" when none matched; status 0: client left).\n");
    out.append("# TYPE dynconf_http_requests_total counter\n");
    new java.util.TreeMap<>(requests).forEach((route, byStatus) -> {
      for (int code = 0; code < byStatus.length(); code++) {
        LongAdder v = byStatus.get(code);
        if (v != null) {
          out.append("dynconf_http_requests_total{route=\"").append(escape(route)).append("\",code=\"")
              .append(code).append("\"} ").append(v.sum()).append('\n');
        }
      }
    });
    out.append("# HELP dynconf_http_request_duration_seconds Time from the request head to the end of the response.\n");
    out.append("# TYPE dynconf_http_request_duration_seconds histogram\n");
    long cumulative = 0;
    for (int i = 0; i < buckets.length; i++) {
      cumulative += buckets[i].sum();
      out.append("dynconf_http_request_duration_seconds_bucket{le=\"").append(i < BUCKETS.length ? trim(BUCKETS[i]) : "+Inf")
          .append("\"} ").append(cumulative).append('\n');
    }
    out.append("dynconf_http_request_duration_seconds_sum ").append(latencySumNanos.sum() / 1e9).append('\n');
    out.append("dynconf_http_request_duration_seconds_count ").append(latencyCount.sum()).append('\n');
    out.append("# HELP dynconf_http_requests_in_flight Requests being served.\n");
    out.append("# TYPE dynconf_http_requests_in_flight gauge\n");
    out.append("dynconf_http_requests_in_flight ").append(inFlight.get()).append('\n');
  }

  static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
