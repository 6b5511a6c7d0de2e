package io.dynconf.undertow;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.InvalidRequestException;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.Outcome;
import io.dynconf.radix.balance.Picker;
import io.undertow.attribute.ExchangeAttribute;
import io.undertow.attribute.ReadOnlyAttributeException;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.UndertowClient;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Undertow {@link HttpHandler} that routes every request with a {@link RouteTable} and
 * proxies it, through Undertow's own {@link ProxyHandler}, to the node that the route's upstream
 * {@link Picker} chooses. Mount it anywhere in a handler chain; {@link UndertowDynconfApp} runs it
 * as a whole server.
 *
 * <p>Per request, on the IO thread and without blocking: match (404 {@code {"error_msg":"404 Route
 * Not Found"}} on a miss), take the upstream's picker from {@link Balancers} (cached per upstream
 * key and revision, so a changed upstream takes effect with the next request), then hand the
 * exchange to {@code ProxyHandler}, whose {@link ProxyClient} is this class's: {@code findTarget}
 * picks a node, {@code getConnection} connects to it. A refused connection makes {@code
 * ProxyHandler} ask for a target again, and the picker then chooses an untried node while the
 * upstream's {@code retries} and {@code retry_timeout} allow (503 when they are spent). The attempt's
 * outcome is reported to the picker when the exchange completes: the status for a response, a
 * failure when no connection was made, a timeout for Undertow's 504. {@code pass_host} is
 * honoured; {@code X-Forwarded-*} are set by {@code ProxyHandler}.
 *
 * <p>Upstream connections are kept per client connection and node (as Undertow's {@code
 * SimpleProxyClientProvider} does, one exchange at a time over HTTP/1.1) and closed with the client
 * connection. Limits of the example: http upstreams only; one request deadline for all routes
 * ({@code maxRequestTime}); a node given by host name is resolved by XNIO when connecting.
 *
 * <p>Thread-safe; the route table and balancers may be shared with other servers.
 */
public final class DynconfRoutingHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DynconfRoutingHandler.class);
  private static final String NOT_FOUND = "{\"error_msg\":\"404 Route Not Found\"}\n";
  private static final AttachmentKey<Attempt> ATTEMPT = AttachmentKey.create(Attempt.class);
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final AttachmentKey<Map<String, ClientConnection>> CONNECTIONS =
      (AttachmentKey) AttachmentKey.create(Map.class);
  private static final ThreadLocal<MatchResult<ResolvedRoute>> MATCH = ThreadLocal.withInitial(MatchResult::new);

  private final RouteTable routes;
  private final Balancers balancers;
  private final HttpHandler proxy;

  /**
   * @param routes the routes to follow, usually {@code RouteTable.attach(registry)}
   * @param balancers the balancers (node state is kept there, per upstream)
   * @param maxRequestTime ms from the start of a proxied request to its response; 0 for none
   */
  public DynconfRoutingHandler(RouteTable routes, Balancers balancers, int maxRequestTime) {
    if (maxRequestTime < 0) {
      throw new IllegalArgumentException("maxRequestTime must be >= 0 ms, got " + maxRequestTime);
    }
    this.routes = routes;
    this.balancers = balancers;
    this.proxy = ProxyHandler.builder()
        .setProxyClient(new NodeProxyClient())
        .setMaxRequestTime(maxRequestTime)
        .setMaxConnectionRetries(Integer.MAX_VALUE) // the upstream's retries decide (Attempt.next)
        .setRewriteHostHeader(false)
        .addRequestHeader(Headers.HOST, new HostHeader())
        .setNext(exchange -> text(exchange, 502, "502 Bad Gateway: no upstream node available\n"))
        .build();
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    UndertowRouteRequest request;
    try {
      request = new UndertowRouteRequest(exchange);
    } catch (InvalidRequestException e) { // one path for routing: a spelling nginx refuses is refused here too
      exchange.setPersistent(false);
      text(exchange, 400, "400 Bad Request: " + e.getMessage() + "\n");
      return;
    }
    MatchResult<ResolvedRoute> m = MATCH.get();
    if (!routes.match(request, m)) {
      exchange.setStatusCode(404);
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
      exchange.getResponseSender().send(NOT_FOUND);
      return;
    }
    ResolvedRoute route = m.value();
    Upstream upstream = route.upstream();
    if (upstream == null || upstream.nodes().isEmpty()) {
      text(exchange, 502, "502 Bad Gateway: route " + route.id() + " has no upstream nodes\n");
      return;
    }
    if (!upstream.scheme().equals("http")) {
      text(exchange, 502, "502 Bad Gateway: upstream scheme " + upstream.scheme() + " is not supported (http only)\n");
      return;
    }
    Picker picker;
    try {
      picker = balancers.picker(String.valueOf(route.upstreamKey()), route.upstreamRevision(), upstream);
    } catch (RuntimeException e) {
      text(exchange, 502, "502 Bad Gateway: " + e.getMessage() + "\n");
      return;
    }
    Attempt attempt = new Attempt(picker, upstream, request.balancerRequest(), request.host());
    exchange.putAttachment(ATTEMPT, attempt);
    exchange.addExchangeCompleteListener(attempt);
    proxy.handleRequest(exchange);
  }

  private static void text(HttpServerExchange exchange, int status, String body) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
    exchange.getResponseSender().send(body);
  }

  /**
   * The attempts of one exchange at the nodes of one picker. Touched only on the exchange's IO
   * thread (ProxyHandler calls its client there, and completion listeners run there).
   */
  private static final class Attempt implements ExchangeCompletionListener {
    final Picker picker;
    final Upstream upstream;
    final BalancerRequest request;
    final @Nullable String host;
    final List<Node> tried = new ArrayList<>(1);
    @Nullable Node node;
    long started;
    long firstStarted;
    int attempts;
    boolean connected;

    Attempt(Picker picker, Upstream upstream, BalancerRequest request, @Nullable String host) {
      this.host = host;
      this.picker = picker;
      this.upstream = upstream;
      this.request = request;
    }

    /** The node of the next attempt (counted in flight), or null when none is left or allowed. */
    @Nullable Node next() {
      Node previous = node;
      if (previous != null) { // ProxyHandler asks again: the previous attempt failed before a response
        node = null;
        picker.finish(previous, started, Outcome.FAILURE, 0);
        tried.add(previous);
        if (!picker.mayRetry(attempts, firstStarted)) {
          return null;
        }
      }
      Node n = picker.pick(request, tried);
      if (n == null) {
        return null;
      }
      node = n;
      connected = false;
      started = picker.start(n);
      if (attempts++ == 0) {
        firstStarted = started;
      }
      return n;
    }

    @Override
    public void exchangeEvent(HttpServerExchange exchange, NextListener next) {
      try {
        Node n = node;
        if (n != null) {
          node = null;
          int status = exchange.getStatusCode();
          Outcome outcome = !connected ? Outcome.FAILURE : status == 504 ? Outcome.TIMEOUT : Outcome.RESPONSE;
          picker.finish(n, started, outcome, status);
        }
      } finally {
        next.proceed();
      }
    }
  }

  /** The Host header sent upstream, after the upstream's {@code pass_host}. */
  private static final class HostHeader implements ExchangeAttribute {
    @Override
    public @Nullable String readAttribute(HttpServerExchange exchange) {
      Attempt a = exchange.getAttachment(ATTEMPT);
      String original = a != null ? a.host : exchange.getRequestHeaders().getFirst(Headers.HOST); // the authority wins
      if (a == null || a.node == null) {
        return original;
      }
      Node n = a.node;
      String nodeHost = (n.host().indexOf(':') >= 0 ? "[" + n.host() + "]" : n.host()) + (n.port() == 80 ? "" : ":" + n.port());
      switch (a.upstream.passHost()) {
        case "node":
          return nodeHost;
        case "rewrite":
          return a.upstream.upstreamHost();
        default:
          return original == null ? nodeHost : original;
      }
    }

    @Override
    public void writeAttribute(HttpServerExchange exchange, String newValue) throws ReadOnlyAttributeException {
      throw new ReadOnlyAttributeException("upstream Host", newValue);
    }
  }

  /** A picked node as ProxyHandler's target. */
  private record NodeTarget(Node node, URI uri) implements ProxyClient.ProxyTarget {}

  /** ProxyHandler's client: the picker chooses the target; connections are kept per client connection. */
  private static final class NodeProxyClient implements ProxyClient {
    private final UndertowClient client = UndertowClient.getInstance();

    @Override
    public @Nullable ProxyTarget findTarget(HttpServerExchange exchange) {
      Attempt a = exchange.getAttachment(ATTEMPT);
      Node n = a == null ? null : a.next();
      if (n == null) {
        return null;
      }
      try {
        return new NodeTarget(n, new URI("http", null, n.host(), n.port(), "/", null, null));
      } catch (URISyntaxException e) {
        LOG.warn("node {} is not a valid address: {}", n.address(), e.getMessage());
        return null;
      }
    }

    @Override
    public void getConnection(ProxyTarget target, HttpServerExchange exchange, ProxyCallback<ProxyConnection> callback,
        long timeout, TimeUnit timeUnit) {
      NodeTarget t = (NodeTarget) target;
      Attempt a = exchange.getAttachment(ATTEMPT);
      Map<String, ClientConnection> open = connections(exchange.getConnection());
      String address = t.node().address();
      ClientConnection kept = open.get(address);
      if (kept != null && kept.isOpen()) {
        a.connected = true;
        callback.completed(exchange, new ProxyConnection(kept, "/"));
        return;
      }
      client.connect(new ClientCallback<ClientConnection>() {
        @Override
        public void completed(ClientConnection connection) {
          IoUtils.safeClose(open.put(address, connection));
          a.connected = true;
          callback.completed(exchange, new ProxyConnection(connection, "/"));
        }

        @Override
        public void failed(IOException e) {
          LOG.debug("connect to {} failed: {}", address, e.toString());
          callback.failed(exchange);
        }
      }, t.uri(), exchange.getIoThread(), exchange.getConnection().getByteBufferPool(), OptionMap.EMPTY);
    }

    /** The upstream connections of one client connection, by node; used on its IO thread only. */
    private static Map<String, ClientConnection> connections(ServerConnection connection) {
      Map<String, ClientConnection> open = connection.getAttachment(CONNECTIONS);
      if (open == null) {
        Map<String, ClientConnection> created = new HashMap<>();
        connection.putAttachment(CONNECTIONS, created);
        connection.addCloseListener(c -> created.values().forEach(IoUtils::safeClose));
        open = created;
      }
      return open;
    }
  }
}
