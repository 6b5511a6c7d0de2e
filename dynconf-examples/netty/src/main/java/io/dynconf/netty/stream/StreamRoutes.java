package io.dynconf.netty.stream;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.StreamRoute;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.core.match.IpAddress;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Matches a TCP connection against the served {@code stream_routes}, as APISIX's stream router
 * does: a route applies when each of its {@code server_addr} (the local address the connection
 * arrived on), {@code server_port}, {@code remote_addr} (an address or CIDR block) and {@code sni}
 * (exact, or {@code *.example.com} for one label; case-insensitive) that is set matches. Among the
 * routes that apply, the one with the most conditions set wins, then the smallest id, so a
 * catch-all route never shadows a specific one. Read from the registry's current snapshot per
 * connection: changes apply to the next connection without a restart.
 */
public final class StreamRoutes {
  private StreamRoutes() {}

  /**
   * A matched route and the upstream it forwards to.
   *
   * @param upstreamKey the balancer's key: {@code /upstreams/ID} for an {@code upstream_id} (shared
   *     with HTTP routes naming it), {@code /stream_routes/ID} or {@code /services/ID} for an inline one
   */
  public record Match(StreamRoute route, Upstream upstream, String upstreamKey, long upstreamRevision) {}

  /** The route for a connection, or null when none applies (or its upstream is not served). */
  public static @Nullable Match match(ConfigSnapshot snapshot, String serverAddr, int serverPort, String remoteAddr,
      @Nullable String sni) {
    ConfigItem<StreamRoute> best = null;
    int bestScore = -1;
    for (ConfigItem<StreamRoute> item : snapshot.store(StandardTypes.STREAM_ROUTES).items()) {
      StreamRoute r = item.value();
      int score = score(r, serverAddr, serverPort, remoteAddr, sni);
      if (score > bestScore || (score == bestScore && best != null && r.id().compareTo(best.value().id()) < 0)) {
        if (score >= 0) {
          best = item;
          bestScore = score;
        }
      }
    }
    return best == null ? null : resolve(snapshot, best);
  }

  /** How many conditions {@code r} sets, or -1 when one of them does not hold. */
  static int score(StreamRoute r, String serverAddr, int serverPort, String remoteAddr, @Nullable String sni) {
    int score = 0;
    if (r.serverAddr() != null) {
      if (!sameAddress(r.serverAddr(), serverAddr)) {
        return -1;
      }
      score++;
    }
    if (r.serverPort() != null) {
      if (r.serverPort() != serverPort) {
        return -1;
      }
      score++;
    }
    if (r.remoteAddr() != null) {
      if (!inBlock(r.remoteAddr(), remoteAddr)) {
        return -1;
      }
      score++;
    }
    if (r.sni() != null) {
      if (sni == null || !sniMatches(r.sni(), sni)) {
        return -1;
      }
      score++;
    }
    return score;
  }

  static boolean sniMatches(String pattern, String sni) {
    String p = pattern.toLowerCase(Locale.ROOT);
    String s = sni.toLowerCase(Locale.ROOT);
    if (p.startsWith("*.")) {
      int dot = s.indexOf('.');
      return dot > 0 && s.substring(dot).equals(p.substring(1));
    }
    return p.equals(s);
  }

  private static boolean sameAddress(String a, String b) {
    long[] x = new long[2];
    long[] y = new long[2];
    int fx = IpAddress.parse(a, x);
    return fx != IpAddress.NOT_AN_ADDRESS && fx == IpAddress.parse(b, y) && x[0] == y[0] && x[1] == y[1];
  }

  /** Whether {@code address} lies in {@code block} (an address or CIDR block of the same family). */
  static boolean inBlock(String block, String address) {
    long[] b = new long[4];
    long[] a = new long[2];
    int fb = IpAddress.parseBlock(block, b);
    int fa = IpAddress.parse(address, a);
    if (fb == IpAddress.NOT_AN_ADDRESS || fa != fb) {
      return false;
    }
    // the block's first and last address: out[0..1] and out[2..3], compared unsigned
    return compare(a[0], a[1], b[0], b[1]) >= 0 && compare(a[0], a[1], b[2], b[3]) <= 0;
  }

  private static int compare(long hi1, long lo1, long hi2, long lo2) {
    int c = Long.compareUnsigned(hi1, hi2);
    return c != 0 ? c : Long.compareUnsigned(lo1, lo2);
  }

  private static @Nullable Match resolve(ConfigSnapshot s, ConfigItem<StreamRoute> item) {
    StreamRoute r = item.value();
    if (r.upstream() != null) {
      return new Match(r, r.upstream(), "/stream_routes/" + r.id(), item.modRevision());
    }
    ConfigStore<Upstream> upstreams = s.store(StandardTypes.UPSTREAMS);
    if (r.upstreamId() != null) {
      ConfigItem<Upstream> u = upstreams.item(r.upstreamId());
      return u == null ? null : new Match(r, u.value(), "/upstreams/" + r.upstreamId(), u.modRevision());
    }
    if (r.serviceId() != null) {
      ConfigItem<Service> svc = s.store(StandardTypes.SERVICES).item(r.serviceId());
      if (svc == null) {
        return null;
      }
      if (svc.value().upstream() != null) {
        return new Match(r, svc.value().upstream(), "/services/" + r.serviceId(), svc.modRevision());
      }
      if (svc.value().upstreamId() != null) {
        ConfigItem<Upstream> u = upstreams.item(svc.value().upstreamId());
        return u == null ? null : new Match(r, u.value(), "/upstreams/" + svc.value().upstreamId(), u.modRevision());
      }
    }
    return null;
  }
}
