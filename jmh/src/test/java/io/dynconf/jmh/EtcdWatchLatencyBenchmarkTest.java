package io.dynconf.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark's fixture works on real etcd: each operation returns the revision of its own put. */
class EtcdWatchLatencyBenchmarkTest {
  @Test
  void eachOperationWaitsForTheWatchEventOfItsOwnPut() throws Exception {
    EtcdWatchLatencyBenchmark benchmark = new EtcdWatchLatencyBenchmark();
    benchmark.members = 1;
    benchmark.setUp();
    try {
      long first = benchmark.putThenWatchEvent();
      long second = benchmark.putThenWatchEvent();
      long third = benchmark.putThenWatchEvent();

      assertThat(first).isGreaterThan(1);
      assertThat(second).isEqualTo(first + 1);
      assertThat(third).isEqualTo(second + 1);
    } finally {
      benchmark.tearDown();
    }
  }
}
