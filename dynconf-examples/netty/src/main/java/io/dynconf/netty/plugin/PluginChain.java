package io.dynconf.netty.plugin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The plugins of one route (or of the global rules, or of one consumer), compiled and ordered by
 * priority. Immutable (it caches its merges with consumers' chains).
 */
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

  /** Most merged chains kept per chain; beyond it the cache starts afresh. */
  private static final int MERGE_CACHE_LIMIT = 256;

  private final List<Link<?>> links;
  /** Merges with consumers' chains, by the consumer chain's identity (rebuilt on every consumers change). */
  private final Map<PluginChain, PluginChain> merges = new ConcurrentHashMap<>();

  PluginChain(List<Link<?>> links) {
    List<Link<?>> sorted = new ArrayList<>(links);
    sorted.sort(Comparator.comparingInt((Link<?> l) -> -l.plugin().priority()));
    this.links = List.copyOf(sorted);
  }

  public boolean isEmpty() {
    return links.isEmpty();
  }

  /**
   * This route's chain with a consumer's plugins merged in, the consumer's configuration winning
   * for a plugin both have (APISIX's {@code merge_consumer_route}). Built once per pair and cached,
   * so the counters of a consumer's {@code limit-count} are the same objects on every request.
   */
  public PluginChain merge(PluginChain consumer) {
    if (consumer.isEmpty()) {
      return this;
    }
    PluginChain merged = merges.get(consumer);
    if (merged == null) {
      Set<String> overridden = new HashSet<>(consumer.names());
      List<Link<?>> all = new ArrayList<>(consumer.links);
      for (Link<?> l : links) {
        if (!overridden.contains(l.plugin().name())) {
          all.add(l);
        }
      }
      merged = new PluginChain(all);
      if (merges.size() >= MERGE_CACHE_LIMIT) {
        merges.clear(); // chains of consumers since replaced; the live ones are rebuilt on demand
      }
      PluginChain raced = merges.putIfAbsent(consumer, merged);
      if (raced != null) {
        merged = raced;
      }
    }
    return merged;
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
