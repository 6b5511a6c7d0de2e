package io.dynconf.examples.gateway.plugin.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** limit-count's counting: fixed windows, and memory bounded under a flood of distinct keys. */
class LimitCountTest {
  private final AtomicLong now = new AtomicLong(1_000_000 * 60_000L); // on a window boundary

  @Test
  void countsPerKeyInFixedWindows() {
    LimitCount plugin = new LimitCount(now::get, 100);
    LimitCount.Config config = plugin.configure(Map.of("count", 2, "time_window", 60));
    assertThat(plugin.hit(config, "a", now.get())).isEqualTo(1);
    assertThat(plugin.hit(config, "a", now.addAndGet(59_000))).isEqualTo(2);
    assertThat(plugin.hit(config, "b", now.get())).isEqualTo(1);
    assertThat(plugin.hit(config, "a", now.addAndGet(1_000))).as("a new window").isEqualTo(1);
  }

  @Test
  void aFloodOfDistinctKeysStaysWithinTheCapAndKnownKeysKeepCounting() {
    LimitCount plugin = new LimitCount(now::get, 100);
    LimitCount.Config config = plugin.configure(Map.of("count", 5, "time_window", 60));
    plugin.hit(config, "steady", now.get());
    int steadyCount = 1;
    for (int i = 0; i < 10_000; i++) {
      plugin.hit(config, "flood-" + i, now.get());
      assertThat(config.windows.size()).isLessThanOrEqualTo(100);
      if (config.windows.containsKey("steady")) {
        steadyCount = (int) plugin.hit(config, "steady", now.get());
      }
    }
    assertThat(steadyCount).as("a key never forgotten counts on").isGreaterThan(1);

    now.addAndGet(60_000); // the next window: the flood's stale keys go before any current one
    plugin.hit(config, "x", now.get());
    assertThat(config.windows).containsOnlyKeys("x");
  }
}
