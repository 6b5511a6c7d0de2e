package io.dynconf.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Header rules of the proxy: hop-by-hop removal (without letting a request strip its own framing), Host values. */
final class ProxyHeaders {
  private static final Set<String> NEVER_HOP = Set.of("content-length", "transfer-encoding", "host");
  /** The forwarding headers the proxy sets, as cached names (their hashes are computed once, not per request). */
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
  static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");

  private static final AsciiString[] HOP_BY_HOP = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
      HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHENTICATE};

  private ProxyHeaders() {}

  static void removeHopByHop(HttpHeaders h, boolean keepUpgrade) {
    removeHopByHop(h, h, keepUpgrade);
  }

  /**
   * Removes from {@code h} the hop-by-hop headers: the standard ones, and those the client's
   * {@code Connection} header names — but only as the client sent them ({@code client}'s values):
   * a header a plugin set or changed (an identity for the upstream, say) stays, or a client could
   * strip it by naming it in {@code Connection}.
   */
  static void removeHopByHop(HttpHeaders h, HttpHeaders client, boolean keepUpgrade) {
    List<String> connection = client.getAll(HttpHeaderNames.CONNECTION);
    for (int i = 0; i < connection.size(); i++) {
      String named = connection.get(i);
      int from = 0;
      while (from <= named.length()) {
        int comma = named.indexOf(',', from);
        int to = comma < 0 ? named.length() : comma;
        String t = named.substring(from, to).trim();
        from = to + 1;
        // the usual tokens (keep-alive, close, upgrade) name headers removed below anyway, or none
        if (t.isEmpty() || "close".equalsIgnoreCase(t) || standard(t)) {
          continue;
        }
        t = t.toLowerCase(Locale.ROOT);
        // a Connection header may not strip the message's framing or its target: doing so
        // would let a body reach the upstream unframed, as a request of its own (smuggling)
        if (!NEVER_HOP.contains(t) && (h == client || h.getAll(t).equals(client.getAll(t)))) {
          h.remove(t);
        }
      }
    }
    for (AsciiString name : HOP_BY_HOP) {
      if (!(keepUpgrade && name == HttpHeaderNames.UPGRADE)) {
        h.remove(name);
      }
    }
  }

  /** Whether {@code token} names one of the standard hop-by-hop headers (removed in any case). */
  private static boolean standard(String token) {
    for (AsciiString name : HOP_BY_HOP) {
      if (name.contentEqualsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  static String hostHeader(String host, int port, String scheme) {
    boolean defaultPort = port == ("https".equals(scheme) ? 443 : 80);
    return defaultPort ? host : host + ":" + port;
  }

  /** Whether a request with this method may be sent again after it went out (as nginx decides). */
  static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.PUT || m == HttpMethod.DELETE
        || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE;
  }
}
