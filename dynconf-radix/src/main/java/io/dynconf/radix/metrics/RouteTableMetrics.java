package io.dynconf.radix.metrics;

import io.dynconf.radix.RouteTable;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * A route table as Micrometer meters, read at scrape time: {@code dynconf.router.routes} (routes
 * in the router), {@code dynconf.router.left.out} (routes the table could not route — see {@link
 * RouteTable#skipped()} for why; alert when above 0), {@code dynconf.router.revision} (the config
 * revision the router reflects) and {@code dynconf.router.snapshot.version} (the registry snapshot
 * it reflects: compare with {@code dynconf.config.applies} to see a router behind its registry).
 */
public final class RouteTableMetrics implements MeterBinder {
  private final RouteTable table;
  private final Tags tags;

  public RouteTableMetrics(RouteTable table) {
    this(table, Tags.empty());
  }

  /** With {@code tags} on each meter. */
  public RouteTableMetrics(RouteTable table, Iterable<Tag> tags) {
    this.table = Objects.requireNonNull(table, "table");
    this.tags = Tags.of(tags);
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    Gauge.builder("dynconf.router.routes", table, t -> t.router().size()).tags(tags)
        .description("routes in the router").register(meters);
    Gauge.builder("dynconf.router.left.out", table, t -> t.skipped().size()).tags(tags)
        .description("routes left out of the router (RouteTable.skipped() says why)").register(meters);
    Gauge.builder("dynconf.router.revision", table, RouteTable::revision).tags(tags)
        .description("the config revision the router reflects").register(meters);
    Gauge.builder("dynconf.router.snapshot.version", table, RouteTable::snapshotVersion).tags(tags)
        .description("the registry snapshot version the router reflects (-1 before the first)").register(meters);
  }
}
