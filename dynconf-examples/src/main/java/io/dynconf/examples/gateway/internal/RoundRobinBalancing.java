package io.dynconf.examples.gateway.internal;

import io.dynconf.core.Upstream;
import io.dynconf.radix.ResolvedRoute;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Plain round robin over an upstream's nodes with weight above 0, skipping nodes already tried. */
public final class RoundRobinBalancing implements Balancing {
  private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();

  record SimplePick(Upstream.Node node, int port) implements Pick {}

  @Override
  public @Nullable Pick pick(ResolvedRoute route, NettyRouteRequest request, List<Pick> tried) {
    Upstream u = route.upstream();
    List<Upstream.Node> nodes = u.nodes();
    int start = counters.computeIfAbsent(String.valueOf(route.upstreamKey()), k -> new AtomicInteger()).getAndIncrement();
    for (int i = 0; i < nodes.size(); i++) {
      Upstream.Node n = nodes.get(Math.floorMod(start + i, nodes.size()));
      if (n.weight() <= 0) {
        continue;
      }
      boolean used = false;
      for (Pick p : tried) {
        used |= p.node().equals(n);
      }
      if (!used) {
        return new SimplePick(n, n.port() != null ? n.port() : "https".equals(u.scheme()) ? 443 : 80);
      }
    }
    return null;
  }

  @Override
  public void finished(ResolvedRoute route, Pick pick, boolean success, long nanos, int status) {}
}
