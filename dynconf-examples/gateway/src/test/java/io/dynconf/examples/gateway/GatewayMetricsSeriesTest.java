package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.examples.gateway.internal.GatewayMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** {@link GatewayMetrics} alone: series bounded per route, drops counted, exact counts under concurrency. */
class GatewayMetricsSeriesTest {

  private static PrometheusText text(GatewayMetrics m) {
    StringBuilder out = new StringBuilder();
    m.write(out);
    return PrometheusText.parse(out.toString());
  }

  private static void record(GatewayMetrics m, String route, String consumer, String node, int status) {
    m.started();
    m.finished(route, route, "/x", "", "", consumer, node, status, true, 3_000_000, 1_000_000, 100, 200);
  }

  @Test
  void seriesPerRouteAreCappedAndTheDropsCounted() {
    GatewayMetrics m = new GatewayMetrics(2);
    record(m, "r1", "a", "10.0.0.1", 200);
    record(m, "r1", "b", "10.0.0.1", 200);
    record(m, "r1", "c", "10.0.0.1", 200); // a third label set on r1: dropped
    record(m, "r1", "a", "10.0.0.1", 500); // a new code on a kept series: recorded
    record(m, "r2", "c", "10.0.0.1", 200); // another route has its own bound
    PrometheusText t = text(m);
    assertThat(t.sum("apisix_http_status", "route", "r1")).isEqualTo(3);
    assertThat(t.find("apisix_http_status", "route", "r1", "consumer", "c")).isEmpty();
    assertThat(t.sum("apisix_http_status", "route", "r2", "consumer", "c")).isEqualTo(1);
    assertThat(t.sum("dynconf_metrics_dropped_total")).isEqualTo(1);
    assertThat(t.sum("apisix_http_requests_total")).as("the total counts every request").isEqualTo(5);
    assertThat(m.dropped()).isEqualTo(1);
    // 3 ms falls in le=5 (and not in le=2); 1 ms upstream in le=1; apisix = 2 ms in le=2
    assertThat(t.sum("apisix_http_latency_bucket", "type", "request", "route", "r2", "le", "2")).isZero();
    assertThat(t.sum("apisix_http_latency_bucket", "type", "request", "route", "r2", "le", "5")).isEqualTo(1);
    assertThat(t.sum("apisix_http_latency_bucket", "type", "upstream", "route", "r2", "le", "1")).isEqualTo(1);
    assertThat(t.sum("apisix_http_latency_bucket", "type", "apisix", "route", "r2", "le", "1")).isZero();
    assertThat(t.sum("apisix_http_latency_bucket", "type", "apisix", "route", "r2", "le", "2")).isEqualTo(1);
    assertThat(t.sum("apisix_http_latency_sum", "type", "request", "route", "r2")).isEqualTo(3.0);
    m.forgetRoute("r1");
    assertThat(text(m).find("apisix_http_status", "route", "r1")).isEmpty();
  }

  @Test
  void labelValuesAreEscaped() {
    GatewayMetrics m = new GatewayMetrics();
    record(m, "r\"1\\\n", "c", "n", 200);
    assertThat(text(m).find("apisix_http_status", "route", "r\"1\\\n")).hasSize(1);
  }

  @Test
  void countsAreExactUnderConcurrency() throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("GatewayMetricsSeriesTest seed=" + seed + " (replay with -Dseed=" + seed + ")");
    Random random = new Random(seed);
    GatewayMetrics m = new GatewayMetrics(8);
    int threads = 4;
    int perThread = 20_000;
    long[][] plan = new long[threads][perThread];
    long[] expected = new long[4];
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        int route = random.nextInt(4);
        plan[t][i] = route;
        expected[route]++;
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long[] mine = plan[t];
        done.add(pool.submit(() -> {
          for (long route : mine) {
            record(m, "r" + route, "c" + (route % 2), "10.0.0.1", 200 + (int) route);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    PrometheusText t = text(m);
    for (int r = 0; r < 4; r++) {
      assertThat(t.sum("apisix_http_status", "route", "r" + r, "code", String.valueOf(200 + r))).as("seed %d", seed).isEqualTo(expected[r]);
      assertThat(t.sum("apisix_bandwidth", "type", "egress", "route", "r" + r)).isEqualTo(200.0 * expected[r]);
    }
    assertThat(m.inFlight()).isZero();
  }
}
