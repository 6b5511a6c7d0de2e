package io.dynconf.netty;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.netty.plugin.BodyCapture;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.Plugins;
import io.dynconf.netty.plugin.UpstreamChoice;
import io.dynconf.netty.plugin.ResponseHead;
import io.dynconf.radix.InvalidRequestException;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.Picker;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane of one client connection, as a Netty handler a host server adds to its own
 * pipeline after its {@code HttpServerCodec}: matches
 * each request against the route table, picks an upstream node, and streams the request to it and
 * the response back, chunk by chunk, with back-pressure both ways (a slow reader on either side
 * stops reads on the other), so bodies of any size pass in constant memory.
 *
 * <p>HTTP/1.1 keep-alive on both sides (upstream connections come from {@link UpstreamPool});
 * one request at a time per client connection (reads stop until the response is complete).
 * Hop-by-hop headers are removed; {@code X-Forwarded-For/-Proto/-Host/-Port} and {@code X-Real-IP}
 * are set; the {@code Host} follows the upstream's {@code pass_host}. Connection failures, an
 * upstream that closes before responding and read timeouts are retried on another node while the
 * upstream's {@code retries} and {@code retry_timeout} allow and the request body is still
 * replayable (kept up to {@link UpstreamExchange#REPLAY_LIMIT} bytes); a reused keep-alive
 * connection that turns out closed is retried once for free. Answers 404 when no route matches,
 * 502 when the upstream fails, 504 when it times out. A WebSocket upgrade on a route with
 * {@code enable_websocket} becomes a byte tunnel after the upstream's 101.
 *
 * <p>{@code Expect: 100-continue} is answered here, once the route matched and the access plugins
 * let the request through (do not add Netty's {@code HttpServerExpectContinueHandler}, which would
 * invite the body of a request about to be refused). A request answered before its body was read
 * keeps its connection only when at most {@link #DISCARD_LIMIT} bytes of body remain; otherwise
 * the connection closes after the answer, lingering ({@link LingeringClose}). A request line over
 * the codec's limit answers 414, a header section over it 431.
 *
 * <p>This class is the client side (request heads, pipelining, answers of its own); the attempt
 * loop, body relay and tunnel are {@link UpstreamExchange}'s, the plugin phases {@link PluginPhases}'.
 * One instance per connection (not sharable); all of it runs on the connection's event loop.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  /**
   * Shared by every connection of one listener.
   *
   * @param routes the route table requests are matched against
   * @param balancers the balancers (one per upstream key) that pick nodes
   * @param pool the upstream connections
   * @param scheme {@code http} or {@code https}: what the client used ({@code X-Forwarded-Proto}, {@code $scheme})
   * @param plugins global rules and consumers' plugins, or null when none run (a route's own chain
   *     comes from its {@link ResolvedRoute#attachment()})
   * @param listener told about every request
   */
  public record Settings(RouteTable routes, Balancers balancers, UpstreamPool pool, String scheme,
      @Nullable Plugins plugins, ProxyListener listener) {
    public Settings {
      Objects.requireNonNull(routes, "routes");
      Objects.requireNonNull(balancers, "balancers");
      Objects.requireNonNull(pool, "pool");
      Objects.requireNonNull(listener, "listener");
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("scheme must be http or https, not " + scheme);
      }
    }

    /** Plain HTTP, no global plugins, no listener: what most embedders need. */
    public static Settings of(RouteTable routes, Balancers balancers, UpstreamPool pool) {
      return new Settings(routes, balancers, pool, "http", null, ProxyListener.NONE);
    }
  }

  private final Settings settings;
  private final MatchResult<ResolvedRoute> match = new MatchResult<>();
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable UpstreamExchange exchange;
  private @Nullable PluginPhases phases;
  private boolean discarding;
  /** The current request's body has ended (or it has none). */
  private boolean bodyDone = true;
  /** Body bytes still to come by its {@code Content-Length}; -1 when chunked (unknown). */
  private long bodyLeft;
  /** The current request's body limit set by a plugin ({@link PluginContext#requestBodyLimit()}); -1 when none. */
  private long bodyLimit = -1;
  /** Body bytes of the current request relayed so far (counted only under a {@link #bodyLimit}). */
  private long bodyRelayed;
  /** Bytes of the current body dropped since the answer went out without reading it. */
  private long discarded;
  /** {@code Expect: 100-continue} was asked and not yet answered. */
  private boolean expectContinue;
  private long requestStart;
  private @Nullable ResolvedRoute route;
  private boolean counting;
  private boolean tunnel;
  private @Nullable ClientPhases clientPhases;
  /** The current request's log, reused for every request of this connection. */
  private final RequestLog log = new RequestLog();
  private boolean opened;
  /** The connection's addresses, as the first request found them ({@link #start}). */
  private boolean addressed;
  private @Nullable InetSocketAddress localAddress;
  private @Nullable String clientText;
  private @Nullable String localPortText;
  /**
   * The connection's one upstream timer (null: none pending) and when it fires: the current
   * exchange checks its own deadline then, and asks again while it waits. One timer per
   * connection, rescheduled only when it would fire too late, instead of a schedule and a cancel
   * per request.
   */
  private io.netty.util.concurrent.@Nullable ScheduledFuture<?> upstreamTimer;
  private long upstreamTimerDue;

  public ProxyHandler(Settings settings) {
    this.settings = settings;
  }

  /**
   * Messages of requests that arrived while an earlier one on this connection was still being
   * served (HTTP/1.1 pipelining: the codec decodes whatever bytes it has, reads paused or not).
   * They are taken one by one, in order, whenever the handler asks for more.
   */
  private final ArrayDeque<Object> queued = new ArrayDeque<>();

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    clientPhases = ctx.pipeline().get(ClientPhases.class);
    opened = true;
    settings.listener().connectionOpened();
    ctx.channel().config().setAutoRead(false);
    ctx.read();
  }

  private ChannelHandlerContext ctx() {
    return Objects.requireNonNull(ctx, "set when the handler is added to a pipeline");
  }

  Settings settings() {
    return settings;
  }

  RequestLog log() {
    return log;
  }

  boolean tunnel() {
    return tunnel;
  }

  @Nullable PluginPhases phases() {
    return phases;
  }

  /** Takes the plugin phases for the end of the request (they run once): null when none. */
  @Nullable PluginPhases takePhases() {
    PluginPhases p = phases;
    phases = null;
    return p;
  }

  /**
   * After a proxied response's end is written (keep-alive): the next request, or the close when the
   * write failed. One listener per connection, not one per request.
   */
  final ChannelFutureListener responseWritten = f -> {
    if (!f.isSuccess()) {
      ctx().close();
    } else {
      if (!discarding) {
        awaitingNextRequest();
      }
      pull();
    }
  };

  /**
   * A {@link #pull()} held back while the client's connection was not writable: taken when it is
   * again ({@link #channelWritabilityChanged}).
   */
  private boolean pullWhenWritable;

  /**
   * Asks for the next message: a queued one if any (delivered asynchronously), else a socket read.
   * Without an upstream exchange (between two requests, or dropping the body of an answered one),
   * not while answers wait to be written to a client that does not read them: a client that
   * pipelines requests the gateway answers itself (404, 401, ...) and never reads would otherwise
   * have every answer queued in memory; the send timeout closes such a connection instead. (During
   * an exchange, the body's reads follow the upstream's writability.)
   */
  void pull() {
    ChannelHandlerContext c = ctx();
    if (exchange == null && !tunnel && !c.channel().isWritable()) {
      pullWhenWritable = true;
      return;
    }
    Object m = queued.poll();
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

  /**
   * The most body bytes dropped to keep a connection open after answering a request without its
   * body (401, 404, a 502 before the upload ended, ...); a longer or unknown remainder closes the
   * connection instead (lingering, see {@link LingeringClose}), so an answered client cannot make
   * the gateway read an endless body at full speed.
   */
  public static final long DISCARD_LIMIT = 1024 * 1024;

  /** The upstream schemes the proxy speaks: HTTP/1.1, and gRPC over HTTP/2 (h2c or TLS). */
  private static final java.util.Set<String> SCHEMES = java.util.Set.of("http", "grpc", "grpcs");

  private void dispatch(ChannelHandlerContext ctx, Object msg) {
    if (tunnel) {
      UpstreamExchange ex = exchange;
      if (msg instanceof HttpObject) {
        ReferenceCountUtil.release(msg); // the upgrade request's end, decoded before the codec left
        return;
      }
      Channel upstream = ex == null ? null : ex.backend();
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
        Throwable cause = request.decoderResult().cause();
        begin();
        bodyDone = false; // the codec stops here: whatever the client still sends is unread
        route = null;
        if (cause instanceof TooLongHttpLineException) { // as nginx: a request line over the limit is 414
          sendError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "414 Request-URI Too Large\n", false);
        } else if (cause instanceof TooLongHttpHeaderException) {
          sendError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "431 Request Header Fields Too Large\n", false);
        } else {
          sendError(HttpResponseStatus.BAD_REQUEST, "400 Bad Request: " + cause.getMessage() + "\n", false);
        }
        return;
      }
      start(ctx, request);
    }
    if (msg instanceof HttpContent content) {
      body(content);
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
      pull();
    }
  }

  /** A request begins: counted from here, and its timeouts switch to the request's. */
  private void begin() {
    requestStart = System.nanoTime();
    counting = true;
    discarded = 0;
    bodyLimit = -1;
    bodyRelayed = 0;
    log.reset();
    settings.listener().requestStarted();
    ClientPhases cp = clientPhases;
    if (cp != null) {
      cp.requestStarted();
    }
  }

  private void start(ChannelHandlerContext c, HttpRequest request) {
    if (!addressed) { // constant per connection: formatted once, not per request
      addressed = true;
      InetSocketAddress remote = (InetSocketAddress) c.channel().remoteAddress();
      localAddress = (InetSocketAddress) c.channel().localAddress();
      clientText = remote == null ? null : remote.getAddress().getHostAddress();
      localPortText = localAddress == null ? null : Integer.toString(localAddress.getPort());
    }
    InetSocketAddress local = localAddress;
    String client = clientText;
    route = null;
    begin();
    log.bytesReceived = request.method().name().length() + request.uri().length() + 12 // request line: 2 spaces, HTTP/1.x, CRLF
        + RequestLog.headerBytes(request.headers());
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    long length = chunked ? -1 : HttpUtil.getContentLength(request, 0L);
    bodyLeft = length;
    bodyDone = false; // even an empty body ends with the codec's last content
    expectContinue = false;
    String expect = request.headers().get(HttpHeaderNames.EXPECT);
    if (expect != null && !expect.equalsIgnoreCase("100-continue") && !request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      discard(HttpResponseStatus.EXPECTATION_FAILED, "417 Expectation Failed\n", false, false);
      return;
    }
    if (HttpUtil.is100ContinueExpected(request)) {
      // answered here, once routing and the access plugins let the request through; never forwarded
      request.headers().remove(HttpHeaderNames.EXPECT);
      expectContinue = chunked || length > 0;
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
    ResolvedRoute matched = match.value();
    route = matched;
    log.matchedUri = match.pattern();
    log.requestHost = rr.host();
    PluginPhases p = PluginPhases.of(rr, matched, settings.plugins());
    phases = p;
    if (p != null) {
      log.plugins = p.context();
      PluginResponse r = p.rewriteAndAccess(settings.plugins());
      if (r != null) {
        discarding = true;
        writeResponse(HttpResponseStatus.valueOf(r.status()), r.headers(), r.body(), keepAlive);
        return;
      }
    }
    if (p != null) {
      bodyLimit = p.context().requestBodyLimit(); // client-control: checked as the body streams
    }
    UpstreamChoice chosen = p == null ? null : p.context().upstream();
    Upstream upstream = chosen != null ? chosen.upstream() : matched.upstream();
    if (upstream == null || upstream.nodes().isEmpty()) {
      discard(HttpResponseStatus.BAD_GATEWAY, "502 Bad Gateway: the route has no upstream nodes\n", keepAlive, false);
      return;
    }
    if (!SCHEMES.contains(upstream.scheme())) {
      discard(HttpResponseStatus.BAD_GATEWAY, "502 Bad Gateway: upstream scheme " + upstream.scheme()
          + " is not supported by the proxy (http, grpc, grpcs)\n", keepAlive, false);
      return;
    }
    Picker picker;
    try {
      picker = chosen != null ? settings.balancers().picker(chosen.key(), chosen.revision(), upstream)
          : settings.balancers().picker(String.valueOf(matched.upstreamKey()), matched.upstreamRevision(), upstream);
    } catch (RuntimeException e) {
      discard(HttpResponseStatus.BAD_GATEWAY, "502 Bad Gateway: " + e.getMessage() + "\n", keepAlive, false);
      return;
    }
    UpstreamExchange ex = new UpstreamExchange(this, c, rr, matched, upstream, picker, keepAlive,
        p == null ? client : p.context().clientAddress(), p == null ? null : p.context());
    exchange = ex;
    if (expectContinue) { // the request goes upstream: now the client may send its body
      expectContinue = false;
      c.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    long delay = p == null ? 0 : p.context().delayNanos();
    if (delay > 0) { // limit-req, limit-conn: wait on a timer; the body (if any) waits in the exchange meanwhile
      c.executor().schedule(() -> {
        if (!ex.finished) {
          ex.attempt();
        }
      }, delay, TimeUnit.NANOSECONDS);
    } else {
      ex.attempt();
    }
  }

  /** Answers at once and drops the rest of the request body (or closes when not keep-alive). */
  void discard(HttpResponseStatus status, String body, boolean keepAlive, boolean json) {
    discarding = true;
    writeError(status, body, keepAlive, json);
  }

  private void body(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    int size = content.content().readableBytes();
    log.bytesReceived += size;
    if (bodyLeft > 0) {
      bodyLeft = Math.max(0, bodyLeft - size);
    }
    if (last) {
      bodyDone = true;
    }
    if (content.decoderResult().isFailure()) {
      content.release(); // a malformed body (bad chunk): the codec is lost from here on
      UpstreamExchange ex = exchange;
      if (ex != null) {
        ex.abort();
      }
      discarding = false;
      sendError(HttpResponseStatus.BAD_REQUEST, "bad request body: " + content.decoderResult().cause().getMessage() + "\n", false);
      return;
    }
    if (bodyLimit >= 0 && !discarding && exchange != null) {
      bodyRelayed += size;
      if (bodyRelayed > bodyLimit) { // a plugin's limit (client-control): a chunked body past it
        content.release();
        UpstreamExchange ex = exchange;
        boolean answering = ex.responseStarted;
        ex.abort(); // what went upstream is cut off with its connection
        if (answering) {
          ctx().close(); // the upstream's answer has begun: nothing else can be said
          return;
        }
        sendError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "413 Request Entity Too Large\n", false);
        return;
      }
    }
    if (discarding) {
      content.release();
      discarded += size;
      if (!last && discarded > DISCARD_LIMIT) { // answered already; an endless body is not read on
        discarding = false;
        LingeringClose.start(ctx().channel());
        return;
      }
      if (last) {
        discarding = false;
        awaitingNextRequest();
      }
      pull();
      return;
    }
    UpstreamExchange ex = exchange;
    if (ex == null) {
      content.release();
      pull();
      return;
    }
    PluginContext pc = log.plugins;
    if (pc != null && pc.requestBody() != null) { // a logger asked for the body (include_req_body): its first bytes
      pc.requestBody().append(content.content());
    }
    ex.requestBody(content, last);
  }

  private void sendError(HttpResponseStatus status, String body, boolean keepAlive) {
    writeError(status, body, keepAlive, false);
  }

  void writeError(HttpResponseStatus status, String body, boolean keepAlive, boolean json) {
    writeResponse(status, Map.of("Content-Type", json ? "application/json" : "text/plain; charset=utf-8"),
        body.getBytes(StandardCharsets.UTF_8), keepAlive);
  }

  /** Writes a response the proxy makes itself, through the route's header filters when it has plugins. */
  private void writeResponse(HttpResponseStatus status, Map<String, String> headers, byte[] body, boolean keepAlive) {
    ChannelHandlerContext c = ctx();
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.buffer(body.length).writeBytes(body));
    headers.forEach((k, v) -> r.headers().set(k, v));
    r.headers().set(HttpHeaderNames.SERVER, "dynconf-gateway");
    PluginPhases filters = takePhases();
    if (filters != null) {
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length); // the filters see the length (gzip's min_length)
      ResponseHead head = new ResponseHead(status.code(), r.headers());
      filters.headerFilter(head);
      r.setStatus(HttpResponseStatus.valueOf(head.status()));
      byte[] replaced = head.body();
      if (replaced != null) {
        r.content().clear().writeBytes(replaced);
      }
      if (!head.bodyFilters().isEmpty()) { // the whole body at once (echo, gzip): its length is known
        boolean noBody = filters.context().request().request().method() == io.netty.handler.codec.http.HttpMethod.HEAD
            || head.status() == 204 || head.status() == 304;
        if (noBody) {
          head.abandonBody();
        } else {
          byte[] filtered = head.filterWhole(io.netty.buffer.ByteBufUtil.getBytes(r.content()), c.alloc());
          r.content().clear().writeBytes(filtered);
        }
      }
    }
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    if (keepAlive && discarding && !bodyDone && (expectContinue || bodyLeft < 0 || bodyLeft > DISCARD_LIMIT)) {
      // answered before a body that is long, of unknown length, or that the client was told to
      // hold back (Expect: 100-continue and no 100 sent: it may send it or not): close instead
      keepAlive = false;
    }
    HttpUtil.setKeepAlive(r, keepAlive);
    log.bytesSent += RequestLog.statusLineBytes(r.status()) + RequestLog.headerBytes(r.headers()) + r.content().readableBytes();
    if (filters != null) { // after the head is final, so the log phase sees what the client gets
      BodyCapture kept = filters.context().responseBody();
      if (kept != null) {
        kept.append(r.content());
      }
      filters.log(r.status().code(), log);
    }
    ended(r.status().code());
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
      closeAfter(c.writeAndFlush(r));
    }
  }

  /** Closes the connection once {@code answer} is written: lingering while the client may still be sending. */
  void closeAfter(ChannelFuture answer) {
    discarding = false;
    if (bodyDone && queued.isEmpty()) {
      answer.addListener(ChannelFutureListener.CLOSE);
    } else {
      LingeringClose.after(answer);
    }
  }

  void awaitingNextRequest() {
    ClientPhases cp = clientPhases;
    if (cp != null) {
      cp.awaitingNextRequest();
    }
  }

  /** The connection's local port as text ({@code X-Forwarded-Port}); null when the channel has no socket address. */
  @Nullable String localPortText() {
    return localPortText;
  }

  /** Makes the connection's upstream timer fire within {@code millis} from now (see {@link #upstreamTimer}). */
  void upstreamTimerWithin(long millis) {
    long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    io.netty.util.concurrent.ScheduledFuture<?> t = upstreamTimer;
    if (t != null) {
      if (upstreamTimerDue - due <= 0) {
        return; // fires first: the exchange checks and asks again then
      }
      t.cancel(false);
    }
    upstreamTimerDue = due;
    upstreamTimer = Objects.requireNonNull(ctx).executor().schedule(this::upstreamTimerFired, millis, TimeUnit.MILLISECONDS);
  }

  private void upstreamTimerFired() {
    upstreamTimer = null;
    UpstreamExchange ex = exchange;
    if (ex != null) {
      ex.timerFired();
    }
  }

  /** The exchange is over (answered, failed or aborted): {@code discardRest} when the request body is still coming. */
  void exchangeDone(boolean discardRest) {
    exchange = null;
    if (discardRest) {
      discarding = true;
    }
  }

  boolean discarding() {
    return discarding;
  }

  /** The exchange's upstream answered 101: bytes both ways from here on. */
  void startTunnel() {
    tunnel = true;
    ClientPhases cp = clientPhases;
    if (cp != null) {
      cp.tunnel();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    io.netty.util.concurrent.ScheduledFuture<?> t = upstreamTimer;
    if (t != null) {
      upstreamTimer = null;
      t.cancel(false);
    }
    queued.forEach(ReferenceCountUtil::release);
    queued.clear();
    UpstreamExchange ex = exchange;
    if (ex != null) {
      ex.abort();
    }
    PluginPhases p = takePhases();
    if (p != null) { // the client left before the response ended: plugins still see the end (status 0)
      p.log(0, log);
    }
    ended(0);
    if (opened) {
      opened = false;
      settings.listener().connectionClosed();
    }
  }

  /** Counts the current request once: its route and final status (0: the client went away). */
  void ended(int status) {
    if (counting) {
      counting = false;
      log.end(route, status, requestStart);
      settings.listener().requestFinished(log);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamExchange ex = exchange;
    Channel b = ex == null ? null : ex.backend();
    if (b != null) {
      b.config().setAutoRead(ctx.channel().isWritable());
    }
    if (pullWhenWritable && ctx.channel().isWritable()) {
      pullWhenWritable = false;
      pull();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("client connection failed", cause);
    ctx.close();
  }
}
