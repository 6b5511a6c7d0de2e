package io.dynconf.core;

import io.dynconf.core.source.InMemorySource;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers during continuous writes never see a snapshot in which a route points at an upstream
 * that is missing from that same snapshot, and never see a store go backwards.
 */
class ConfigRegistryConcurrencyTest {
  @Test
  void readersNeverSeeARouteWhoseUpstreamIsMissingFromTheSameSnapshot() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).types(TestTypes.all()).build().start()) {
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong violations = new AtomicLong();
      AtomicLong routesSeen = new AtomicLong();
      AtomicLong backwards = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        Thread t = new Thread(() -> {
          long lastVersion = 0;
          while (!stop.get()) {
            ConfigSnapshot s = registry.snapshot(); // one read; everything below is consistent
            if (s.version() < lastVersion) {
              backwards.incrementAndGet();
            }
            lastVersion = s.version();
            ConfigStore<ObjectNode> upstreams = s.store(TestTypes.UPSTREAMS);
            for (ObjectNode route : s.store(TestTypes.ROUTES).values()) {
              routesSeen.incrementAndGet();
              if (route.hasNonNull("upstream_id") && upstreams.get(route.get("upstream_id").asText()) == null) {
                violations.incrementAndGet();
              }
            }
          }
        }, "reader-" + r);
        readers.add(t);
        t.start();
      }

      // Writer: upstreams come and go under routes that keep pointing at them.
      for (int i = 0; i < 4000; i++) {
        int j = (i / 4) % 20;
        switch (i % 4) {
          case 0 -> source.put("/apisix/upstreams/u" + j, TestTypes.upstream("h" + i));
          case 1 -> source.put("/apisix/routes/r" + (i % 50), TestTypes.route("/p" + i, "u" + j));
          case 2 -> source.delete("/apisix/upstreams/u" + ((j + 10) % 20));
          default -> source.put("/apisix/routes/r" + ((i + 7) % 50), TestTypes.route("/q" + i, "u" + ((j + 1) % 20)));
        }
      }
      long target = source.revision();
      while (registry.status().appliedRevision() < target) {
        Thread.onSpinWait();
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }

      assertThat(routesSeen.get()).as("readers saw routes").isPositive();
      assertThat(violations.get()).as("routes whose upstream was missing in the same snapshot").isZero();
      assertThat(backwards.get()).as("snapshots going backwards").isZero();
      assertThat(registry.snapshot().pending()).isNotEmpty(); // the writer did leave routes dangling
    }
  }
}
