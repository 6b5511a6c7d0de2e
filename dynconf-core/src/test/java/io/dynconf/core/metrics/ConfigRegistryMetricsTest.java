package io.dynconf.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ResourceType;
import io.dynconf.core.source.InMemorySource;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 19, item 5: the registry's Micrometer meters follow its state. */
class ConfigRegistryMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ResourceType<ObjectNode> THINGS = ResourceType.builder("things", ObjectNode.class)
      .checker(node -> {
        if (node.has("bad")) {
          throw new io.dynconf.core.InvalidConfigException("/bad", "not allowed");
        }
      })
      .build();

  private final InMemorySource source = new InMemorySource("/apisix");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private ConfigRegistry registry;

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  private double gauge(String name, String... tags) {
    return meters.get(name).tags(tags).gauge().value();
  }

  @Test
  void metersReadTheRegistryAtScrapeTime() throws Exception {
    registry = ConfigRegistry.builder(source).types(List.of(THINGS)).build();
    new ConfigRegistryMetrics(registry, Tags.of("node", "n1")).bindTo(meters);
    assertThat(gauge("dynconf.config.health", "status", "DOWN", "node", "n1")).as("nothing loaded yet").isEqualTo(1);
    assertThat(gauge("dynconf.config.health", "status", "UP", "node", "n1")).isZero();

    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    await().atMost(WAIT).until(() -> gauge("dynconf.config.health", "status", "UP") == 1);
    assertThat(gauge("dynconf.config.health", "status", "DOWN")).isZero();
    assertThat(gauge("dynconf.config.items", "type", "things")).isZero();

    long rev = source.put("/apisix/things/a", "{\"x\":1}");
    source.put("/apisix/things/b", "{\"x\":2}");
    long bad = source.put("/apisix/things/c", "{\"bad\":true}");
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= bad);
    assertThat(gauge("dynconf.config.items", "type", "things")).isEqualTo(2);
    assertThat(gauge("dynconf.config.rejected")).isEqualTo(1);
    assertThat(gauge("dynconf.config.applied.revision")).isGreaterThanOrEqualTo(bad).isGreaterThan(rev);
    assertThat(gauge("dynconf.config.store.version", "type", "things")).isPositive();
    assertThat(meters.get("dynconf.config.applies").functionCounter().count()).isPositive();
    assertThat(meters.get("dynconf.config.relists").functionCounter().count()).isGreaterThanOrEqualTo(0);
    assertThat(meters.get("dynconf.config.source.contact.age").timeGauge().value(TimeUnit.SECONDS))
        .as("the in-memory source is always in contact").isBetween(0.0, 60.0);

    source.delete("/apisix/things/a");
    await().atMost(WAIT).until(() -> gauge("dynconf.config.items", "type", "things") == 1);
  }
}
