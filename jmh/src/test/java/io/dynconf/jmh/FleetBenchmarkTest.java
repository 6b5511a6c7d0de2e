package io.dynconf.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A few short fleet runs on real etcd: each ends with its result line, every watcher having seen every change. */
class FleetBenchmarkTest {
  @Test
  void watchersDirectlyOnEtcd() throws Exception {
    assertThat(FleetBenchmark.measure("--watchers", "5", "--clients", "2", "--changes", "10", "--warmup", "2"))
        .startsWith("fleet watchers=5 clients=2 via=direct changes=10 p50_ms=")
        .contains("proxy_cpu_us_per_change=-");
  }

  @Test
  void watchersThroughTheGrpcProxy() throws Exception {
    assertThat(FleetBenchmark.measure("--watchers", "5", "--proxy", "--changes", "10", "--warmup", "2"))
        .startsWith("fleet watchers=5 clients=4 via=proxy changes=10 p50_ms=")
        .doesNotContain("proxy_rss_mb=-");
  }

  @Test
  void fullRegistries() throws Exception {
    assertThat(FleetBenchmark.measure("--registries", "2", "--changes", "10", "--warmup", "2"))
        .startsWith("fleet registries=2 clients=2 via=direct changes=10 p50_ms=");
  }
}
