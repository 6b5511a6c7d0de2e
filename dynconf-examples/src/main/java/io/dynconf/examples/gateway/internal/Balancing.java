package io.dynconf.examples.gateway.internal;

import io.dynconf.core.Upstream;
import io.dynconf.radix.ResolvedRoute;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** How the proxy chooses upstream nodes and reports outcomes. Thread-safe. */
public interface Balancing {

  /** One chosen node; {@link #finished} reports its outcome. */
  interface Pick {
    Upstream.Node node();

    /** The port to connect to (the node's, else the scheme's default). */
    int port();
  }

  /** A node for this attempt that is not in {@code tried}, or null when none is left. */
  @Nullable Pick pick(ResolvedRoute route, NettyRouteRequest request, List<Pick> tried);

  /** Reports an attempt's outcome: {@code status} 0 for a connection failure or timeout. */
  void finished(ResolvedRoute route, Pick pick, boolean success, long nanos, int status);
}
