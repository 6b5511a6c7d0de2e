package io.dynconf.etcd.metrics;

import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.EtcdStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * An etcd source's watch as Micrometer meters, read at scrape time:
 *
 * <ul>
 *   <li>{@code dynconf.etcd.connected}: 1 while the watch stream is up and answering, else 0;
 *   <li>{@code dynconf.etcd.revision}: etcd's newest revision as last seen (APISIX's
 *       {@code etcd_modify_indexes} counterpart) and {@code dynconf.etcd.applied.revision}: the
 *       newest revision this source delivered;
 *   <li>{@code dynconf.etcd.lag.revisions}: the difference (0 when current);
 *   <li>{@code dynconf.etcd.reconnects} (counter): watch streams re-established;
 *   <li>{@code dynconf.etcd.activity.age} (seconds): since the stream last delivered anything
 *       (events or a progress notification).
 * </ul>
 */
public final class EtcdSourceMetrics implements MeterBinder {
  private final EtcdSource source;
  private final Tags tags;

  public EtcdSourceMetrics(EtcdSource source) {
    this(source, Tags.empty());
  }

  /** With {@code tags} on each meter (to tell several sources apart). */
  public EtcdSourceMetrics(EtcdSource source, Iterable<Tag> tags) {
    this.source = Objects.requireNonNull(source, "source");
    this.tags = Tags.of(tags);
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    Gauge.builder("dynconf.etcd.connected", source, s -> s.status().state() == EtcdStatus.State.CONNECTED ? 1 : 0).tags(tags)
        .description("1 while the watch stream is up and answering").register(meters);
    Gauge.builder("dynconf.etcd.revision", source, s -> s.status().etcdRevision()).tags(tags)
        .description("etcd's newest revision as last seen").register(meters);
    Gauge.builder("dynconf.etcd.applied.revision", source, s -> s.status().appliedRevision()).tags(tags)
        .description("the newest revision this source delivered").register(meters);
    Gauge.builder("dynconf.etcd.lag.revisions", source, s -> lag(s.status())).tags(tags)
        .description("revisions etcd has that this source has not delivered").register(meters);
    FunctionCounter.builder("dynconf.etcd.reconnects", source, s -> s.status().reconnects()).tags(tags)
        .description("watch streams re-established").register(meters);
    TimeGauge.builder("dynconf.etcd.activity.age", source, TimeUnit.MILLISECONDS, s -> s.status().sinceLastActivity().toMillis())
        .tags(tags).description("since the stream last delivered events or a progress notification").register(meters);
  }

  private static long lag(EtcdStatus st) {
    return Math.max(0, st.etcdRevision() - st.appliedRevision());
  }
}
