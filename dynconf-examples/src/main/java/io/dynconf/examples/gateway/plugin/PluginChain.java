package io.dynconf.examples.gateway.plugin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The plugins of one route (or of the global rules), compiled and ordered by priority. Immutable. */
public final class PluginChain {
  public static final PluginChain EMPTY = new PluginChain(List.of());

  /** One configured plugin. */
  record Link<C>(GatewayPlugin<C> plugin, C config) {
    @Nullable PluginResponse rewrite(PluginContext ctx) {
      return plugin.rewrite(config, ctx);
    }

    @Nullable PluginResponse access(PluginContext ctx) {
      return plugin.access(config, ctx);
    }

    void headerFilter(PluginContext ctx, ResponseHead head) {
      plugin.headerFilter(config, ctx, head);
    }

    void log(PluginContext ctx, int status, long nanos) {
      plugin.log(config, ctx, status, nanos);
    }
  }

  private final List<Link<?>> links;

  PluginChain(List<Link<?>> links) {
    List<Link<?>> sorted = new ArrayList<>(links);
    sorted.sort(Comparator.comparingInt((Link<?> l) -> -l.plugin().priority()));
    this.links = List.copyOf(sorted);
  }

  public boolean isEmpty() {
    return links.isEmpty();
  }

  /** The plugin names in run order. */
  public List<String> names() {
    return links.stream().map(l -> l.plugin().name()).toList();
  }

  public @Nullable PluginResponse rewrite(PluginContext ctx) {
    for (Link<?> l : links) {
      PluginResponse r = l.rewrite(ctx);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  public @Nullable PluginResponse access(PluginContext ctx) {
    for (Link<?> l : links) {
      PluginResponse r = l.access(ctx);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  public void headerFilter(PluginContext ctx, ResponseHead head) {
    for (Link<?> l : links) {
      l.headerFilter(ctx, head);
    }
  }

  public void log(PluginContext ctx, int status, long nanos) {
    for (Link<?> l : links) {
      l.log(ctx, status, nanos);
    }
  }

  @Override
  public String toString() {
    return "PluginChain" + names();
  }
}
