package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.admin.AdminApi;
import io.dynconf.core.admin.AdminRequest;
import io.dynconf.core.admin.AdminResponse;
import io.dynconf.core.admin.AdminRole;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.examples.gateway.ListenAddress;
import io.dynconf.netty.LingeringClose;
import io.dynconf.netty.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: dynconf-core's transport-agnostic {@link AdminApi} over HTTP/1.1 (or HTTPS
 * with {@link Security#tls}). Its connections have an event loop of their own, so admin traffic
 * never delays the proxied requests of the data plane's event loops.
 *
 * <p>Hostile clients: the key is checked on the request head, <em>before</em> any body is read. A
 * request without a known key (or a viewer's write) is answered at once from its head (401, 403 or
 * 404) and the connection is closed, so an unauthenticated client never makes this listener hold
 * more than one request head (at most {@value #MAX_HEAD_BYTES} bytes) and one read buffer. A body
 * announced over {@link AdminApi#MAX_BODY_BYTES} answers 413 before it is read. Requests of one
 * connection run one at a time, in order (pipelined requests are answered <em>and applied</em> in
 * the order sent; the connection stops reading while one runs); the API's threads take at most
 * {@value #QUEUE} waiting requests, beyond which a request answers 503 with {@code Retry-After}. A
 * connection silent for {@value #IDLE_SECONDS} s is closed, and so is one that has not completed a
 * request (head and body) within {@value #IDLE_SECONDS} s of opening or of its last answer, however
 * slowly it trickles bytes.
 *
 * <p>A successful write is answered once this node serves it ({@link ConfigRegistry#whenServed}, at most
 * {@value #SERVED_WAIT_MILLIS} ms later), so a client's next request to this node sees the change.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

  /**
   * The admin request deadline, counted from when the request was read (waiting for an API thread
   * included): a source that does not answer by then answers 503. With the read-your-writes wait
   * below, every admin answer comes within 4 s whatever etcd does.
   */
  static final java.time.Duration DEADLINE = java.time.Duration.ofSeconds(3);

  /** The longest a write's answer waits for this node to serve it (the write stands either way). */
  static final long SERVED_WAIT_MILLIS = 1000;
  /** Request line plus headers. */
  static final int MAX_HEAD_BYTES = 16384;
  /** Connections the admin listener holds at once (256): a client without a key cannot take the process's descriptors. */
  static final int MAX_CONNECTIONS = 256;
  private final ListenerCap cap = new ListenerCap("admin", MAX_CONNECTIONS);
  /** Admin requests waiting for one of the {@value #THREADS} API threads; more answer 503. */
  static final int QUEUE = 64;
  static final int THREADS = 4;
  /** Decoded requests one connection may have waiting behind the one that runs (pipelining). */
  static final int MAX_PIPELINED = 32;
  static final int IDLE_SECONDS = 60;

  /**
   * The listener's protections that operators choose.
   *
   * @param metricsRequireKey {@code /apisix/prometheus/metrics} answers 401 without an admin or
   *     viewer key (off by default, as APISIX's metrics export)
   * @param tls serve HTTPS with this context; null for plain HTTP
   */
  public record Security(boolean metricsRequireKey, @Nullable SslContext tls) {
    public static final Security NONE = new Security(false, null);
  }

  private final Channel channel;
  private final AdminApi api;
  private final ThreadPoolExecutor executor;
  private final EventLoopGroup io;
  private final Operators operators;
  private final byte[] adminDigest;
  private final byte @Nullable [] viewerDigest;
  private final ConfigRegistry registry;
  private final Security security;
  private final HealthEndpoint health;

  public AdminServer(EventLoopGroup boss, ListenAddress listen, ConfigSource source,
      ConfigRegistry registry, Operators operators, String adminKey, @Nullable String viewerKey)
      throws InterruptedException, java.net.BindException {
    this(boss, listen, source, registry, operators, adminKey, viewerKey, Security.NONE);
  }

  public AdminServer(EventLoopGroup boss, ListenAddress listen, ConfigSource source,
      ConfigRegistry registry, Operators operators, String adminKey, @Nullable String viewerKey, Security security)
      throws InterruptedException, java.net.BindException {
    this(boss, listen, source, registry, operators, adminKey, viewerKey, security, null);
  }

  /**
   * @param catalog the plugins published by {@code GET /apisix/admin/plugins/list}, {@code
   *     plugins?all=true} and {@code plugins/<name>}, and consulted for plugin metadata; null
   *     publishes none
   */
  public AdminServer(EventLoopGroup boss, ListenAddress listen, ConfigSource source,
      ConfigRegistry registry, Operators operators, String adminKey, @Nullable String viewerKey, Security security,
      io.dynconf.core.apisix.@Nullable PluginCatalog catalog)
      throws InterruptedException, java.net.BindException {
    this(boss, listen, source, registry, operators, adminKey, viewerKey, security, catalog, List.of());
  }

  /**
   * @param corsOrigins the browser origins answered with CORS headers ({@code *}: any; empty: off),
   *     as {@link AdminApi.Builder#cors}
   */
  public AdminServer(EventLoopGroup boss, ListenAddress listen, ConfigSource source,
      ConfigRegistry registry, Operators operators, String adminKey, @Nullable String viewerKey, Security security,
      io.dynconf.core.apisix.@Nullable PluginCatalog catalog, List<String> corsOrigins)
      throws InterruptedException, java.net.BindException {
    this(boss, listen, source, registry, operators, adminKey, viewerKey, security, catalog, corsOrigins, b -> {});
  }

  /**
   * @param options applied to the admin API's builder last (the gateway disables {@code
   *     stream_routes} when it has no stream listener, as APISIX does without stream mode)
   */
  public AdminServer(EventLoopGroup boss, ListenAddress listen, ConfigSource source,
      ConfigRegistry registry, Operators operators, String adminKey, @Nullable String viewerKey, Security security,
      io.dynconf.core.apisix.@Nullable PluginCatalog catalog, List<String> corsOrigins,
      java.util.function.Consumer<AdminApi.Builder> options)
      throws InterruptedException, java.net.BindException {
    this.operators = operators;
    this.security = security;
    this.health = new HealthEndpoint(registry, adminKey, viewerKey);
    this.adminDigest = sha256(adminKey);
    this.viewerDigest = viewerKey == null ? null : sha256(viewerKey);
    AdminApi.Builder b = AdminApi.builder(source).types(registry.types()).apiKey(adminKey, AdminRole.ADMIN)
        .requestTimeout(DEADLINE);
    if (viewerKey != null) {
      b.apiKey(viewerKey, AdminRole.VIEWER);
    }
    b.cors(corsOrigins);
    b.checkedValues(registry.checkedValues()); // the registry takes what a write checked instead of checking it again
    if (!source.readsFromMemory()) { // etcd: a write reads this node's registry first and makes one call, its transaction
      b.nodeView(registry::appliedValue);
    }
    if (catalog != null) {
      b.plugins(catalog); // types were given: plugin configurations are checked by the registry's own types
    }
    if (source instanceof io.dynconf.core.source.FileSource file) {
      // objects written by hand into the file have no create_time/update_time: they show the
      // file's last change, stable across restarts while the file is unchanged
      b.unstampedTime(() -> {
        try {
          return java.nio.file.Files.getLastModifiedTime(file.path()).toMillis() / 1000;
        } catch (java.io.IOException e) {
          return System.currentTimeMillis() / 1000; // the file is being replaced: now is as good as any
        }
      });
    }
    options.accept(b);
    this.api = b.build();
    this.registry = registry;
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "dynconf-admin");
      t.setDaemon(true);
      return t;
    });
    this.io = new MultiThreadIoEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory("dynconf-admin-io", true),
        Transport.of(boss.next()).ioHandlerFactory());
    ServerBootstrap bootstrap = new ServerBootstrap().group(boss, io).channel(Transport.of(boss.next()).serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!cap.admit(ch)) {
              return;
            }
            if (security.tls() != null) {
              ch.pipeline().addLast(security.tls().newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                new HttpServerCodec(4096, MAX_HEAD_BYTES, 8192), new Connection());
          }
        });
    try {
      this.channel = Transport.bind(bootstrap, "admin API listener", listen.host(), listen.port());
    } catch (InterruptedException | java.net.BindException | RuntimeException e) {
      executor.shutdownNow();
      io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    executor.shutdownNow();
    api.close();
    io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Why {@code body} is not well-formed UTF-8 (RFC 8259 8.1), or null when it is. The JSON parser
   * takes some ill-formed sequences as characters: an overlong {@code C0 AF} was stored as "/".
   */
  static @Nullable String notUtf8(byte @Nullable [] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(body);
    java.nio.charset.CoderResult r = StandardCharsets.UTF_8.newDecoder()
        .decode(in, java.nio.CharBuffer.allocate(body.length), true);
    return r.isError() ? "not UTF-8 at byte " + in.position() : null;
  }

  private static AdminResponse json(int status, String body) {
    return new AdminResponse(status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
  }

  /** The role of {@code key}, compared in constant time against both keys; null when unknown. */
  private @Nullable AdminRole role(@Nullable String key) {
    if (key == null) {
      return null;
    }
    byte[] d = sha256(key);
    boolean admin = MessageDigest.isEqual(adminDigest, d);
    boolean viewer = viewerDigest != null && MessageDigest.isEqual(viewerDigest, d);
    return admin ? AdminRole.ADMIN : viewer ? AdminRole.VIEWER : null;
  }

  /** One request read from a connection: its answer is ready ({@code response}) or it runs on the API. */
  private static final class Exchange {
    final HttpRequest head;
    final boolean keepAlive;
    @Nullable AdminResponse response; // answered from the head
    boolean close; // close the connection after the answer
    @Nullable ByteArrayOutputStream body; // null: the body is discarded
    boolean complete;
    long arrivedNanos; // when the whole request was read: its deadline counts from here

    Exchange(HttpRequest head) {
      this.head = head;
      this.keepAlive = HttpUtil.isKeepAlive(head);
    }
  }

  /**
   * One connection: reads request heads, decides from the head alone whether a body will be read,
   * and runs its requests one at a time, in order.
   */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private final ArrayDeque<Exchange> queue = new ArrayDeque<>();
    private @Nullable Exchange reading; // the request whose body is arriving
    private boolean running; // the head of the queue is being answered
    private boolean closing; // a final answer is queued: read nothing more
    private long progressNanos = System.nanoTime(); // opened, a request completed, or an answer written
    private io.netty.util.concurrent.@Nullable ScheduledFuture<?> progressCheck;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      progressCheck = ctx.executor().scheduleAtFixedRate(() -> {
        if (!running && System.nanoTime() - progressNanos > TimeUnit.SECONDS.toNanos(IDLE_SECONDS)) {
          ctx.close(); // no complete request for IDLE_SECONDS: a slowloris, or an abandoned connection
        }
      }, 5, 5, TimeUnit.SECONDS);
      super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (closing) {
          return;
        }
        if (msg instanceof HttpRequest head) {
          onHead(ctx, head);
        }
        if (msg instanceof HttpContent content && reading != null) {
          onContent(ctx, reading, content);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
      next(ctx);
    }

    private void onHead(ChannelHandlerContext ctx, HttpRequest head) {
      Exchange x = new Exchange(head);
      reading = x;
      queue.add(x);
      if (queue.size() > MAX_PIPELINED) {
        refuse(x, json(503, "{\"error_msg\":\"more than " + MAX_PIPELINED + " pipelined requests on one connection\"}"));
        return;
      }
      if (head.decoderResult().isFailure()) {
        refuse(x, json(400, "{\"error_msg\":\"malformed HTTP request: " + quote(String.valueOf(head.decoderResult().cause())) + "\"}"));
        return;
      }
      String path;
      try {
        path = new QueryStringDecoder(head.uri()).path();
      } catch (IllegalArgumentException e) { // a malformed %-escape: answered, not a dropped connection
        refuse(x, json(400, "{\"error_msg\":\"malformed request target: " + quote(String.valueOf(e.getMessage())) + "\"}"));
        return;
      }
      String method = head.method().name();
      if (path.equals(HealthEndpoint.PATH)) { // without a key: the status only (probes); with one: the details
        refuse(x, health.answer(method, AdminApi.apiKey(head.headers()::get)));
        return;
      }
      AdminRole role = role(AdminApi.apiKey(head.headers()::get)); // where the API looks: X-API-KEY or x_api_key
      if (role != null) {
        cap.proven(ctx.channel()); // a connection with a key is never closed to make room
      }
      boolean operatorPath = path.equals("/apisix/prometheus/metrics") || path.equals("/dynconf/status");
      if (operatorPath) {
        boolean needsKey = path.equals("/dynconf/status") || security.metricsRequireKey();
        if (needsKey && role == null) {
          refuse(x, json(401, "{\"error_msg\":\"missing or invalid X-API-KEY\"}"));
        } else if (!method.equals("GET")) {
          refuse(x, json(405, "{\"error_msg\":\"method not allowed\"}"));
        }
      } else if (role == null || (role == AdminRole.VIEWER && !method.equals("GET"))) {
        // the API answers from the head alone (401, 403 or 404): the body is never read
        refuse(x, api.handle(AdminRequest.of(method, head.uri(), headers(head), (byte[]) null)));
      } else if (HttpUtil.getContentLength(head, -1L) > AdminApi.MAX_BODY_BYTES) {
        refuse(x, tooLarge(HttpUtil.getContentLength(head, -1L)));
      }
      if (x.response == null) {
        x.body = new ByteArrayOutputStream();
        if (HttpUtil.is100ContinueExpected(head) && queue.size() == 1) {
          ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
      }
    }

    private void onContent(ChannelHandlerContext ctx, Exchange x, HttpContent content) {
      if (content.decoderResult().isFailure()) {
        x.body = null;
        refuse(x, json(400, "{\"error_msg\":\"malformed HTTP request body: " + quote(String.valueOf(content.decoderResult().cause())) + "\"}"));
      }
      ByteArrayOutputStream body = x.body;
      if (body != null) {
        ByteBuf buf = content.content();
        if (body.size() + buf.readableBytes() > AdminApi.MAX_BODY_BYTES) {
          x.body = null;
          refuse(x, tooLarge(body.size() + buf.readableBytes()));
        } else {
          byte[] chunk = new byte[buf.readableBytes()];
          buf.readBytes(chunk);
          body.writeBytes(chunk);
        }
      }
      if (content instanceof LastHttpContent) {
        x.complete = true;
        x.arrivedNanos = System.nanoTime();
        progressNanos = x.arrivedNanos;
        reading = null;
      }
    }

    private AdminResponse tooLarge(long size) {
      return json(413, "{\"error_msg\":\"request body is " + size + " bytes or more; at most " + AdminApi.MAX_BODY_BYTES
          + " (1.5 MiB) are accepted\"}");
    }

    /** Answers {@code x} from its head and closes the connection after it: nothing more is read. */
    private void refuse(Exchange x, AdminResponse response) {
      x.response = response;
      x.close = true;
      x.body = null;
      x.complete = true;
      reading = null;
      closing = true;
    }

    /** Starts the oldest request when none runs; reads while none runs, so requests queue in the socket instead. */
    private void next(ChannelHandlerContext ctx) {
      if (running || !ctx.channel().isActive()) {
        return;
      }
      Exchange x = queue.peek();
      if (x == null || !x.complete) {
        if (!closing) {
          ctx.channel().config().setAutoRead(true); // reads on (a body, the next request)
        }
        return;
      }
      running = true;
      ctx.channel().config().setAutoRead(false);
      if (x.response != null) {
        write(ctx, x, x.response);
        return;
      }
      HttpRequest head = x.head;
      String path = new QueryStringDecoder(head.uri()).path();
      if (path.equals("/apisix/prometheus/metrics")) {
        write(ctx, x, new AdminResponse(200, Map.of("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
            operators.prometheus().getBytes(StandardCharsets.UTF_8)));
        return;
      }
      if (path.equals("/dynconf/status")) {
        write(ctx, x, json(200, operators.statusJson()));
        return;
      }
      ByteArrayOutputStream body = x.body;
      AdminRequest request = AdminRequest.of(head.method().name(), head.uri(), headers(head), body == null ? new byte[0] : body.toByteArray());
      x.body = null;
      try {
        executor.execute(() -> {
          AdminResponse response;
          try {
            String notUtf8 = notUtf8(request.body());
            response = notUtf8 != null ? json(400, "{\"error_msg\":\"invalid request body: " + notUtf8 + "\"}")
                : api.handle(request, x.arrivedNanos); // the time queued counts against the deadline
          } catch (RuntimeException e) {
            LOG.error("dynconf admin: {} failed", request, e);
            response = json(500, "{\"error_msg\":\"internal error: " + quote(String.valueOf(e)) + "\"}");
          }
          AdminResponse answer = response;
          String revision = answer.header(AdminApi.REVISION_HEADER);
          if (revision != null) {
            // answered once served, or after the wait's bound (the write stands either way); told, not polled
            registry.whenServed(Long.parseLong(revision)).orTimeout(SERVED_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((served, late) -> write(ctx, x, answer), ctx.executor());
          } else {
            ctx.executor().execute(() -> write(ctx, x, answer));
          }
        });
      } catch (RejectedExecutionException e) {
        boolean stopping = executor.isShutdown();
        x.close = stopping;
        AdminResponse busy = stopping ? json(503, "{\"error_msg\":\"the gateway is shutting down\"}")
            : new AdminResponse(503, Map.of("Content-Type", "application/json", "Retry-After", "1"),
                ("{\"error_msg\":\"the admin API is busy: " + QUEUE + " requests are waiting; retry\"}").getBytes(StandardCharsets.UTF_8));
        write(ctx, x, busy);
      }
    }

    /** Writes the answer of the oldest request (on the event loop), then starts the next one. */
    private void write(ChannelHandlerContext ctx, Exchange x, AdminResponse response) {
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
          Unpooled.wrappedBuffer(response.body()));
      response.headers().forEach((k, v) -> r.headers().set(k, v));
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
      r.headers().set(HttpHeaderNames.SERVER, "dynconf-gateway");
      boolean keepAlive = x.keepAlive && !x.close;
      HttpUtil.setKeepAlive(r, keepAlive);
      queue.poll();
      running = false;
      progressNanos = System.nanoTime();
      if (!keepAlive) {
        closing = true;
        queue.clear();
        // the client may still be sending (a body refused from the head): close lingering, so the
        // reset a close with unread input causes cannot destroy the answer before the client reads it
        LingeringClose.after(ctx.writeAndFlush(r));
        return;
      }
      ctx.writeAndFlush(r);
      next(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent e && e.state() == IdleState.ALL_IDLE && !running) {
        ctx.close(); // silent for IDLE_SECONDS with nothing running: a slow or abandoned client
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (progressCheck != null) {
        progressCheck.cancel(false);
      }
      queue.clear();
      reading = null;
      closing = true;
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("dynconf admin: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private static Map<String, String> headers(HttpRequest head) {
    Map<String, String> headers = new LinkedHashMap<>();
    head.headers().forEach(h -> headers.putIfAbsent(h.getKey(), h.getValue()));
    return headers;
  }

  private static String quote(String s) {
    return s.replace("\\", "\\\\").replace("\"", "'");
  }
}
