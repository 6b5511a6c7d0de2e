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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
  /** Streams open or being opened on a connection (what its server's stream limit is compared with). */
  private static final AttributeKey<Integer> RESERVED = AttributeKey.valueOf("dynconf.h2.reserved");
  /** The promise a new connection completes when the server's first SETTINGS arrive. */
  private static final AttributeKey<Promise<Channel>> READY = AttributeKey.valueOf("dynconf.h2.ready");
  /** Connections to one node from one event loop at most (each carries the server's stream limit). */
  static final int MAX_CONNECTIONS_PER_NODE = 16;

  private final Bootstrap plain;
  private final Bootstrap tls;
  private final Map<EventLoop, Map<String, List<Future<Channel>>>> connections = new ConcurrentHashMap<>();

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
    return new Bootstrap().resolver(LookupOffTheLoop.SHARED) // the channel class is the loop's transport's, per connect
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
            ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof io.netty.handler.codec.http2.Http2SettingsFrame) {
                  Promise<Channel> ready = ctx.channel().attr(READY).getAndSet(null);
                  if (ready != null) {
                    ready.trySuccess(ctx.channel()); // the stream limit is known from here on
                  }
                }
                io.netty.util.ReferenceCountUtil.release(msg);
              }
            });
          }
        });
  }

  /**
   * A new stream to {@code host:port} on one of {@code loop}'s connections to it that has room
   * for one more (the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS}, counting streams being
   * opened) and no GOAWAY; a new connection when none has, up to {@link #MAX_CONNECTIONS_PER_NODE}
   * per node and loop, beyond which the attempt fails (the exchange answers 502 or retries).
   */
  void acquire(EventLoop loop, boolean secure, String host, int port, int connectTimeoutMillis, UpstreamPool.Acquired done) {
    String key = (secure ? "grpcs://" : "grpc://") + host + ":" + port;
    List<Future<Channel>> mine = connections(loop).computeIfAbsent(key, k -> new ArrayList<>(2));
    mine.removeIf(f -> f.isDone() && (!f.isSuccess() || !f.getNow().isActive()));
    for (Future<Channel> f : mine) {
      if (f.isDone() && usable(f.getNow()) && reserve(f.getNow())) {
        stream(f.getNow(), true, done);
        return;
      }
    }
    if (mine.size() >= MAX_CONNECTIONS_PER_NODE) {
      done.acquired(null, true, new java.io.IOException(key + ": all " + MAX_CONNECTIONS_PER_NODE
          + " connections of this event loop are at the server's concurrent stream limit"));
      return;
    }
    Promise<Channel> ready = loop.newPromise(); // done once the server's SETTINGS arrived: its stream limit is known
    mine.add(ready);
    String connectHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    ChannelFuture f = (secure ? tls : plain).clone().group(loop).channel(Transport.socketChannelFor(loop))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .attr(READY, ready)
        .connect(connectHost, port);
    io.netty.util.concurrent.ScheduledFuture<?> deadline = loop.schedule(() -> {
      if (ready.tryFailure(new java.io.IOException(key + ": no HTTP/2 SETTINGS within " + connectTimeoutMillis + " ms"))) {
        f.channel().close();
      }
    }, connectTimeoutMillis, TimeUnit.MILLISECONDS);
    f.addListener(x -> {
      if (!f.isSuccess()) {
        ready.tryFailure(f.cause());
        return;
      }
      f.channel().closeFuture().addListener(c -> ready.tryFailure(new java.io.IOException(key + ": closed before its SETTINGS")));
    });
    ready.addListener(x -> {
      deadline.cancel(false);
      if (!ready.isSuccess()) {
        mine.remove(ready);
        done.acquired(null, false, ready.cause());
        return;
      }
      Channel ch = ready.getNow();
      ch.closeFuture().addListener(c -> mine.remove(ready));
      if (reserve(ch)) {
        stream(ch, false, done);
      } else {
        acquire(loop, secure, host, port, connectTimeoutMillis, done); // a server allowing 0 streams: the limit ends it
      }
    });
  }

  /** Takes one of {@code ch}'s stream slots (the server's limit, less streams open or being opened); false when full. */
  private static boolean reserve(Channel ch) {
    Http2FrameCodec codec = ch.pipeline().get(Http2FrameCodec.class);
    if (codec == null) {
      return false;
    }
    Integer taken = ch.attr(RESERVED).get();
    int n = taken == null ? 0 : taken;
    if (n >= codec.connection().local().maxActiveStreams()) {
      return false;
    }
    ch.attr(RESERVED).set(n + 1);
    return true;
  }

  private static void release(Channel ch) {
    Integer taken = ch.attr(RESERVED).get();
    ch.attr(RESERVED).set(taken == null || taken <= 1 ? 0 : taken - 1);
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

  private static void stream(Channel parent, boolean reused, UpstreamPool.Acquired done) {
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
          release(parent);
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
        release(parent);
        done.acquired(null, reused, f.cause());
      }
    });
  }

  private Map<String, List<Future<Channel>>> connections(EventLoop loop) {
    return connections.computeIfAbsent(loop, l -> new HashMap<>());
  }

  /** Closes {@code loop}'s connections idle (no streams) for longer than {@code idleNanos}. */
  void sweep(EventLoop loop, long idleNanos) {
    Map<String, List<Future<Channel>>> mine = connections.get(loop);
    if (mine == null) {
      return;
    }
    long now = System.nanoTime();
    for (List<Future<Channel>> list : mine.values()) {
      for (Iterator<Future<Channel>> it = list.iterator(); it.hasNext(); ) {
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
    mine.values().removeIf(List::isEmpty);
  }

  /** Pooled connections whose server sent GOAWAY (they take no new streams; closed once drained). */
  int goneAwayCount() {
    return UpstreamPool.countOnEachLoop(connections, m -> {
      int n = 0;
      for (List<Future<Channel>> list : m.values()) {
        for (Future<Channel> f : list) {
          if (f.isDone() && f.isSuccess() && f.getNow().isActive() && !usable(f.getNow())) {
            n++;
          }
        }
      }
      return n;
    });
  }

  /** Open connections across all loops (for tests and status). */
  int connectionCount() {
    return UpstreamPool.countOnEachLoop(connections, m -> {
      int n = 0;
      for (List<Future<Channel>> list : m.values()) {
        n += list.size();
      }
      return n;
    });
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
