package io.dynconf.radix.metrics;

import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.NodeHealth;
import io.dynconf.radix.balance.UpstreamHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The balancers' node health as Micrometer meters ({@link Balancers#health()}, read at scrape
 * time): {@code dynconf.balancer.upstreams} (upstreams with a balancer), {@code
 * dynconf.balancer.nodes.unhealthy} (nodes that take no traffic, over all upstreams), {@code
 * dynconf.balancer.upstreams.all.unhealthy} (upstreams whose every node is down, so traffic goes to
 * all of them, as APISIX does — alert on it), {@code dynconf.balancer.probing} (upstreams whose
 * active checks run) and {@code dynconf.balancer.fallback.picks} (counter: picks made while all
 * nodes were down).
 *
 * <p>Per node, {@code dynconf.upstream.node.healthy{upstream, node}} (1 or 0, APISIX's {@code
 * apisix_upstream_status}) for upstreams with health checks: these series come and go with
 * upstreams and nodes, so they are refreshed by {@link #refreshNodes()} — call it on a timer (say
 * every scrape interval); deleted upstreams' series disappear at the next refresh.
 */
public final class BalancerMetrics implements MeterBinder {
  private final Balancers balancers;
  private final Tags tags;
  private @Nullable MultiGauge nodes;

  public BalancerMetrics(Balancers balancers) {
    this(balancers, Tags.empty());
  }

  /** With {@code tags} on each meter. */
  public BalancerMetrics(Balancers balancers, Iterable<Tag> tags) {
    this.balancers = Objects.requireNonNull(balancers, "balancers");
    this.tags = Tags.of(tags);
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    Gauge.builder("dynconf.balancer.upstreams", balancers, b -> b.health().size()).tags(tags)
        .description("upstreams with a balancer").register(meters);
    Gauge.builder("dynconf.balancer.nodes.unhealthy", balancers, b -> count(b, false)).tags(tags)
        .description("nodes that take no traffic").register(meters);
    Gauge.builder("dynconf.balancer.upstreams.all.unhealthy", balancers,
        b -> b.health().stream().filter(UpstreamHealth::allUnhealthy).count()).tags(tags)
        .description("upstreams whose every node is unhealthy (traffic goes to all of them)").register(meters);
    Gauge.builder("dynconf.balancer.probing", balancers, b -> b.health().stream().filter(UpstreamHealth::probing).count()).tags(tags)
        .description("upstreams whose active health checks run").register(meters);
    FunctionCounter.builder("dynconf.balancer.fallback.picks", balancers,
        b -> b.health().stream().mapToLong(UpstreamHealth::fallbackPicks).sum()).tags(tags)
        .description("picks made while every node was unhealthy").register(meters);
    synchronized (this) {
      nodes = MultiGauge.builder("dynconf.upstream.node.healthy").tags(tags)
          .description("1 when the node takes traffic (upstreams with health checks)").register(meters);
    }
    refreshNodes();
  }

  /** Re-reads the per-node series: new nodes appear, those of deleted upstreams and nodes go. */
  public synchronized void refreshNodes() {
    MultiGauge g = nodes;
    if (g == null) {
      throw new IllegalStateException("bindTo a registry first");
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (UpstreamHealth u : balancers.health()) {
      if (u.checks()) {
        for (NodeHealth n : u.nodes()) {
          rows.add(MultiGauge.Row.of(Tags.of("upstream", u.upstreamKey(), "node", n.node().address()), n.healthy() ? 1 : 0));
        }
      }
    }
    g.register(rows, true);
  }

  private static long count(Balancers b, boolean healthy) {
    long n = 0;
    for (UpstreamHealth u : b.health()) {
      for (NodeHealth h : u.nodes()) {
        if (h.healthy() == healthy) {
          n++;
        }
      }
    }
    return n;
  }
}
