package io.dynconf.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Locale;
import java.util.Set;

/** Header rules of the proxy: hop-by-hop removal (without letting a request strip its own framing), Host values. */
final class ProxyHeaders {
  private static final Set<String> NEVER_HOP = Set.of("content-length", "transfer-encoding", "host");
  private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "proxy-authenticate"};

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
    for (String named : client.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : named.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        // a Connection header may not strip the message's framing or its target: doing so
        // would let a body reach the upstream unframed, as a request of its own (smuggling)
        if (!t.isEmpty() && !(keepUpgrade && t.equals("upgrade")) && !NEVER_HOP.contains(t)
            && h.getAll(t).equals(client.getAll(t))) {
          h.remove(t);
        }
      }
    }
    for (String name : HOP_BY_HOP) {
      if (!(keepUpgrade && name.equals("upgrade"))) {
        h.remove(name);
      }
    }
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
