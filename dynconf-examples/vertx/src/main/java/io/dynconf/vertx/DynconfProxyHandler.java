package io.dynconf.vertx;

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
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Vert.x {@code Handler<HttpServerRequest>} that routes every request with a {@link
 * RouteTable} and forwards it, with Vert.x's pooled {@link HttpClient}, to the node that the
 * route's upstream {@link Picker} chooses. Runs entirely on the request's event loop and never
 * blocks: matching and picking are lock-free, everything else is a future callback.
 *
 * <p>Per request: match (404 {@code {"error_msg":"404 Route Not Found"}} on a miss), take the
 * upstream's picker from {@link Balancers} (cached per upstream key and revision, so a changed
 * upstream takes effect with the next request), pause the request, pick a node and ask the client
 * for a request to it. When no connection can be had, the next node is tried while the upstream's
 * {@code retries} and {@code retry_timeout} allow (the body is still unread, so nothing is lost);
 * then the body is piped up and the response piped back, both with back-pressure. Headers pass
 * except hop-by-hop ones; {@code X-Forwarded-For/-Proto/-Host/-Port} and {@code X-Real-IP} are
 * set; the {@code Host} follows {@code pass_host}. The route's (else the upstream's) {@code
 * timeout.connect} and {@code timeout.read} bound connecting and waiting (60 s each by default).
 * Answers 502 when the node fails and 504 when it times out. Each attempt's outcome is reported to
 * the picker once, when the response has been relayed (or failed, or the client went away).
 *
 * <p>Mount it with {@code server.requestHandler(handler)}, or behind a Vert.x Web {@code Router}
 * with {@code router.route().handler(ctx -> handler.handle(ctx.request()))}. Limits of the
 * example: http upstreams only; no retry once the body has started to flow.
 */
public final class DynconfProxyHandler implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(DynconfProxyHandler.class);
  private static final String NOT_FOUND = "{\"error_msg\":\"404 Route Not Found\"}\n";
  private static final long DEFAULT_TIMEOUT_MS = 60_000;
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
  private static final ThreadLocal<MatchResult<ResolvedRoute>> MATCH = ThreadLocal.withInitial(MatchResult::new);

  private final RouteTable routes;
  private final Balancers balancers;
  private final HttpClient client;

  /**
   * @param routes the routes to follow, usually {@code RouteTable.attach(registry)}
   * @param balancers the balancers (node state is kept there, per upstream)
   * @param client the client that reaches the upstream nodes (its pool is shared by all routes)
   */
  public DynconfProxyHandler(RouteTable routes, Balancers balancers, HttpClient client) {
    this.routes = routes;
    this.balancers = balancers;
    this.client = client;
  }

  @Override
  public void handle(HttpServerRequest request) {
    VertxRouteRequest rr;
    try {
      rr = new VertxRouteRequest(request);
    } catch (InvalidRequestException e) { // one path for routing: a spelling nginx refuses is refused here too
      request.response().putHeader("Connection", "close");
      text(request.response(), 400, "400 Bad Request: " + e.getMessage() + "\n");
      return;
    }
    MatchResult<ResolvedRoute> m = MATCH.get();
    if (!routes.match(rr, m)) {
      request.response().setStatusCode(404).putHeader("Content-Type", "application/json").end(NOT_FOUND);
      return;
    }
    ResolvedRoute route = m.value();
    Upstream upstream = route.upstream();
    if (upstream == null || upstream.nodes().isEmpty()) {
      text(request.response(), 502, "502 Bad Gateway: route " + route.id() + " has no upstream nodes\n");
      return;
    }
    if (!upstream.scheme().equals("http")) {
      text(request.response(), 502, "502 Bad Gateway: upstream scheme " + upstream.scheme() + " is not supported (http only)\n");
      return;
    }
    Picker picker;
    try {
      picker = balancers.picker(String.valueOf(route.upstreamKey()), route.upstreamRevision(), upstream);
    } catch (RuntimeException e) {
      text(request.response(), 502, "502 Bad Gateway: " + e.getMessage() + "\n");
      return;
    }
    request.pause(); // until a node is connected: a retry must still find the whole body
    new Exchange(request, rr, route, upstream, picker).attempt();
  }

  private static void text(HttpServerResponse response, int status, String body) {
    if (!response.headWritten() && !response.closed()) {
      response.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
    } else if (!response.closed()) {
      response.reset();
    }
  }

  /** Copies headers without the hop-by-hop ones (and those the Connection header names). */
  private static void copyEndToEnd(MultiMap from, MultiMap to) {
    Set<String> named = Set.of();
    String connection = from.get("Connection");
    if (connection != null) {
      named = new java.util.HashSet<>();
      for (String token : connection.split(",")) {
        named.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    for (var e : from) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !named.contains(name)) {
        to.add(e.getKey(), e.getValue());
      }
    }
  }

  /** One request and its attempts; every method runs on the request's event loop. */
  private final class Exchange {
    final HttpServerRequest request;
    final HttpServerResponse response;
    final VertxRouteRequest routeRequest;
    final BalancerRequest balancerRequest;
    final Upstream upstream;
    final Picker picker;
    final long connectMs;
    final long readMs;
    final List<Node> tried = new ArrayList<>(1);
    @Nullable Node node;
    @Nullable HttpClientRequest upstreamRequest;
    long started;
    long firstStarted;
    int attempts;
    int status;

    Exchange(HttpServerRequest request, VertxRouteRequest routeRequest, ResolvedRoute route, Upstream upstream,
        Picker picker) {
      this.request = request;
      this.response = request.response();
      this.routeRequest = routeRequest;
      this.balancerRequest = routeRequest.balancerRequest();
      this.upstream = upstream;
      this.picker = picker;
      Upstream.Timeout t = route.route().timeout() != null ? route.route().timeout() : upstream.timeout();
      this.connectMs = t == null ? DEFAULT_TIMEOUT_MS : Math.max(1, (long) (t.connect() * 1000));
      this.readMs = t == null ? DEFAULT_TIMEOUT_MS : Math.max(1, (long) (t.read() * 1000));
      response.closeHandler(v -> {
        HttpClientRequest up = upstreamRequest;
        if (finish(Outcome.CANCELLED) && up != null) {
          up.reset();
        }
      });
    }

    void attempt() {
      Node n = picker.pick(balancerRequest, tried);
      if (n == null) {
        text(response, 502, "502 Bad Gateway: no upstream node available\n");
        return;
      }
      node = n;
      started = picker.start(n);
      if (attempts++ == 0) {
        firstStarted = started;
      }
      client.request(options(n)).onComplete(ar -> {
        if (node != n) {
          if (ar.succeeded()) {
            ar.result().reset(); // the client went away meanwhile
          }
        } else if (ar.succeeded()) {
          send(ar.result());
        } else {
          LOG.debug("connect to {} failed: {}", n.address(), ar.cause().toString());
          finish(Outcome.FAILURE);
          tried.add(n);
          if (picker.mayRetry(attempts, firstStarted)) {
            attempt();
          } else {
            text(response, 502, "502 Bad Gateway: connect to " + n.address() + " failed\n");
          }
        }
      });
    }

    private RequestOptions options(Node n) {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      copyEndToEnd(request.headers(), headers);
      String clientAddress = routeRequest.remoteAddress();
      if (clientAddress != null) {
        String xff = request.headers().get("X-Forwarded-For");
        headers.set("X-Forwarded-For", xff == null ? clientAddress : xff + ", " + clientAddress);
        headers.set("X-Real-IP", clientAddress);
      }
      headers.set("X-Forwarded-Proto", request.scheme() == null ? "http" : request.scheme());
      String host = routeRequest.host(); // the absolute-form authority, else the Host header
      if (host != null) {
        headers.set("X-Forwarded-Host", host);
      }
      if (request.localAddress() != null) {
        headers.set("X-Forwarded-Port", String.valueOf(request.localAddress().port()));
      }
      String nodeHost = (n.host().indexOf(':') >= 0 ? "[" + n.host() + "]" : n.host()) + (n.port() == 80 ? "" : ":" + n.port());
      switch (upstream.passHost()) {
        case "node" -> headers.set("Host", nodeHost);
        case "rewrite" -> headers.set("Host", String.valueOf(upstream.upstreamHost()));
        default -> headers.set("Host", host == null ? nodeHost : host);
      }
      return new RequestOptions().setMethod(request.method()).setHost(n.host()).setPort(n.port())
          .setURI(routeRequest.target().originForm()).setHeaders(headers).setConnectTimeout(connectMs).setIdleTimeout(readMs);
    }

    private void send(HttpClientRequest up) {
      upstreamRequest = up;
      MultiMap h = request.headers();
      boolean hasBody = h.contains("Content-Length") || h.contains("Transfer-Encoding");
      if (!hasBody) {
        request.resume();
      }
      (hasBody ? up.send(request) : up.send()).onComplete(ar -> {
        if (node == null) {
          return; // the client went away
        }
        if (ar.failed()) {
          boolean timeout = ar.cause() instanceof TimeoutException;
          LOG.debug("request to {} failed: {}", node.address(), ar.cause().toString());
          finish(timeout ? Outcome.TIMEOUT : Outcome.FAILURE);
          text(response, timeout ? 504 : 502, timeout ? "504 Gateway Time-out\n" : "502 Bad Gateway\n");
          return;
        }
        relay(ar.result());
      });
    }

    private void relay(HttpClientResponse in) {
      status = in.statusCode();
      response.setStatusCode(status);
      if (in.statusMessage() != null) {
        response.setStatusMessage(in.statusMessage());
      }
      copyEndToEnd(in.headers(), response.headers());
      boolean bodyless = request.method() == HttpMethod.HEAD || status < 200 || status == 204 || status == 304;
      if (!bodyless && !in.headers().contains("Content-Length")) {
        response.setChunked(true); // a body of unknown length: stream it in chunks
      }
      in.pipe().endOnFailure(false).to(response).onComplete(ar -> {
        if (ar.succeeded()) {
          finish(Outcome.RESPONSE);
        } else {
          // the node broke off (or the client went away, then the close handler reported it)
          finish(ar.cause() instanceof TimeoutException ? Outcome.TIMEOUT : Outcome.FAILURE);
          if (!response.closed()) {
            response.reset(); // not end(): a truncated body must not look complete
          }
        }
      });
    }

    /** Reports the current attempt's outcome, once; false when none is in flight. */
    private boolean finish(Outcome outcome) {
      Node n = node;
      if (n == null) {
        return false;
      }
      node = null;
      picker.finish(n, started, outcome, status);
      return true;
    }
  }
}
