package io.dynconf.examples.gateway.internal;

import io.dynconf.core.admin.AdminApi;
import io.dynconf.core.admin.AdminResponse;
import io.dynconf.examples.gateway.ListenAddress;
import io.dynconf.netty.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The status listener ({@code --status-listen}): {@link HealthEndpoint} on a port of its own, so a
 * prober (a load balancer, Kubernetes) can reach it without reaching the admin API (as APISIX
 * serves its status API on its own port). Nothing else is served: other paths are 404. Its one
 * event loop thread never blocks (health() reads volatile state).
 */
public final class StatusServer implements AutoCloseable {
  /** Connections the status listener holds at once. */
  static final int MAX_CONNECTIONS = 32;
  /** A connection silent this long is closed. */
  static final int IDLE_SECONDS = 10;
  private final ListenerCap cap = new ListenerCap("status", MAX_CONNECTIONS);
  private final Channel channel;
  private final EventLoopGroup io;
  private final HealthEndpoint health;

  public StatusServer(EventLoopGroup boss, ListenAddress listen, HealthEndpoint health)
      throws InterruptedException, java.net.BindException {
    this.health = health;
    this.io = new MultiThreadIoEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory("dynconf-status", true),
        Transport.of(boss.next()).ioHandlerFactory());
    try {
      this.channel = Transport.bind(new ServerBootstrap().group(boss, io).channel(Transport.of(boss.next()).serverChannel())
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (!cap.admit(ch)) {
                return;
              }
              // a prober asks and goes: a connection silent for IDLE_SECONDS (a half-sent request
              // included) is closed, so no client can hold one open for good
              ch.pipeline().addLast(new io.netty.handler.timeout.ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                  new HttpServerCodec(4096, 8192, 8192), new HttpServerKeepAliveHandler(),
                  new HttpObjectAggregator(4096), new Handler());
            }
          }), "status listener", listen.host(), listen.port());
    } catch (InterruptedException | java.net.BindException | RuntimeException e) {
      io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Whether {@code uri} is the health path; false for a malformed %-escape too (answered 404, never thrown). */
  private static boolean healthPath(String uri) {
    try {
      return new QueryStringDecoder(uri).path().equals(HealthEndpoint.PATH);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
      AdminResponse r;
      if (req.decoderResult().isFailure()) {
        r = new AdminResponse(400, Map.of("Content-Type", "application/json"), bytes("{\"error_msg\":\"malformed HTTP request\"}"));
      } else if (!healthPath(req.uri())) {
        r = new AdminResponse(404, Map.of("Content-Type", "application/json"), bytes("{\"error_msg\":\"not found\"}"));
      } else {
        r = health.answer(req.method().name(), req.headers().get(AdminApi.API_KEY_HEADER));
      }
      FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
          Unpooled.wrappedBuffer(r.body()));
      r.headers().forEach((k, v) -> out.headers().set(k, v));
      out.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
      HttpUtil.setKeepAlive(out, keepAlive);
      if (keepAlive) {
        ctx.writeAndFlush(out);
        if (!ctx.channel().isWritable()) {
          // a client that pipelines requests and reads no answer: no more requests are read until
          // it does (the answers would pile up in memory); silent reads close it after IDLE_SECONDS
          ctx.channel().config().setAutoRead(false);
        }
      } else {
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a broken connection: nothing to answer
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
