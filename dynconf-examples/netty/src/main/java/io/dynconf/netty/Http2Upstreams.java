package io.dynconf.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/2 connections to gRPC upstream nodes ({@code scheme: grpc}, h2c with prior knowledge, and
 * {@code grpcs}, TLS with ALPN {@code h2}): one connection per node and event loop, shared by all
 * the streams of that loop's exchanges (multiplexed). Each exchange gets its own stream channel,
 * which looks to it exactly like an HTTP/1.1 upstream connection (requests and responses as
 * {@code HttpObject}s, trailers in the last content), so the attempt loop, retries, timeouts and
 * back-pressure are the same code; the stream's flow-control window is its back-pressure.
 *
 * <p>As APISIX's default ({@code tls.verify: false}), a {@code grpcs} node's certificate is not
 * verified. A connection without streams for the pool's idle timeout is closed.
 */
final class Http2Upstreams {
  private static final AttributeKey<Long> IDLE_SINCE = AttributeKey.valueOf("dynconf.h2.idleSince");

  private final Bootstrap plain;
  private final Bootstrap tls;
  private final Map<EventLoop, Map<String, Future<Channel>>> connections = new ConcurrentHashMap<>();

  Http2Upstreams() {
    SslContext client;
    try {
      client = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the TLS client context for grpcs upstreams", e);
    }
    this.plain = bootstrap(null);
    this.tls = bootstrap(client);
  }

  private static Bootstrap bootstrap(@Nullable SslContext ssl) {
    return new Bootstrap()
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (ssl != null) {
              java.net.InetSocketAddress remote = ch.remoteAddress();
              ch.pipeline().addLast(remote == null ? ssl.newHandler(ch.alloc())
                  : ssl.newHandler(ch.alloc(), remote.getHostString(), remote.getPort()));
            }
            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                .validateHeaders(true).build());
            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel pushed) {
                pushed.close(); // push is off: a stream the server opens is refused
              }
            }));
          }
        });
  }

  /** A new stream to {@code host:port} on {@code loop}'s connection to it (opened when there is none). */
  void acquire(EventLoop loop, boolean secure, String host, int port, int connectTimeoutMillis, UpstreamPool.Acquired done) {
    String key = (secure ? "grpcs://" : "grpc://") + host + ":" + port;
    Map<String, Future<Channel>> mine = connections(loop);
    Future<Channel> existing = mine.get(key);
    if (existing != null && (!existing.isDone() || (existing.isSuccess() && usable(existing.getNow())))) {
      boolean reused = existing.isDone();
      existing.addListener(f -> stream(existing, reused, done));
      return;
    }
    Promise<Channel> ready = loop.newPromise();
    mine.put(key, ready);
    String connectHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    ChannelFuture f = (secure ? tls : plain).clone().group(loop)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .connect(connectHost, port);
    f.addListener(x -> {
      if (!f.isSuccess()) {
        mine.remove(key, ready);
        ready.setFailure(f.cause());
        return;
      }
      Channel ch = f.channel();
      ch.closeFuture().addListener(c -> mine.remove(key, ready));
      ready.setSuccess(ch);
    });
    ready.addListener(x -> stream(ready, false, done));
  }

  /**
   * Whether new streams may go on {@code ch}: open, and no GOAWAY from the server (a server
   * rotating its connections, as grpc-java's max connection age, sends GOAWAY and keeps the
   * connection while its old streams finish; a stream opened there fails).
   */
  private static boolean usable(Channel ch) {
    if (!ch.isActive()) {
      return false;
    }
    Http2FrameCodec codec = ch.pipeline().get(Http2FrameCodec.class);
    return codec != null && !codec.connection().goAwayReceived();
  }

  private static void stream(Future<Channel> connection, boolean reused, UpstreamPool.Acquired done) {
    if (!connection.isSuccess()) {
      done.acquired(null, false, connection.cause());
      return;
    }
    Channel parent = connection.getNow();
    parent.attr(IDLE_SINCE).set(null);
    new Http2StreamChannelBootstrap(parent).handler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new GrpcView(), new BackendHandler());
      }
    }).open().addListener(f -> {
      if (f.isSuccess()) {
        Http2StreamChannel s = (Http2StreamChannel) f.getNow();
        s.closeFuture().addListener(c -> {
          Http2FrameCodec codec = parent.pipeline().get(Http2FrameCodec.class);
          if (codec != null && codec.connection().numActiveStreams() == 0) {
            if (codec.connection().goAwayReceived()) {
              parent.close(); // drained: no longer in the map, so no sweep would close it
            } else {
              parent.attr(IDLE_SINCE).set(System.nanoTime());
            }
          }
        });
        done.acquired(s, reused, null);
      } else {
        done.acquired(null, reused, f.cause());
      }
    });
  }

  private Map<String, Future<Channel>> connections(EventLoop loop) {
    return connections.computeIfAbsent(loop, l -> new HashMap<>());
  }

  /** Closes {@code loop}'s connections idle (no streams) for longer than {@code idleNanos}. */
  void sweep(EventLoop loop, long idleNanos) {
    Map<String, Future<Channel>> mine = connections.get(loop);
    if (mine == null) {
      return;
    }
    long now = System.nanoTime();
    for (Iterator<Future<Channel>> it = mine.values().iterator(); it.hasNext(); ) {
      Future<Channel> f = it.next();
      if (!f.isDone() || !f.isSuccess()) {
        continue;
      }
      Channel ch = f.getNow();
      Long since = ch.attr(IDLE_SINCE).get();
      if (since != null && now - since > idleNanos) {
        it.remove();
        ch.close();
      }
    }
  }

  /** Open connections across all loops (for tests and status). */
  /** Pooled connections whose server sent GOAWAY (they take no new streams; replaced at the next call). */
  int goneAwayCount() {
    int n = 0;
    for (Map<String, Future<Channel>> m : connections.values()) {
      for (Future<Channel> f : m.values()) {
        if (f.isDone() && f.isSuccess() && f.getNow().isActive() && !usable(f.getNow())) {
          n++;
        }
      }
    }
    return n;
  }

  int connectionCount() {
    int n = 0;
    for (Map<String, Future<Channel>> m : connections.values()) {
      n += m.size();
    }
    return n;
  }

  /**
   * The gRPC side of a stream channel: requests carry {@code te: trailers} (gRPC servers require
   * it; the proxy strips the client's as hop-by-hop), and a trailers-only response (Netty's
   * conversion gives a {@code FullHttpResponse}) becomes a head and a last content, as an HTTP/1.1
   * codec would deliver it.
   */
  private static final class GrpcView extends ChannelDuplexHandler {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpRequest request) {
        request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
      }
      ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpResponse full) {
        DefaultHttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
        HttpUtil.setContentLength(head, full.content().readableBytes());
        ctx.fireChannelRead(head);
        ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }
}
