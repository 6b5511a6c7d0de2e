package io.dynconf.netty.plugin;

import io.dynconf.netty.NettyRouteRequest;
import io.dynconf.radix.ResolvedRoute;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request as plugins see and change it: the incoming request (read-only), the route, and what
 * goes upstream (path and query, headers, host), plus headers to add to the response and the
 * authenticated consumer. Not thread-safe; one per request, on its event loop.
 */
public final class PluginContext {
  private final NettyRouteRequest request;
  private final ResolvedRoute route;
  private String uri;
  private final HttpHeaders upstreamHeaders;
  private @Nullable String host;
  private final HttpHeaders responseHeaders = new DefaultHttpHeaders();
  private @Nullable String consumer;
  private final Map<String, Object> state = new HashMap<>();
  private long delayNanos;
  private @Nullable UpstreamChoice upstream;
  private @Nullable String clientAddress;
  private @Nullable BodyCapture requestBody;
  private @Nullable BodyCapture responseBody;
  private @Nullable Exchange exchange;
  private long requestBodyLimit = -1;

  public PluginContext(NettyRouteRequest request, ResolvedRoute route) {
    this.request = request;
    this.route = route;
    this.uri = request.target().originForm();
    this.upstreamHeaders = new DefaultHttpHeaders().set(request.request().headers());
  }

  /** The request as received (variables: {@code request.get("arg_name")}, ...). */
  public NettyRouteRequest request() {
    return request;
  }

  public ResolvedRoute route() {
    return route;
  }

  /**
   * The path and query sent upstream, as they go on the request line: initially the client's own
   * target (APISIX forwards it as received); a plugin that builds one from the decoded
   * {@code request().path()} encodes it with {@code RequestTarget.encodePath}.
   */
  public String uri() {
    return uri;
  }

  public void uri(String uri) {
    this.uri = uri;
  }

  /** The headers sent upstream (a copy of the request's; change freely). */
  public HttpHeaders upstreamHeaders() {
    return upstreamHeaders;
  }

  /** The {@code Host} sent upstream when set, overriding {@code pass_host}; null when not set. */
  public @Nullable String host() {
    return host;
  }

  public void host(@Nullable String host) {
    this.host = host;
  }

  /** Headers added to whatever response the client gets. */
  public HttpHeaders responseHeaders() {
    return responseHeaders;
  }

  /** The authenticated consumer's username, or null. */
  public @Nullable String consumer() {
    return consumer;
  }

  public void consumer(@Nullable String consumer) {
    this.consumer = consumer;
  }

  /**
   * A variable as APISIX's plugins read it: {@code consumer_name} (the authenticated consumer, or
   * null) and {@code route_id}, else the request's own variables ({@code remote_addr},
   * {@code arg_name}, {@code http_name}, ...).
   */
  public @Nullable Object var(String name) {
    return switch (name) {
      case "consumer_name" -> consumer;
      case "route_id" -> route.id();
      case "remote_addr" -> clientAddress();
      default -> request.get(name);
    };
  }

  /**
   * Holds the request this much longer before it goes upstream (APISIX's {@code limit-req} and
   * {@code limit-conn} sleep in their access phase); delays of several plugins add up, as their
   * sleeps do. The gateway waits on a timer, never blocking its event loop; the client's own
   * timeouts still apply.
   */
  public void delay(long nanos) {
    if (nanos > 0) {
      delayNanos = Math.addExact(delayNanos, nanos);
    }
  }

  /** The total delay asked for by {@link #delay}; 0 when none. */
  public long delayNanos() {
    return delayNanos;
  }

  /**
   * Sends this request to {@code choice} instead of the route's own upstream (APISIX's
   * {@code traffic-split}): the proxy picks its node with the balancer kept under
   * {@code choice.key()}, so each split target keeps its own round-robin, hashing and health.
   */
  public void upstream(UpstreamChoice choice) {
    this.upstream = java.util.Objects.requireNonNull(choice, "choice");
  }

  /** The upstream chosen by {@link #upstream(UpstreamChoice)}, or null for the route's own. */
  public @Nullable UpstreamChoice upstream() {
    return upstream;
  }

  /**
   * Replaces the client's address for the plugins after this one and for what goes upstream
   * ({@code X-Real-IP}, {@code X-Forwarded-For}): APISIX's {@code real-ip}. The route was already
   * matched on the connection's own address.
   */
  public void clientAddress(String address) {
    this.clientAddress = java.util.Objects.requireNonNull(address, "address");
  }

  /** The client's address: as set by {@link #clientAddress(String)}, else the connection's peer. */
  public @Nullable String clientAddress() {
    return clientAddress != null ? clientAddress : request.remoteAddress();
  }

  /**
   * What the proxy knows of the exchange when the log phase runs (set by the proxy just before it):
   * the address of the last upstream node tried ({@code host:port}, null when none was), the time
   * from the first upstream attempt to now (-1 when none), and the bytes received from the client
   * and sent to it so far (heads included, as nginx's {@code request_length} and {@code bytes_sent}).
   */
  public record Exchange(@Nullable String upstreamAddress, long upstreamNanos, long bytesReceived, long bytesSent) {}

  /** The exchange's facts for the log phase; null before it (set by the proxy). */
  public @Nullable Exchange exchange() {
    return exchange;
  }

  /** Set by the proxy before the log phase. */
  public void exchange(Exchange exchange) {
    this.exchange = java.util.Objects.requireNonNull(exchange, "exchange");
  }

  /**
   * Asks the proxy to keep the first {@code maxBytes} of the request body for the log phase
   * (APISIX's {@code include_req_body}); call it in the rewrite or access phase. Several calls keep
   * the largest bound. What the client sends beyond it is relayed but not kept, so the memory a
   * request holds is bounded by the largest {@code maxBytes} asked for.
   */
  public void captureRequestBody(int maxBytes) {
    requestBody = BodyCapture.widen(requestBody, maxBytes);
  }

  /** As {@link #captureRequestBody}, for the response body the client gets (APISIX's {@code include_resp_body}). */
  public void captureResponseBody(int maxBytes) {
    responseBody = BodyCapture.widen(responseBody, maxBytes);
  }

  /** The request body kept so far (at most the bound asked for), or null when none was asked for. */
  public @Nullable BodyCapture requestBody() {
    return requestBody;
  }

  /** The response body kept so far (at most the bound asked for), or null when none was asked for. */
  public @Nullable BodyCapture responseBody() {
    return responseBody;
  }

  /**
   * Limits the request body to {@code maxBytes} (APISIX's {@code client-control}, nginx's {@code
   * client_max_body_size} set per request): when more arrives, the proxy stops relaying it and
   * answers 413, closing the connection (lingering, so the client still reads the answer). A
   * plugin checks a {@code Content-Length} itself (and answers 413 before the body is read); this
   * bounds a chunked body, or one longer than announced, as it streams. Several calls keep the
   * smallest; call it in the rewrite or access phase.
   */
  public void requestBodyLimit(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be at least 0, got " + maxBytes);
    }
    requestBodyLimit = requestBodyLimit < 0 ? maxBytes : Math.min(requestBodyLimit, maxBytes);
  }

  /** The request body's limit set by {@link #requestBodyLimit(long)}, or -1 when none. */
  public long requestBodyLimit() {
    return requestBodyLimit;
  }

  /** Per-request scratch space shared between phases. */
  public Map<String, Object> state() {
    return state;
  }
}
