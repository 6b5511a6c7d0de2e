package io.dynconf.netty;

import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.balance.Node;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ProxyHandler} knows about one finished request, handed to
 * {@link ProxyListener#requestFinished(RequestLog)}: one mutable object per client connection,
 * reset for every request, so that reporting a request allocates nothing. Valid only during that
 * call (copy what you keep); read it on the connection's event loop only.
 *
 * <p>Byte counts are nginx's {@code $request_length} and {@code $bytes_sent} as far as the proxy
 * can tell them from parsed messages: the request line and header fields as {@code Name: value}
 * lines plus the body bytes; the status line and response header fields likewise plus the body
 * bytes. Chunked framing and non-canonical whitespace in the client's head are not counted; a
 * request refused by the codec (400, 414, 431) counts 0 bytes received.
 */
public final class RequestLog {
  @Nullable ResolvedRoute route;
  int status;
  long nanos;
  long upstreamNanos = -1;
  @Nullable Node node;
  long bytesReceived;
  long bytesSent;
  @Nullable String matchedUri;
  @Nullable String requestHost;
  @Nullable PluginContext plugins;
  boolean upstreamResponded;
  /** When the first upstream attempt started (System.nanoTime), valid when {@link #upstreamTried}. */
  long upstreamStart;
  boolean upstreamTried;

  RequestLog() {}

  /** Clears the previous request's fields. */
  void reset() {
    route = null;
    status = 0;
    nanos = 0;
    upstreamNanos = -1;
    node = null;
    bytesReceived = 0;
    bytesSent = 0;
    matchedUri = null;
    requestHost = null;
    plugins = null;
    upstreamResponded = false;
    upstreamTried = false;
  }

  /** An upstream attempt starts: the first one starts the upstream time. */
  void attempting(Node picked) {
    node = picked;
    if (!upstreamTried) {
      upstreamTried = true;
      upstreamStart = System.nanoTime();
    }
  }

  /** What the log phase of plugins sees: the last node tried, the upstream time until {@code now} (nanoTime), the bytes so far. */
  PluginContext.Exchange exchangeAt(long now) {
    Node n = node;
    return new PluginContext.Exchange(n == null ? null : n.host().indexOf(':') >= 0 ? "[" + n.host() + "]:" + n.port() : n.host() + ":" + n.port(),
        upstreamTried ? now - upstreamStart : -1, bytesReceived, bytesSent);
  }

  /** The request ends now: fills the status and the times. */
  void end(@Nullable ResolvedRoute matched, int finalStatus, long requestStart) {
    long now = System.nanoTime();
    route = matched;
    status = finalStatus;
    nanos = now - requestStart;
    upstreamNanos = upstreamTried ? now - upstreamStart : -1;
  }

  /** The size of a status line {@code HTTP/1.1 200 OK\r\n}. */
  static int statusLineBytes(io.netty.handler.codec.http.HttpResponseStatus status) {
    return 9 + 3 + 1 + status.reasonPhrase().length() + 2;
  }

  /** The route matched, null when none did (or the request was refused before routing). */
  public @Nullable ResolvedRoute route() {
    return route;
  }

  /** The status the client got; 0 when it went away first, 101 for a WebSocket tunnel. */
  public int status() {
    return status;
  }

  /** From the request head to the end of the response (APISIX's {@code request} latency). */
  public long nanos() {
    return nanos;
  }

  /**
   * From the first attempt on an upstream node (connect included) to the end of its response or
   * of the last failed attempt (nginx's {@code $upstream_response_time} over all attempts); -1 when
   * no upstream node was tried.
   */
  public long upstreamNanos() {
    return upstreamNanos;
  }

  /** The upstream node of the last attempt, null when none was tried. */
  public @Nullable Node node() {
    return node;
  }

  /** Whether the response came from an upstream (else the proxy or a plugin answered). */
  public boolean upstreamResponded() {
    return upstreamResponded;
  }

  /** Request bytes received from the client (see the class comment for what is counted). */
  public long bytesReceived() {
    return bytesReceived;
  }

  /** Response bytes sent to the client (see the class comment for what is counted). */
  public long bytesSent() {
    return bytesSent;
  }

  /** The route's path pattern that matched (such as {@code /api/*}), null when no route matched. */
  public @Nullable String matchedUri() {
    return matchedUri;
  }

  /**
   * The route's host pattern that admitted the request (such as {@code *.example.com}), null when
   * no route matched or the route has no hosts. Computed on each call.
   */
  public @Nullable String matchedHost() {
    ResolvedRoute r = route;
    if (r == null) {
      return null;
    }
    List<String> hosts = r.hosts();
    if (hosts.isEmpty()) {
      return null;
    }
    if (hosts.size() == 1) {
      return hosts.get(0);
    }
    String h = requestHost;
    if (h == null) {
      return hosts.get(0);
    }
    if (h.startsWith("[")) { // an IPv6 literal, maybe with a port
      int end = h.indexOf(']');
      h = end > 0 ? h.substring(0, end + 1) : h;
    } else {
      int colon = h.indexOf(':');
      h = colon >= 0 ? h.substring(0, colon) : h;
    }
    for (String pattern : hosts) {
      if (pattern.equalsIgnoreCase(h)) {
        return pattern;
      }
    }
    for (String pattern : hosts) {
      if (pattern.startsWith("*") && h.regionMatches(true, h.length() - (pattern.length() - 1), pattern, 1, pattern.length() - 1)) {
        return pattern;
      }
    }
    return hosts.get(0);
  }

  /** The authenticated consumer's username, null when none. */
  public @Nullable String consumer() {
    PluginContext p = plugins;
    return p == null ? null : p.consumer();
  }

  /** The plugins' view of the request (their shared {@code state()} included), null when no plugin ran. */
  public @Nullable PluginContext plugins() {
    return plugins;
  }

  /** The size of a head's header section as {@code Name: value\r\n} lines plus the closing {@code \r\n}. */
  static long headerBytes(HttpHeaders headers) {
    long n = 2;
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      n += e.getKey().length() + e.getValue().length() + 4;
    }
    return n;
  }
}
