package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.admin.AdminApi;
import io.dynconf.core.admin.AdminRequest;
import io.dynconf.core.admin.AdminResponse;
import io.dynconf.core.admin.AdminRole;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.examples.gateway.ListenAddress;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The admin listener: dynconf-core's transport-agnostic {@link AdminApi} over HTTP/1.1. Bodies
 * over {@link AdminApi#MAX_BODY_BYTES} answer 413 (the aggregator's answer); the API runs on its
 * own threads, never on the event loop, since it waits for the source. Its connections have an event
 * loop of their own, so admin traffic (a route change every 10 ms under churn) never delays the
 * proxied requests of the data plane's event loops. A successful write is answered once this node
 * serves it ({@link AppliedRevision}, at most {@value #SERVED_WAIT_MILLIS} ms later), so a client's
 * next request to this node already sees the change.
 */
public final class AdminServer implements AutoCloseable {
  private final Channel channel;
  private final AdminApi api;
  private final ExecutorService executor;
  private final EventLoopGroup io;

  /** The longest a write's answer waits for this node to serve it (the write stands either way). */
  static final long SERVED_WAIT_MILLIS = 1000;

  private final Operators operators;
  private final byte[][] keyDigests;
  private final AppliedRevision applied;
  private final HealthEndpoint health;

  public AdminServer(EventLoopGroup boss, ListenAddress listen, ConfigSource source,
      ConfigRegistry registry, Operators operators, String adminKey, @Nullable String viewerKey) throws InterruptedException {
    this.operators = operators;
    this.health = new HealthEndpoint(registry, adminKey, viewerKey);
    this.keyDigests = viewerKey == null ? new byte[][] {sha256(adminKey)} : new byte[][] {sha256(adminKey), sha256(viewerKey)};
    AdminApi.Builder b = AdminApi.builder(source).types(registry.types()).apiKey(adminKey, AdminRole.ADMIN);
    if (viewerKey != null) {
      b.apiKey(viewerKey, AdminRole.VIEWER);
    }
    this.api = b.build();
    this.applied = new AppliedRevision(registry); // the registry's last listener: created after all others
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "dynconf-admin");
      t.setDaemon(true);
      return t;
    });
    this.io = new MultiThreadIoEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory("dynconf-admin-io", true),
        NioIoHandler.newFactory());
    ServerBootstrap bootstrap = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpServerExpectContinueHandler(), new HttpObjectAggregator(AdminApi.MAX_BODY_BYTES), new Handler());
          }
        });
    try {
      this.channel = bootstrap.bind(listen.host(), listen.port()).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      executor.shutdownNow();
      io.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      throw e;
    }
  }

  private static byte[] sha256(String s) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
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
    io.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (req.decoderResult().isFailure()) {
        write(ctx, new AdminResponse(400, Map.of("Content-Type", "application/json"),
            "{\"error_msg\":\"malformed HTTP request\"}".getBytes(StandardCharsets.UTF_8)), false);
        return;
      }
      String path = new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).path();
      if (path.equals(HealthEndpoint.PATH)) { // without a key: the status only (probes); with one: the details
        write(ctx, health.answer(req.method().name(), req.headers().get(AdminApi.API_KEY_HEADER)), keepAlive);
        return;
      }
      if (path.equals("/apisix/prometheus/metrics") || path.equals("/dynconf/status")) {
        if (!req.method().name().equals("GET")) {
          write(ctx, json(405, "{\"error_msg\":\"method not allowed\"}"), keepAlive);
        } else if (path.equals("/apisix/prometheus/metrics")) {
          write(ctx, new AdminResponse(200, Map.of("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
              operators.prometheus().getBytes(StandardCharsets.UTF_8)), keepAlive);
        } else if (!knownKey(req.headers().get(AdminApi.API_KEY_HEADER))) {
          write(ctx, json(401, "{\"error_msg\":\"missing or invalid X-API-KEY\"}"), keepAlive);
        } else {
          write(ctx, json(200, operators.statusJson()), keepAlive);
        }
        return;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      req.headers().forEach(h -> headers.putIfAbsent(h.getKey(), h.getValue()));
      AdminRequest request = AdminRequest.of(req.method().name(), req.uri(), headers, ByteBufUtil.getBytes(req.content()));
      try {
        executor.execute(() -> {
          AdminResponse response;
          try {
            response = api.handle(request);
          } catch (RuntimeException e) {
            response = json(500, "{\"error_msg\":\"internal error: " + String.valueOf(e).replace("\"", "'") + "\"}");
          }
          AdminResponse answer = response;
          String revision = answer.header(AdminApi.REVISION_HEADER);
          if (revision != null) {
            applied.whenServed(Long.parseLong(revision), ctx.executor(), SERVED_WAIT_MILLIS, () -> write(ctx, answer, keepAlive));
          } else {
            ctx.executor().execute(() -> write(ctx, answer, keepAlive));
          }
        });
      } catch (RejectedExecutionException e) {
        write(ctx, new AdminResponse(503, Map.of("Content-Type", "application/json"),
            "{\"error_msg\":\"the gateway is shutting down\"}".getBytes(StandardCharsets.UTF_8)), false);
      }
    }

    private AdminResponse json(int status, String body) {
      return new AdminResponse(status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
    }

    private boolean knownKey(@Nullable String key) {
      if (key == null) {
        return false;
      }
      byte[] d = sha256(key);
      boolean ok = false;
      for (byte[] k : keyDigests) {
        ok |= java.security.MessageDigest.isEqual(k, d);
      }
      return ok;
    }

    private void write(ChannelHandlerContext ctx, AdminResponse response, boolean keepAlive) {
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
          Unpooled.wrappedBuffer(response.body()));
      response.headers().forEach((k, v) -> r.headers().set(k, v));
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
      r.headers().set(HttpHeaderNames.SERVER, "dynconf-gateway");
      HttpUtil.setKeepAlive(r, keepAlive);
      if (keepAlive) {
        ctx.writeAndFlush(r);
      } else {
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
