package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.radix.RouterMode;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up warning for routes whose paths hold {@code :name} segments under a router mode
 * that reads them as literal text ({@code radixtree_host_uri}, the default, and {@code
 * radixtree_uri}): such a route matches only the path spelled with the colon, which is APISIX's
 * behaviour but not what the gateway did before it had modes.
 */
public final class ParameterRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(ParameterRoutes.class);
  /** At most this many route ids are named in the warning. */
  static final int NAMED = 20;

  private ParameterRoutes() {}

  /** The ids of routes with a {@code :name} path segment, in id order; empty when {@code mode} binds them. */
  public static List<String> literalUnder(RouterMode mode, ConfigSnapshot snapshot) {
    List<String> ids = new ArrayList<>();
    if (mode.bindsParameters()) {
      return ids;
    }
    for (Route r : snapshot.store(StandardTypes.ROUTES).values()) {
      for (String uri : r.uris()) {
        if (hasParameterSegment(uri)) {
          ids.add(r.id());
          break;
        }
      }
    }
    ids.sort(null);
    return ids;
  }

  /** Whether {@code uri} has a segment that starts with {@code :} and names something. */
  public static boolean hasParameterSegment(String uri) {
    for (int i = uri.indexOf("/:"); i >= 0; i = uri.indexOf("/:", i + 1)) {
      if (i + 2 < uri.length() && uri.charAt(i + 2) != '/') {
        return true;
      }
    }
    return false;
  }

  /** Logs the warning when {@link #literalUnder} finds routes; returns what it found. */
  public static List<String> warn(RouterMode mode, ConfigSnapshot snapshot) {
    List<String> ids = literalUnder(mode, snapshot);
    if (!ids.isEmpty()) {
      String named = ids.size() <= NAMED ? String.join(", ", ids)
          : String.join(", ", ids.subList(0, NAMED)) + " and " + (ids.size() - NAMED) + " more";
      LOG.warn("router mode {}: {} route(s) have :name path segments, which this mode matches as literal text"
          + " (as APISIX does), not as parameters: {}. Start with --router-mode radixtree_uri_with_parameter"
          + " to bind them (see the README's migration note)", mode.apisixName(), ids.size(), named);
    }
    return ids;
  }
}
