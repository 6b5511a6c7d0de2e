package io.dynconf.examples.gateway.internal;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.InvalidRequestException;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.examples.gateway.plugin.PluginChain;
import io.dynconf.examples.gateway.plugin.PluginContext;
import io.dynconf.examples.gateway.plugin.PluginResponse;
import io.dynconf.examples.gateway.plugin.Plugins;
import io.dynconf.examples.gateway.plugin.ResponseHead;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.Outcome;
import io.dynconf.radix.balance.Picker;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane of one client connection: matches each request against the route table, picks
 * an upstream node, and streams the request to it and the response back, chunk by chunk, with
 * back-pressure both ways (a slow reader on either side stops reads on the other), so bodies of
 * any size pass in constant memory.
 *
 * <p>HTTP/1.1 keep-alive on both sides (upstream connections come from {@link UpstreamPool});
 * one request at a time per client connection (reads stop until the response is complete).
 * Hop-by-hop headers are removed; {@code X-Forwarded-For/-Proto/-Host/-Port} and {@code X-Real-IP}
 * are set; the {@code Host} follows the upstream's {@code pass_host}. Connection failures, an
 * upstream that closes before responding and read timeouts are retried on another node while the
 * upstream's {@code retries} and {@code retry_timeout} allow and the request body is still
 * replayable (kept up to {@link #REPLAY_LIMIT} bytes); a reused keep-alive connection that turns
 * out closed is retried once for free. Answers 404 when no route matches, 502 when the upstream
 * fails, 504 when it times out. A WebSocket upgrade on a route with {@code enable_websocket}
 * becomes a byte tunnel after the upstream's 101.
 */
// NullAway: the handler's Netty context and the exchange's picked node are set before every use
// (handlerAdded, then the attempt loop) but live in fields NullAway cannot follow. This class is
// being split into a reusable Netty handler (issue 19), whose parts carry those values as
// parameters; the suppression goes with that split.
@SuppressWarnings("NullAway")
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  /** Request bodies up to this size are kept for a retry on another node. */
  static final int REPLAY_LIMIT = 64 * 1024;

  private static final long DEFAULT_TIMEOUT_MS = 60_000;

  /** Shared by every connection of one listener. */
  public record Settings(RouteTable routes, Balancers balancers, UpstreamPool pool, String scheme, Plugins plugins,
      GatewayMetrics metrics) {}

  /** The plugins of the current request: the global rules' chain, the route's, and their context. */
  private record Filtering(PluginContext ctx, PluginChain global, PluginChain chain, long start) {
    void headerFilter(ResponseHead head) {
      head.headers().add(ctx.responseHeaders());
      global.headerFilter(ctx, head);
      chain.headerFilter(ctx, head);
    }

    void log(int status) {
      long nanos = System.nanoTime() - start;
      global.log(ctx, status, nanos);
      chain.log(ctx, status, nanos);
    }
  }

  private final Settings settings;
  private final MatchResult<ResolvedRoute> match = new MatchResult<>();
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable Exchange exchange;
  private @Nullable Filtering filtering;
  private boolean discarding;
  private long requestStart;
  private String routeId = "";
  private boolean counting;
  private boolean tunnel;
  private @Nullable ClientTimeouts timeouts;

  public ProxyHandler(Settings settings) {
    this.settings = settings;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    timeouts = ctx.pipeline().get(ClientTimeouts.class);
    ctx.channel().config().setAutoRead(false);
    ctx.read();
  }

  /**
   * Messages of requests that arrived while an earlier one on this connection was still being
   * served (HTTP/1.1 pipelining: the codec decodes whatever bytes it has, reads paused or not).
   * They are taken one by one, in order, whenever the handler asks for more.
   */
  private final ArrayDeque<Object> queued = new ArrayDeque<>();

  /** Asks for the next message: a queued one if any (delivered asynchronously), else a socket read. */
  private void pull() {
    Object m = queued.poll();
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx, "set when the handler is added");
    if (m == null) {
      c.read();
    } else {
      c.channel().eventLoop().execute(() -> dispatch(c, m));
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!tunnel && (!queued.isEmpty() || (msg instanceof HttpRequest && (exchange != null || discarding)))) {
      queued.add(msg); // pipelined: wait for the requests before it
      return;
    }
    dispatch(ctx, msg);
  }

  private void dispatch(ChannelHandlerContext ctx, Object msg) {
    if (tunnel) {
      Exchange ex = exchange;
      if (msg instanceof io.netty.handler.codec.http.HttpObject) {
        ReferenceCountUtil.release(msg); // the upgrade request's end, decoded before the codec left
        return;
      }
      Channel upstream = ex == null ? null : ex.backend;
      if (upstream != null) {
        upstream.writeAndFlush(msg);
        if (!upstream.isWritable()) {
          ctx.channel().config().setAutoRead(false); // resumed by onBackendWritable
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (msg instanceof HttpRequest request) {
      if (request.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        sendError(HttpResponseStatus.BAD_REQUEST, "bad request: " + request.decoderResult().cause().getMessage(), false);
        return;
      }
      start(request);
    }
    if (msg instanceof HttpContent content) {
      body(content);
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
      pull();
    }
  }

  private void start(HttpRequest request) {
    ChannelHandlerContext c = ctx;
    InetSocketAddress remote = (InetSocketAddress) c.channel().remoteAddress();
    InetSocketAddress local = (InetSocketAddress) c.channel().localAddress();
    String client = remote == null ? null : remote.getAddress().getHostAddress();
    requestStart = System.nanoTime();
    routeId = "";
    counting = true;
    settings.metrics().started();
    if (timeouts != null) {
      timeouts.requestStarted();
    }
    NettyRouteRequest rr;
    try {
      rr = new NettyRouteRequest(request, client, settings.scheme(), local == null ? 0 : local.getPort());
    } catch (InvalidRequestException e) { // as nginx: 400, and the connection closes
      discard(HttpResponseStatus.BAD_REQUEST, "400 Bad Request: " + e.getMessage() + "\n", false, false);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!settings.routes().match(rr, match)) {
      discard(HttpResponseStatus.NOT_FOUND, "{\"error_msg\":\"404 Route Not Found\"}\n", keepAlive, true);
      return;
    }
    ResolvedRoute route = match.value();
    routeId = route.id();
    filtering = null;
    PluginChain chain = route.attachment() instanceof PluginChain pc ? pc : PluginChain.EMPTY;
    PluginChain global = settings.plugins().global();
    PluginContext pctx = null;
    if (!chain.isEmpty() || !global.isEmpty()) {
      pctx = new PluginContext(rr, route); // copies the request's headers: only when plugins run
      long started = System.nanoTime();
      filtering = new Filtering(pctx, global, chain, started);
      PluginResponse r = global.rewrite(pctx);
      if (r == null) {
        r = global.access(pctx);
      }
      if (r == null) {
        r = chain.rewrite(pctx);
      }
      String consumer = pctx.consumer();
      if (r == null && consumer != null) {
        PluginChain own = settings.plugins().consumer(consumer);
        if (!own.isEmpty()) { // APISIX: the consumer's plugins join the route's, then their rewrite runs
          chain = chain.merge(own);
          filtering = new Filtering(pctx, global, chain, started);
          r = own.rewrite(pctx);
        }
      }
      if (r == null) {
        r = chain.access(pctx);
      }
      if (r != null) {
        discarding = true;
        writeResponse(HttpResponseStatus.valueOf(r.status()), r.headers(), r.body(), keepAlive);
        return;
      }
    }
    Upstream upstream = route.upstream();
    if (upstream == null || upstream.nodes().isEmpty()) {
      discard(HttpResponseStatus.BAD_GATEWAY, "502 Bad Gateway: the route has no upstream nodes\n", keepAlive, false);
      return;
    }
    if (!upstream.scheme().equals("http")) {
      discard(HttpResponseStatus.BAD_GATEWAY, "502 Bad Gateway: upstream scheme " + upstream.scheme()
          + " is not supported by the example gateway (http only)\n", keepAlive, false);
      return;
    }
    Picker picker;
    try {
      picker = settings.balancers().picker(String.valueOf(route.upstreamKey()), route.upstreamRevision(), upstream);
    } catch (RuntimeException e) {
      discard(HttpResponseStatus.BAD_GATEWAY, "502 Bad Gateway: " + e.getMessage() + "\n", keepAlive, false);
      return;
    }
    Exchange ex = new Exchange(rr, route, upstream, picker, keepAlive, client, local, pctx);
    exchange = ex;
    long delay = pctx == null ? 0 : pctx.delayNanos();
    if (delay > 0) { // limit-req, limit-conn: wait on a timer, the body (if any) waits in the exchange meanwhile
      ctx.executor().schedule(() -> {
        if (!ex.finished) {
          ex.attempt();
        }
      }, delay, TimeUnit.NANOSECONDS);
    } else {
      ex.attempt();
    }
  }

  /** Answers at once and drops the rest of the request body (or closes when not keep-alive). */
  private void discard(HttpResponseStatus status, String body, boolean keepAlive, boolean json) {
    discarding = true;
    writeError(status, body, keepAlive, json);
  }

  private void body(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (content.decoderResult().isFailure()) {
      content.release(); // a malformed body (bad chunk): the codec is lost from here on
      Exchange ex = exchange;
      if (ex != null) {
        ex.abort();
      }
      discarding = false;
      sendError(HttpResponseStatus.BAD_REQUEST, "bad request body: " + content.decoderResult().cause().getMessage() + "\n", false);
      return;
    }
    if (discarding) {
      content.release();
      if (last) {
        discarding = false;
        awaitingNextRequest();
      }
      pull();
      return;
    }
    Exchange ex = exchange;
    if (ex == null) {
      content.release();
      pull();
      return;
    }
    ex.requestBody(content, last);
  }

  private void sendError(HttpResponseStatus status, String body, boolean keepAlive) {
    writeError(status, body, keepAlive, false);
  }

  private void writeError(HttpResponseStatus status, String body, boolean keepAlive, boolean json) {
    writeResponse(status, java.util.Map.of("Content-Type", json ? "application/json" : "text/plain; charset=utf-8"),
        body.getBytes(StandardCharsets.UTF_8), keepAlive);
  }

  /** Writes a response the gateway makes itself, through the route's header filters when it has plugins. */
  private void writeResponse(HttpResponseStatus status, java.util.Map<String, String> headers, byte[] body, boolean keepAlive) {
    ChannelHandlerContext c = ctx;
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.buffer(body.length).writeBytes(body));
    headers.forEach((k, v) -> r.headers().set(k, v));
    r.headers().set(HttpHeaderNames.SERVER, "dynconf-gateway");
    Filtering filters = filtering;
    filtering = null;
    if (filters != null) {
      ResponseHead head = new ResponseHead(status.code(), r.headers());
      filters.headerFilter(head);
      r.setStatus(HttpResponseStatus.valueOf(head.status()));
      if (head.body() != null) {
        r.content().clear().writeBytes(head.body());
      }
      filters.log(head.status());
    }
    ended(r.status().code());
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    HttpUtil.setKeepAlive(r, keepAlive);
    if (keepAlive) {
      c.writeAndFlush(r).addListener(f -> {
        if (!discarding && exchange == null) {
          awaitingNextRequest();
          pull(); // the request was complete: take the next one
        }
      });
      if (discarding) {
        pull(); // keep draining the body
      }
    } else {
      c.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void awaitingNextRequest() {
    if (timeouts != null) {
      timeouts.awaitingNextRequest();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    queued.forEach(ReferenceCountUtil::release);
    queued.clear();
    Exchange ex = exchange;
    if (ex != null) {
      ex.abort();
    }
    Filtering f = filtering;
    filtering = null;
    if (f != null) { // the client left before a response head: plugins still see the end (status 0)
      f.log(0);
    }
    ended(0);
  }

  /** Counts the current request once: its route and final status (0: the client went away). */
  private void ended(int status) {
    if (counting) {
      counting = false;
      settings.metrics().finished(routeId, status, System.nanoTime() - requestStart);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange ex = exchange;
    if (ex != null && ex.backend != null) {
      ex.backend.config().setAutoRead(ctx.channel().isWritable());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("client connection failed", cause);
    ctx.close();
  }

  /** One request and its attempts. Every method runs on the connection's event loop. */
  private final class Exchange implements BackendHandler.Listener {
    final NettyRouteRequest request;
    final ResolvedRoute route;
    final Upstream upstream;
    /** Whether the client connection stays open after this exchange (false once the close must end a body). */
    boolean keepAlive;
    final @Nullable String client;
    final @Nullable InetSocketAddress local;
    final long connectMs;
    final long sendMs;
    final long readMs;
    final Picker picker;
    final BalancerRequest balancerRequest;
    final boolean websocket;
    final List<Node> tried = new ArrayList<>();
    final ArrayDeque<HttpContent> pending = new ArrayDeque<>(4);
    List<HttpContent> replay = new ArrayList<>();
    int replayBytes;
    boolean replayable = true;
    boolean requestDone;
    int attempts;
    long firstStart;
    long nodeStart;
    int freeRetries = 1;
    @Nullable Node pick;
    @Nullable Channel backend;
    boolean reused;
    boolean responseStarted;
    boolean sentBody;
    boolean finished;
    long lastActivity;
    @Nullable HttpResponse response;
    @Nullable List<Object> tunnelBacklog;
    boolean interim;
    boolean headWritten;
    @Nullable ScheduledFuture<?> timer;

    final @Nullable PluginContext pctx;
    final @Nullable String clientHost;
    @Nullable HttpHeaders outgoing;
    boolean upstreamKeepAlive;
    int upstreamStatus;
    boolean upstreamDelimited;
    byte @Nullable [] replacedBody;

    Exchange(NettyRouteRequest request, ResolvedRoute route, Upstream upstream, Picker picker, boolean keepAlive,
        @Nullable String client, @Nullable InetSocketAddress local, @Nullable PluginContext pctx) {
      this.pctx = pctx;
      this.clientHost = request.host(); // the absolute-form target's authority, else the Host header
      this.request = request;
      this.route = route;
      this.upstream = upstream;
      this.picker = picker;
      this.balancerRequest = BalancerRequest.of(request, name -> request.request().headers().get(name), request::cookie);
      this.keepAlive = keepAlive;
      this.client = client;
      this.local = local;
      Upstream.Timeout t = route.route().timeout() != null ? route.route().timeout() : upstream.timeout();
      this.connectMs = t == null ? DEFAULT_TIMEOUT_MS : Math.max(1, (long) (t.connect() * 1000));
      this.sendMs = t == null ? DEFAULT_TIMEOUT_MS : Math.max(1, (long) (t.send() * 1000));
      this.readMs = t == null ? DEFAULT_TIMEOUT_MS : Math.max(1, (long) (t.read() * 1000));
      HttpHeaders h = request.request().headers();
      this.websocket = route.enableWebsocket()
          && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
          && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    void attempt() {
      Node p = picker.pick(balancerRequest, tried);
      if (p == null) {
        fail(HttpResponseStatus.BAD_GATEWAY, "no upstream node available");
        return;
      }
      pick = p;
      headWritten = false;
      tried.add(p);
      attempts++;
      nodeStart = picker.start(p);
      if (attempts == 1) {
        firstStart = nodeStart;
      }
      Node chosen = p;
      settings.pool().acquire(ctx.channel().eventLoop(), p.host(), p.port(), (int) Math.min(Integer.MAX_VALUE, connectMs),
          (ch, wasReused, cause) -> {
            if (finished || pick != chosen) {
              if (ch != null) {
                ch.close();
              }
              return;
            }
            if (ch == null) {
              attemptFailed(false, "connect to " + chosen.address() + " failed: " + cause);
              return;
            }
            if (!ctx.channel().isActive()) {
              settings.pool().release(ch);
              abort();
              return;
            }
            attach(ch, wasReused);
          });
    }

    void attach(Channel ch, boolean wasReused) {
      backend = ch;
      reused = wasReused;
      ch.config().setAutoRead(ctx.channel().isWritable());
      ch.pipeline().get(BackendHandler.class).listener(this);
      ch.write(head());
      headWritten = true;
      for (HttpContent c : replay) {
        ch.write(c.retainedDuplicate());
      }
      HttpContent c;
      while ((c = pending.poll()) != null) {
        sentBody = true;
        ch.write(c);
      }
      ch.flush();
      lastActivity = System.nanoTime();
      armTimer(requestDone ? readMs : sendMs);
      if (!requestDone) {
        pull();
      }
    }

    void requestBody(HttpContent content, boolean last) {
      if (last) {
        requestDone = true;
      }
      if (replayable && content.content().readableBytes() + replayBytes <= REPLAY_LIMIT) {
        replay.add(content.retainedDuplicate());
        replayBytes += content.content().readableBytes();
      } else if (replayable) {
        replayable = false;
        if (backend == null) {
          pending.addAll(replay); // not written yet: they go out on attach
        } else {
          replay.forEach(ReferenceCountUtil::release); // written already
        }
        replay = new ArrayList<>();
      }
      Channel b = backend;
      if (b == null) {
        if (replayable) {
          content.release(); // the replay copy is written on attach
        } else {
          pending.add(content);
        }
        return;
      }
      sentBody = true;
      lastActivity = System.nanoTime();
      if (replayable) {
        content.release();
        b.writeAndFlush(replay.get(replay.size() - 1).retainedDuplicate());
      } else {
        b.writeAndFlush(content);
      }
      if (last) {
        lastActivity = System.nanoTime();
        armTimer(readMs);
      } else if (b.isWritable()) {
        pull();
      }
    }

    /**
     * The request head for this attempt. The headers are prepared once per exchange, in place on
     * the request's own header object (no copy): hop-by-hop headers out, forwarding headers in;
     * only {@code Host} may differ per attempt ({@code pass_host: node}).
     */
    private HttpRequest head() {
      HttpRequest in = request.request();
      HttpHeaders h = outgoing;
      if (h == null) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(in);
        h = pctx != null ? pctx.upstreamHeaders() : in.headers();
        String xff = h.get("X-Forwarded-For");
        Headers.removeHopByHop(h, websocket);
        h.set("X-Forwarded-For", xff == null || client == null ? client : xff + ", " + client);
        h.set("X-Real-IP", client);
        h.set("X-Forwarded-Proto", settings.scheme());
        if (clientHost != null) {
          h.set("X-Forwarded-Host", clientHost);
        }
        if (local != null) {
          h.set("X-Forwarded-Port", local.getPort());
        }
        if (websocket) {
          h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        if (chunked) {
          h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        outgoing = h;
      }
      if (pctx != null && pctx.host() != null) {
        h.set(HttpHeaderNames.HOST, pctx.host());
      } else {
        switch (upstream.passHost()) {
          case "node" -> h.set(HttpHeaderNames.HOST, Headers.hostHeader(pick.host(), pick.port(), upstream.scheme()));
          case "rewrite" -> h.set(HttpHeaderNames.HOST, upstream.upstreamHost());
          default -> h.set(HttpHeaderNames.HOST, clientHost != null ? clientHost
              : Headers.hostHeader(pick.host(), pick.port(), upstream.scheme()));
        }
      }
      return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), pctx != null ? pctx.uri() : request.target().originForm(), h);
    }

    private void armTimer(long millis) {
      cancelTimer();
      timer = ctx.channel().eventLoop().schedule(this::checkTimeout, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void checkTimeout() {
      timer = null;
      if (finished || backend == null) {
        return;
      }
      if (!backend.config().isAutoRead() && requestDone) {
        lastActivity = System.nanoTime(); // paused by us for a slow client: not the upstream's fault
      }
      long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivity);
      long limit = requestDone ? readMs : sendMs;
      if (idleMs < limit) {
        armTimer(limit - idleMs);
        return;
      }
      attemptFailed(true, "upstream timed out after " + idleMs + " ms");
    }

    @Override
    public void onBackendRead(Object msg) {
      if (finished) {
        ReferenceCountUtil.release(msg);
        return;
      }
      lastActivity = System.nanoTime();
      if (tunnel) {
        if (msg instanceof io.netty.handler.codec.http.HttpObject) {
          ReferenceCountUtil.release(msg); // the 101's empty end, decoded before the codec left
          return;
        }
        if (tunnelBacklog != null) {
          tunnelBacklog.add(msg); // arrived with the 101: sent once the 101 is out and the codec gone
          return;
        }
        ctx.writeAndFlush(msg).addListener(f -> {
          if (!ctx.channel().isWritable() && backend != null) {
            backend.config().setAutoRead(false);
          }
        });
        return;
      }
      if (msg instanceof HttpResponse r && r.status().code() >= 100 && r.status().code() < 200 && r.status().code() != 101) {
        interim = true; // 100 Continue, 102, 103: dropped; the final response follows
        ReferenceCountUtil.release(msg);
        return;
      }
      if (interim && msg instanceof LastHttpContent) {
        interim = false; // the interim response's empty end
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpContent bad && bad.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        attemptFailed(false, "bad response body: " + bad.decoderResult().cause());
        return;
      }
      if (msg instanceof HttpResponse r) {
        if (r.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          attemptFailed(false, "bad response: " + r.decoderResult().cause());
          return;
        }
        responseStarted = true;
        response = r;
        upstreamStatus = r.status().code();
        if (websocket && r.status().code() == 101) {
          startTunnel(r);
          return;
        }
        ctx.write(responseHead(r));
      }
      if (msg instanceof HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (replacedBody != null) {
          content.release(); // replaced by a plugin: drop the upstream's body
          if (last) {
            boolean head = request.request().method() == HttpMethod.HEAD;
            complete(head ? LastHttpContent.EMPTY_LAST_CONTENT
                : new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.wrappedBuffer(replacedBody)));
          }
          return;
        }
        if (last) {
          complete(content);
        } else {
          ctx.writeAndFlush(content);
          if (!ctx.channel().isWritable()) {
            backend.config().setAutoRead(false);
          }
        }
      } else if (!(msg instanceof HttpResponse)) {
        ReferenceCountUtil.release(msg);
      }
    }

    /** The response head for the client: the upstream's own object, its headers changed in place. */
    private HttpResponse responseHead(HttpResponse in) {
      HttpHeaders h = in.headers();
      boolean chunked = HttpUtil.isTransferEncodingChunked(in);
      upstreamKeepAlive = HttpUtil.isKeepAlive(in);
      upstreamDelimited = chunked || HttpUtil.isContentLengthSet(in);
      Headers.removeHopByHop(h, false);
      boolean hasBody = request.request().method() != HttpMethod.HEAD && in.status().code() >= 200
          && in.status().code() != 204 && in.status().code() != 304;
      in.setProtocolVersion(HttpVersion.HTTP_1_1);
      if (chunked || (hasBody && !HttpUtil.isContentLengthSet(in))) {
        if (request.request().protocolVersion().equals(HttpVersion.HTTP_1_0)) {
          // an HTTP/1.0 client knows no chunked coding (RFC 9112 6.1): the close ends the body
          HttpUtil.setTransferEncodingChunked(in, false);
          keepAlive = false;
        } else {
          HttpUtil.setTransferEncodingChunked(in, true);
        }
      }
      HttpUtil.setKeepAlive(in, keepAlive);
      Filtering f = filtering;
      if (f != null) {
        ResponseHead head = new ResponseHead(in.status().code(), h);
        f.headerFilter(head);
        in.setStatus(HttpResponseStatus.valueOf(head.status()));
        if (head.body() != null) {
          replacedBody = head.body();
          h.remove(HttpHeaderNames.TRANSFER_ENCODING);
          h.set(HttpHeaderNames.CONTENT_LENGTH, hasBody ? replacedBody.length : 0);
        }
      }
      return in;
    }

    private void complete(HttpContent last) {
      finished = true;
      cancelTimer();
      Channel b = backend;
      boolean reusable = response != null && upstreamKeepAlive && requestDone;
      backend = null;
      picker.finish(pick, nodeStart, Outcome.RESPONSE, upstreamStatus);
      Filtering filters = filtering;
      filtering = null;
      if (filters != null) {
        filters.log(response.status().code());
      }
      ended(response.status().code());
      if (b != null) {
        b.pipeline().get(BackendHandler.class).listener(null);
        if (reusable) {
          settings.pool().release(b);
        } else {
          b.close();
        }
      }
      releaseBuffers();
      exchange = null;
      if (!requestDone) {
        discarding = true; // the upstream answered before the body ended: drop the rest
      }
      ctx.writeAndFlush(last).addListener(f -> {
        if (!keepAlive || !f.isSuccess()) {
          ctx.close();
        } else {
          if (!discarding) {
            awaitingNextRequest();
          }
          pull();
        }
      });
    }

    private void startTunnel(HttpResponse r) {
      cancelTimer();
      tunnel = true;
      if (timeouts != null) {
        timeouts.tunnel();
      }
      tunnelBacklog = new ArrayList<>();
      picker.finish(pick, nodeStart, Outcome.RESPONSE, 101);
      ended(101);
      HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status());
      out.headers().set(r.headers());
      releaseBuffers();
      // the upstream connection is a byte pipe from here on (never pooled again); what its decoder
      // still holds is handed on as bytes when the codec leaves
      backend.pipeline().remove("http");
      ctx.writeAndFlush(out).addListener(f -> {
        if (!f.isSuccess()) {
          abort();
          return;
        }
        ctx.pipeline().remove(HttpServerCodec.class); // from here on, bytes both ways
        if (ctx.pipeline().get(io.netty.handler.flow.FlowControlHandler.class) != null) {
          ctx.pipeline().remove(io.netty.handler.flow.FlowControlHandler.class);
        }
        List<Object> backlog = tunnelBacklog;
        tunnelBacklog = null;
        if (backlog != null) {
          for (Object b : backlog) {
            ctx.write(b);
          }
          ctx.flush();
        }
        ctx.channel().config().setAutoRead(true);
        if (backend != null) {
          backend.config().setAutoRead(true);
        }
      });
    }

    @Override
    public void onBackendClosed() {
      if (finished) {
        return;
      }
      if (tunnel) {
        finished = true;
        ctx.close();
        return;
      }
      if (responseStarted && response != null && !upstreamDelimited) {
        complete(LastHttpContent.EMPTY_LAST_CONTENT); // a body delimited by the close
        return;
      }
      attemptFailed(false, "upstream closed the connection" + (responseStarted ? " mid-response" : " before responding"));
    }

    @Override
    public void onBackendError(Throwable cause) {
      if (!finished) {
        attemptFailed(false, "upstream connection failed: " + cause);
      }
    }

    @Override
    public void onBackendWritable() {
      if (tunnel) {
        ctx.channel().config().setAutoRead(true);
        return;
      }
      if (!requestDone && !finished) {
        pull();
      }
    }

    /** One attempt failed: retry when allowed, else answer 502/504 (or close mid-response). */
    private void attemptFailed(boolean timeout, String why) {
      cancelTimer();
      Channel b = backend;
      backend = null;
      if (b != null) {
        b.pipeline().get(BackendHandler.class).listener(null);
        b.close();
      }
      boolean stale = reused && !timeout && freeRetries > 0 && !responseStarted;
      // a keep-alive connection the upstream had already closed is not the node's failure
      picker.finish(pick, nodeStart, stale ? Outcome.CANCELLED : timeout ? Outcome.TIMEOUT : Outcome.FAILURE, 0);
      if (responseStarted) {
        LOG.info("route {}: {} after the response started; closing the client connection", route.id(), why);
        finished = true;
        releaseBuffers();
        ctx.close();
        return;
      }
      // once the request went out, only idempotent methods may be tried again (as nginx does)
      boolean bodyIntact = (replayable || !sentBody) && (!headWritten || idempotent(request.request().method()));
      if (bodyIntact && stale) {
        freeRetries--;
        tried.remove(tried.size() - 1);
        attempts--;
        attempt();
        return;
      }
      if (bodyIntact && picker.mayRetry(attempts, firstStart)) {
        LOG.debug("route {}: {}; retry {} of {}", route.id(), why, attempts, picker.retries());
        attempt();
        return;
      }
      LOG.info("route {}: {}", route.id(), why);
      fail(timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY, why);
    }

    private void fail(HttpResponseStatus status, String why) {
      finished = true;
      cancelTimer();
      releaseBuffers();
      exchange = null;
      String body = status.code() + " " + status.reasonPhrase() + "\n";
      if (requestDone) {
        writeError(status, body, keepAlive, false);
      } else {
        discard(status, body, keepAlive, false);
      }
    }

    void abort() {
      if (pick != null && !finished) {
        picker.finish(pick, nodeStart, Outcome.CANCELLED, 0);
      }
      finished = true;
      cancelTimer();
      releaseBuffers();
      Channel b = backend;
      backend = null;
      if (b != null) {
        b.pipeline().get(BackendHandler.class).listener(null);
        b.close();
      }
      exchange = null;
    }

    private void releaseBuffers() {
      pending.forEach(ReferenceCountUtil::release);
      pending.clear();
      replay.forEach(ReferenceCountUtil::release);
      replay = new ArrayList<>();
    }
  }

  private static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.PUT || m == HttpMethod.DELETE
        || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE;
  }

  /** Header rules. */
  static final class Headers {
    private static final java.util.Set<String> NEVER_HOP = java.util.Set.of("content-length", "transfer-encoding", "host");
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "proxy-authenticate"};

    private Headers() {}

    static void removeHopByHop(HttpHeaders h, boolean keepUpgrade) {
      for (String named : h.getAll(HttpHeaderNames.CONNECTION)) {
        for (String token : named.split(",")) {
          String t = token.trim().toLowerCase(Locale.ROOT);
          // a Connection header may not strip the message's framing or its target: doing so
          // would let a body reach the upstream unframed, as a request of its own (smuggling)
          if (!t.isEmpty() && !(keepUpgrade && t.equals("upgrade")) && !NEVER_HOP.contains(t)) {
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
  }
}
