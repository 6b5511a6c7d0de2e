package io.dynconf.netty;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.netty.plugin.BodyCapture;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.ResponseHead;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.Outcome;
import io.dynconf.radix.balance.Picker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its attempts on the upstream side of a {@link ProxyHandler}: picks a node, sends
 * the head and body (kept for a replay up to {@link #REPLAY_LIMIT} bytes), relays the response with
 * back-pressure both ways, retries on another node while the upstream's {@code retries} and
 * {@code retry_timeout} allow, and turns into a byte tunnel after a WebSocket 101. Every method runs
 * on the client connection's event loop.
 */
final class UpstreamExchange implements BackendHandler.Listener, UpstreamPool.Acquired, BalancerRequest {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamExchange.class);

  /** Request bodies up to this size are kept for a retry on another node. */
  static final int REPLAY_LIMIT = 64 * 1024;

  private static final long DEFAULT_TIMEOUT_MS = 60_000;

  private final ProxyHandler handler;
  private final ChannelHandlerContext ctx;
  final NettyRouteRequest request;
  final ResolvedRoute route;
  final Upstream upstream;
  /** Whether the client connection stays open after this exchange (false once the close must end a body). */
  boolean keepAlive;
  final @Nullable String client;
  final long connectMs;
  final long sendMs;
  final long readMs;
  final Picker picker;
  final boolean websocket;
  /** The nodes tried so far: none, one, or a few on retries (made on the first retry; most requests have one attempt). */
  private @Nullable List<Node> tried;
  /** Body parts waiting for the connection (made when a body part arrives before it). */
  private @Nullable ArrayDeque<HttpContent> pending;
  /** The body kept for a replay (made when the first body part arrives; a request without body keeps only its empty end). */
  private @Nullable List<HttpContent> replay;
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
  /** The response head, not written yet: it goes out with the body's first part ({@link #complete}, {@link #onBackendRead}). */
  private @Nullable HttpResponse heldHead;
  @Nullable List<Object> tunnelBacklog;
  boolean interim;
  boolean headWritten;
  /** Whether the connection's upstream timer is to check this exchange's deadline ({@link #timerFired}). */
  boolean timing;

  final @Nullable PluginContext pctx;
  final @Nullable String clientHost;
  @Nullable HttpHeaders outgoing;
  boolean upstreamKeepAlive;
  int upstreamStatus;
  boolean upstreamDelimited;
  byte @Nullable [] replacedBody;
  /** The head whose body filters change the streamed body (null when none): each part goes through them. */
  private @Nullable ResponseHead bodyFilters;

  UpstreamExchange(ProxyHandler handler, ChannelHandlerContext ctx, NettyRouteRequest request, ResolvedRoute route, Upstream upstream, Picker picker, boolean keepAlive,
      @Nullable String client, @Nullable PluginContext pctx) {
    this.handler = handler;
    this.ctx = ctx;
    this.pctx = pctx;
    this.clientHost = request.host(); // the absolute-form target's authority, else the Host header
    this.request = request;
    this.route = route;
    this.upstream = upstream;
    this.picker = picker;
    this.keepAlive = keepAlive;
    this.client = client;
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
    Node p = picker.pick(this, triedNodes());
    if (p == null) {
      fail(HttpResponseStatus.BAD_GATEWAY, "no upstream node available");
      return;
    }
    pick = p;
    handler.log().attempting(p);
    headWritten = false;
    if (tried == null && attempts == 0) {
      firstPick = p;
    } else {
      triedList().add(p);
    }
    attempts++;
    nodeStart = picker.start(p);
    if (attempts == 1) {
      firstStart = nodeStart;
    }
    int attempt = ++attemptSeq;
    UpstreamPool.Acquired done;
    if (callbackBusy) { // an earlier attempt's connect has not answered yet: this one gets its own callback
      Node chosen = p;
      done = (ch, wasReused, cause) -> acquired(ch, wasReused, cause, chosen, attempt);
    } else { // the usual case: the exchange itself is the callback, no object per request
      callbackBusy = true;
      callbackAttempt = attempt;
      callbackNode = p;
      done = this;
    }
    handler.settings().pool().acquire(ctx.channel().eventLoop(), upstream.scheme(), p.host(), p.port(), p.address(),
        (int) Math.min(Integer.MAX_VALUE, connectMs), done);
  }

  /** The first node picked (the usual case: one attempt, no list made). */
  private @Nullable Node firstPick;
  /** Counts attempts, so that a connection answered for an earlier attempt is told from the current one's. */
  private int attemptSeq;
  /** The exchange is the callback of an acquire that has not answered yet: for attempt {@link #callbackAttempt}, node {@link #callbackNode}. */
  private boolean callbackBusy;
  private int callbackAttempt;
  private @Nullable Node callbackNode;

  private List<Node> triedList() {
    List<Node> t = tried;
    if (t == null) {
      t = new ArrayList<>(4);
      if (attempts > 0 && firstPick != null) {
        t.add(firstPick);
      }
      tried = t;
    }
    return t;
  }

  /** The nodes tried so far, for the picker (an empty or one-element list without allocation when possible). */
  private List<Node> triedNodes() {
    List<Node> t = tried;
    if (t != null) {
      return t;
    }
    Node f = firstPick;
    return attempts == 0 || f == null ? List.of() : List.of(f);
  }

  /** The pool's answer to the acquire whose callback is this exchange. */
  @Override
  public void acquired(@Nullable Channel ch, boolean wasReused, @Nullable Throwable cause) {
    callbackBusy = false;
    acquired(ch, wasReused, cause, Objects.requireNonNull(callbackNode, "set with the acquire"), callbackAttempt);
  }

  private void acquired(@Nullable Channel ch, boolean wasReused, @Nullable Throwable cause, Node chosen, int attempt) {
    if (finished || pick != chosen || attempt != attemptSeq) {
      if (ch != null) {
        ch.close();
      }
      return;
    }
    if (ch == null) {
      // a connect that timed out is a timeout (504, and a timeout for health checks), as in nginx
      attemptFailed(cause instanceof io.netty.channel.ConnectTimeoutException, "connect to " + chosen.address() + " failed: " + cause);
      return;
    }
    if (!ctx.channel().isActive()) {
      handler.settings().pool().release(ch);
      abort();
      return;
    }
    attach(ch, wasReused, chosen);
  }

  void attach(Channel ch, boolean wasReused, Node node) {
    backend = ch;
    reused = wasReused;
    ch.config().setAutoRead(ctx.channel().isWritable());
    ch.pipeline().get(BackendHandler.class).listener(this);
    ch.write(head(node));
    headWritten = true;
    List<HttpContent> r = replay;
    if (r != null) {
      for (int i = 0; i < r.size(); i++) {
        ch.write(r.get(i).retainedDuplicate());
      }
    }
    ArrayDeque<HttpContent> q = pending;
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        sentBody = true;
        ch.write(c);
      }
    }
    ch.flush();
    lastActivity = System.nanoTime();
    armTimer(requestDone ? readMs : sendMs);
    if (!requestDone) {
      handler.pull();
    }
  }

  void requestBody(HttpContent content, boolean last) {
    if (last) {
      requestDone = true;
      if (content instanceof LastHttpContent end && !end.trailingHeaders().isEmpty()) {
        // request trailers do not go upstream (nginx drops them too): a trailer could carry a
        // field the gateway or a plugin set in the head (Host, X-Consumer-Username) past them
        end.trailingHeaders().clear();
      }
    }
    HttpContent kept = null;
    if (replayable && content.content().readableBytes() + replayBytes <= REPLAY_LIMIT) {
      kept = content.retainedDuplicate();
      replayList().add(kept);
      replayBytes += content.content().readableBytes();
    } else if (replayable) {
      replayable = false;
      List<HttpContent> r = replay;
      if (r != null) {
        if (backend == null) {
          pendingQueue().addAll(r); // not written yet: they go out on attach
        } else {
          r.forEach(ReferenceCountUtil::release); // written already
        }
        replay = null;
      }
    }
    Channel b = backend;
    if (b == null) {
      if (replayable) {
        content.release(); // the replay copy is written on attach
      } else {
        pendingQueue().add(content);
      }
      return;
    }
    sentBody = true;
    lastActivity = System.nanoTime();
    if (kept != null) {
      content.release();
      b.writeAndFlush(kept.retainedDuplicate());
    } else {
      b.writeAndFlush(content);
    }
    if (last) {
      lastActivity = System.nanoTime();
      armTimer(readMs);
    } else if (b.isWritable()) {
      handler.pull();
    }
  }

  /**
   * The request head for this attempt. The headers are prepared once per exchange, in place on
   * the request's own header object (no copy): hop-by-hop headers out, forwarding headers in;
   * only {@code Host} may differ per attempt ({@code pass_host: node}).
   */
  private HttpRequest head(Node node) {
    HttpRequest in = request.request();
    HttpHeaders h = outgoing;
    if (h == null) {
      boolean chunked = HttpUtil.isTransferEncodingChunked(in);
      h = pctx != null ? pctx.upstreamHeaders() : in.headers();
      String xff = h.get(ProxyHeaders.X_FORWARDED_FOR);
      ProxyHeaders.removeHopByHop(h, in.headers(), websocket);
      h.set(ProxyHeaders.X_FORWARDED_FOR, xff == null || client == null ? client : xff + ", " + client);
      h.set(ProxyHeaders.X_REAL_IP, client);
      h.set(ProxyHeaders.X_FORWARDED_PROTO, handler.settings().scheme());
      if (clientHost != null) {
        h.set(ProxyHeaders.X_FORWARDED_HOST, clientHost);
      }
      String port = handler.localPortText();
      if (port != null) {
        h.set(ProxyHeaders.X_FORWARDED_PORT, port);
      }
      if (websocket) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      }
      if (chunked) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      outgoing = h;
    }
    String pluginHost = pctx == null ? null : pctx.host();
    if (pluginHost != null) {
      h.set(HttpHeaderNames.HOST, pluginHost);
    } else {
      switch (upstream.passHost()) {
        case "node" -> h.set(HttpHeaderNames.HOST, ProxyHeaders.hostHeader(node.host(), node.port(), upstream.scheme()));
        case "rewrite" -> h.set(HttpHeaderNames.HOST, upstream.upstreamHost());
        default -> h.set(HttpHeaderNames.HOST, clientHost != null ? clientHost
            : ProxyHeaders.hostHeader(node.host(), node.port(), upstream.scheme()));
      }
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), pctx != null ? pctx.uri() : request.target().originForm(), h);
  }

  /** Watches this attempt's deadline, {@code millis} from now, on the connection's one upstream timer. */
  private void armTimer(long millis) {
    timing = true;
    handler.upstreamTimerWithin(millis);
  }

  private void cancelTimer() {
    timing = false;
  }

  /** The connection's upstream timer fired while this exchange was the current one. */
  void timerFired() {
    if (timing) {
      checkTimeout();
    }
  }

  private void checkTimeout() {
    timing = false;
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
    if (handler.tunnel()) {
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
    if (msg instanceof HttpResponse r && !r.decoderResult().isFailure() && (r.status().code() < 100 || r.status().code() > 999)) {
      // RFC 9110 15: a status is three digits (nginx takes 100 to 999); "HTTP/1.1 0" or "1000"
      // relayed as such would reach the client as a response it cannot read
      ReferenceCountUtil.release(msg);
      attemptFailed(false, "invalid status " + r.status().code() + " in the upstream's response");
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
      if (r.status().code() == 101 && !websocket) {
        // RFC 9110 15.2.2: a 101 to a request that asked for no upgrade is a broken upstream; what
        // follows it on that connection is unframed, and relaying it would hand the client
        // responses to requests it never sent. The connection is closed, the client gets a 502.
        ReferenceCountUtil.release(msg);
        attemptFailed(false, "the upstream switched protocols (101) for a request that asked for no upgrade");
        return;
      }
      responseStarted = true;
      response = r;
      upstreamStatus = r.status().code();
      if (websocket && r.status().code() == 101) {
        startTunnel(r);
        return;
      }
      HttpResponse head = responseHead(r);
      RequestLog log = handler.log();
      log.upstreamResponded = true;
      log.bytesSent += RequestLog.statusLineBytes(head.status()) + RequestLog.headerBytes(head.headers());
      if (msg instanceof HttpContent) {
        ctx.write(head);
      } else {
        // held until the body's first part (it was written unflushed before, so nothing goes out
        // later than it did): when that part is the end, head and body leave as one message, one
        // buffer for the encoder and one write for the socket
        heldHead = head;
      }
    }
    if (msg instanceof HttpContent part) {
      boolean last = part instanceof LastHttpContent;
      HttpContent content = part;
      ResponseHead filters = bodyFilters;
      if (filters != null && replacedBody == null) {
        if (last) {
          bodyFilters = null; // the filters see their last part once
        }
        ByteBuf out = filters.filterPart(part.content(), last, ctx.alloc());
        content = last ? new io.netty.handler.codec.http.DefaultLastHttpContent(out, ((LastHttpContent) part).trailingHeaders())
            : new io.netty.handler.codec.http.DefaultHttpContent(out);
        if (!last && !out.isReadable()) {
          content.release(); // nothing to send yet (a compressor filling its window): read on
          return;
        }
      }
      byte[] replaced = replacedBody;
      if (replaced != null) {
        content.release(); // replaced by a plugin: drop the upstream's body
        if (last) {
          boolean head = request.request().method() == HttpMethod.HEAD;
          handler.log().bytesSent += head ? 0 : replaced.length;
          BodyCapture kept = pctx == null ? null : pctx.responseBody();
          if (kept != null && !head) {
            kept.append(replaced);
          }
          complete(head ? LastHttpContent.EMPTY_LAST_CONTENT
              : new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.wrappedBuffer(replaced)));
        }
        return;
      }
      handler.log().bytesSent += content.content().readableBytes();
      BodyCapture kept = pctx == null ? null : pctx.responseBody();
      if (kept != null) { // a logger asked for the body (include_resp_body): its first bytes
        kept.append(content.content());
      }
      if (last) {
        complete(content);
      } else {
        writeHeldHead();
        ctx.writeAndFlush(content);
        Channel b = backend; // the connection this message came from
        if (b != null && !ctx.channel().isWritable()) {
          b.config().setAutoRead(false);
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
    boolean lengthSet = HttpUtil.isContentLengthSet(in); // not changed below before it is used again
    upstreamDelimited = chunked || lengthSet;
    ProxyHeaders.removeHopByHop(h, false);
    boolean hasBody = request.request().method() != HttpMethod.HEAD && in.status().code() >= 200
        && in.status().code() != 204 && in.status().code() != 304;
    in.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (chunked || (hasBody && !lengthSet)) {
      if (request.request().protocolVersion().equals(HttpVersion.HTTP_1_0)) {
        // an HTTP/1.0 client knows no chunked coding (RFC 9112 6.1): the close ends the body
        HttpUtil.setTransferEncodingChunked(in, false);
        keepAlive = false;
      } else {
        HttpUtil.setTransferEncodingChunked(in, true);
      }
    }
    HttpUtil.setKeepAlive(in, keepAlive);
    PluginPhases f = handler.phases();
    if (f != null) {
      ResponseHead head = new ResponseHead(in.status().code(), h);
      f.headerFilter(head);
      in.setStatus(HttpResponseStatus.valueOf(head.status()));
      byte[] replaced = head.body();
      boolean filtered = !head.bodyFilters().isEmpty();
      if (filtered && !hasBody) {
        head.abandonBody(); // HEAD, 204, 304: no body to filter
        filtered = false;
      }
      if (replaced != null) {
        if (filtered) { // known whole: filtered at once, its length known
          replaced = head.filterWhole(replaced, ctx.alloc());
        }
        replacedBody = replaced;
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.set(HttpHeaderNames.CONTENT_LENGTH, hasBody ? replaced.length : 0);
      } else if (filtered) { // streamed through the filters: the length is not known before the end
        bodyFilters = head;
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        if (request.request().protocolVersion().equals(HttpVersion.HTTP_1_0)) {
          HttpUtil.setTransferEncodingChunked(in, false);
          keepAlive = false; // the close ends the body
          HttpUtil.setKeepAlive(in, false);
        } else {
          HttpUtil.setTransferEncodingChunked(in, true);
        }
      }
    }
    return in;
  }

  private void complete(HttpContent ending) {
    HttpContent last = ending;
    ResponseHead bodyFilter = bodyFilters;
    if (bodyFilter != null) { // a body delimited by the close ends here: the filters' last part (a compressor's trailer)
      bodyFilters = null;
      LastHttpContent trailers = ending instanceof LastHttpContent l ? l : LastHttpContent.EMPTY_LAST_CONTENT;
      last = new DefaultLastHttpContent(bodyFilter.filterPart(ending.content(), true, ctx.alloc()), trailers.trailingHeaders());
      handler.log().bytesSent += last.content().readableBytes();
    }
    finished = true;
    cancelTimer();
    Channel b = backend;
    boolean reusable = response != null && upstreamKeepAlive && requestDone;
    backend = null;
    finishPick(Outcome.RESPONSE, upstreamStatus);
    int status = Objects.requireNonNull(response, "complete() follows the response head").status().code();
    PluginPhases filters = handler.takePhases();
    if (filters != null) {
      filters.log(status, handler.log());
    }
    handler.ended(status);
    if (b != null) {
      b.pipeline().get(BackendHandler.class).listener(null);
      if (reusable) {
        handler.settings().pool().release(b);
      } else {
        b.close();
      }
    }
    releaseBuffers();
    handler.exchangeDone(!requestDone); // the upstream may answer before the body ended: the rest is dropped
    HttpResponse head = heldHead;
    ChannelFuture written;
    if (head != null && last instanceof LastHttpContent end) {
      heldHead = null; // head and end as one message (the end's buffer and trailers move into it)
      written = ctx.writeAndFlush(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), end.content(),
          head.headers(), end.trailingHeaders()));
    } else {
      writeHeldHead();
      written = ctx.writeAndFlush(last);
    }
    if (!keepAlive) {
      handler.closeAfter(written);
      return;
    }
    written.addListener(handler.responseWritten);
  }

  /** Writes the response head held back for the body's first part, if any. */
  private void writeHeldHead() {
    HttpResponse head = heldHead;
    if (head != null) {
      heldHead = null;
      ctx.write(head);
    }
  }

  private void startTunnel(HttpResponse r) {
    cancelTimer();
    handler.startTunnel();
    tunnelBacklog = new ArrayList<>();
    finishPick(Outcome.RESPONSE, 101);
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status());
    out.headers().set(r.headers());
    RequestLog log = handler.log();
    log.upstreamResponded = true;
    log.bytesSent += RequestLog.statusLineBytes(out.status()) + RequestLog.headerBytes(out.headers());
    handler.ended(101);
    releaseBuffers();
    // the upstream connection is a byte pipe from here on (never pooled again); what its decoder
    // still holds is handed on as bytes when the codec leaves
    Objects.requireNonNull(backend, "a tunnel starts on the attached connection").pipeline().remove("http");
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
    if (handler.tunnel()) {
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
    if (handler.tunnel()) {
      ctx.channel().config().setAutoRead(true);
      return;
    }
    if (!requestDone && !finished) {
      handler.pull();
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
    finishPick(stale ? Outcome.CANCELLED : timeout ? Outcome.TIMEOUT : Outcome.FAILURE, 0);
    if (responseStarted) {
      LOG.info("route {}: {} after the response started; closing the client connection", route.id(), why);
      finished = true;
      releaseBuffers();
      ctx.close();
      return;
    }
    // once the request went out, only idempotent methods may be tried again (as nginx does)
    boolean bodyIntact = (replayable || !sentBody) && (!headWritten || ProxyHeaders.idempotent(request.request().method()));
    if (bodyIntact && stale) {
      freeRetries--;
      List<Node> t = tried;
      if (t == null) {
        firstPick = null;
      } else {
        t.remove(t.size() - 1);
      }
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
    handler.exchangeDone(false);
    String body = status.code() + " " + status.reasonPhrase() + "\n";
    if (requestDone) {
      handler.writeError(status, body, keepAlive, false);
    } else {
      handler.discard(status, body, keepAlive, false);
    }
  }

  void abort() {
    if (!finished) {
      finishPick(Outcome.CANCELLED, 0);
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
    handler.exchangeDone(false);
  }

  /** Reports the current attempt's outcome to the balancer (nothing when no node was picked yet). */
  private void finishPick(Outcome outcome, int status) {
    Node p = pick;
    if (p != null) {
      picker.finish(p, nodeStart, outcome, status);
    }
  }

  /** The upstream connection of the current attempt, null between attempts. */
  @Nullable Channel backend() {
    return backend;
  }

  private void releaseBuffers() {
    ResponseHead filters = bodyFilters;
    if (filters != null) {
      bodyFilters = null;
      filters.abandonBody();
    }
    ArrayDeque<HttpContent> q = pending;
    if (q != null) {
      q.forEach(ReferenceCountUtil::release);
      q.clear();
    }
    List<HttpContent> r = replay;
    if (r != null) {
      r.forEach(ReferenceCountUtil::release);
      replay = null;
    }
  }

  private List<HttpContent> replayList() {
    List<HttpContent> r = replay;
    if (r == null) {
      r = new ArrayList<>(2);
      replay = r;
    }
    return r;
  }

  private ArrayDeque<HttpContent> pendingQueue() {
    ArrayDeque<HttpContent> q = pending;
    if (q == null) {
      q = new ArrayDeque<>(4);
      pending = q;
    }
    return q;
  }

  // BalancerRequest: the balancer's view of this request (only chash reads it), the exchange itself
  // rather than an object and two lambdas per request

  @Override
  public @Nullable String var(String name) {
    return BalancerRequest.varText(request, name);
  }

  @Override
  public @Nullable String header(String name) {
    return request.request().headers().get(name);
  }

  @Override
  public @Nullable String cookie(String name) {
    return request.cookie(name);
  }

  @Override
  public @Nullable String consumer() {
    return null;
  }

  @Override
  public @Nullable String clientAddress() {
    return request.remoteAddress();
  }
}
