package io.dynconf.core.metrics;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.Health;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A registry's state as Micrometer meters, read at scrape time:
 *
 * <ul>
 *   <li>{@code dynconf.config.health{status}}: 1 for the current {@link Health.Status} (UP, STALE,
 *       DOWN), 0 for the others — alert on {@code status="STALE"} or {@code "DOWN"};
 *   <li>{@code dynconf.config.applied.revision}: the newest source revision applied;
 *   <li>{@code dynconf.config.applies} (counter): snapshots published, one per applied change set;
 *   <li>{@code dynconf.config.relists} (counter): full re-reads of the source;
 *   <li>{@code dynconf.config.rejected} and {@code dynconf.config.pending}: keys holding a rejected
 *       value, items waiting for a reference;
 *   <li>{@code dynconf.config.listener.failures} (counter): listener calls that threw;
 *   <li>{@code dynconf.config.source.contact.age} (seconds): since the source was last heard from
 *       (NaN before the first contact) — the lag a stale node shows;
 *   <li>{@code dynconf.config.items{type}} and {@code dynconf.config.store.version{type}}: per
 *       resource type, its size and version.
 * </ul>
 *
 * <pre>{@code
 * new ConfigRegistryMetrics(registry).bindTo(meterRegistry);
 * }</pre>
 */
public final class ConfigRegistryMetrics implements MeterBinder {
  private final ConfigRegistry registry;
  private final Tags tags;
  private final Clock clock;

  /** Binds {@code registry}'s meters with no extra tags. */
  public ConfigRegistryMetrics(ConfigRegistry registry) {
    this(registry, Tags.empty());
  }

  /** Binds {@code registry}'s meters with {@code tags} on each (to tell several registries apart). */
  public ConfigRegistryMetrics(ConfigRegistry registry, Iterable<Tag> tags) {
    this(registry, tags, Clock.systemUTC());
  }

  ConfigRegistryMetrics(ConfigRegistry registry, Iterable<Tag> tags, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.tags = Tags.of(tags);
    this.clock = clock;
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    for (Health.Status s : Health.Status.values()) {
      Gauge.builder("dynconf.config.health", registry, r -> r.health().status() == s ? 1 : 0)
          .tags(tags).tag("status", s.name())
          .description("1 for the registry's current health (UP: current; STALE: serving the last good configuration; DOWN)")
          .register(meters);
    }
    Gauge.builder("dynconf.config.applied.revision", registry, r -> r.status().appliedRevision()).tags(tags)
        .description("the newest source revision applied").register(meters);
    FunctionCounter.builder("dynconf.config.applies", registry, r -> r.status().snapshotVersion()).tags(tags)
        .description("snapshots published (one per applied change set)").register(meters);
    FunctionCounter.builder("dynconf.config.relists", registry, r -> r.status().relists()).tags(tags)
        .description("full re-reads of the source").register(meters);
    Gauge.builder("dynconf.config.rejected", registry, r -> r.snapshot().rejections().size()).tags(tags)
        .description("keys whose newest value was rejected (their last good value serves)").register(meters);
    Gauge.builder("dynconf.config.pending", registry, r -> r.snapshot().pending().size()).tags(tags)
        .description("items waiting for an object they reference").register(meters);
    FunctionCounter.builder("dynconf.config.listener.failures", registry, r -> r.status().listenerFailures()).tags(tags)
        .description("listener calls that threw").register(meters);
    TimeGauge.builder("dynconf.config.source.contact.age", registry, TimeUnit.SECONDS, this::contactAgeSeconds).tags(tags)
        .description("since the source was last heard from (NaN before the first contact)").register(meters);
    for (ConfigStore<?> store : registry.snapshot().stores()) {
      String type = store.type().name();
      Gauge.builder("dynconf.config.items", registry, r -> r.snapshot().store(type).size()).tags(tags).tag("type", type)
          .description("objects of this type served").register(meters);
      Gauge.builder("dynconf.config.store.version", registry, r -> r.snapshot().store(type).version()).tags(tags)
          .tag("type", type).description("the type's store version (changes with every change of the type)").register(meters);
    }
  }

  private double contactAgeSeconds(ConfigRegistry r) {
    Instant last = r.health().lastContact();
    return last == null ? Double.NaN : Math.max(0, clock.millis() - last.toEpochMilli()) / 1000.0;
  }
}
