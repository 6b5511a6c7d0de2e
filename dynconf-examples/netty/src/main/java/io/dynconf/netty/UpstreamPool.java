package io.dynconf.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Keep-alive connections to upstream nodes, one pool per event loop so that a front connection
 * and its upstream connections share a thread and the pool needs no locks. Idle connections are
 * closed after {@code idleTimeout} and when the upstream closes them; at most {@code maxIdle} are
 * kept per node and loop.
 */
public final class UpstreamPool {

  private final Bootstrap bootstrap;
  private final int maxIdle;
  private final long idleTimeoutNanos;
  private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> pools = new ConcurrentHashMap<>();
  private final Http2Upstreams http2 = new Http2Upstreams();

  public UpstreamPool(int maxIdle, long idleTimeoutMillis) {
    this(maxIdle, idleTimeoutMillis, LookupOffTheLoop.SHARED);
  }

  UpstreamPool(int maxIdle, long idleTimeoutMillis, LookupOffTheLoop names) {
    this.maxIdle = maxIdle;
    this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
    this.bootstrap = new Bootstrap().resolver(names) // the channel class is the loop's transport's, per connect
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("http", new HttpClientCodec(4096, 16384, 16384));
            ch.pipeline().addLast("backend", new BackendHandler());
          }
        });
  }

  /**
   * A connection for an upstream of {@code scheme}: {@code http} as {@link #acquire(EventLoop,
   * String, int, int, Acquired)}; {@code grpc} and {@code grpcs} a new HTTP/2 stream on the loop's
   * one connection to the node (h2c, or TLS with ALPN {@code h2}), which the exchange uses as it
   * would an HTTP/1.1 connection.
   */
  public void acquire(EventLoop loop, String scheme, String host, int port, int connectTimeoutMillis, Acquired done) {
    acquire(loop, scheme, host, port, host + ":" + port, connectTimeoutMillis, done);
  }

  /**
   * As {@link #acquire(EventLoop, String, String, int, int, Acquired)}, with the node's key
   * {@code host:port} made by the caller (a node keeps it: no string built per request).
   */
  public void acquire(EventLoop loop, String scheme, String host, int port, String key, int connectTimeoutMillis, Acquired done) {
    switch (scheme) {
      case "grpc", "grpcs" -> {
        pools(loop); // starts the loop's sweep, which also closes idle HTTP/2 connections
        http2.acquire(loop, scheme.equals("grpcs"), host, port, connectTimeoutMillis, done);
      }
      default -> acquire(loop, host, port, key, connectTimeoutMillis, done);
    }
  }

  /**
   * An idle connection to {@code host:port} on {@code loop}, or a new one. Calls {@code done} on
   * the loop with the channel (null on failure), whether it was reused, and the failure.
   */
  public void acquire(EventLoop loop, String host, int port, int connectTimeoutMillis,
      Acquired done) {
    acquire(loop, host, port, host + ":" + port, connectTimeoutMillis, done);
  }

  private void acquire(EventLoop loop, String host, int port, String key, int connectTimeoutMillis, Acquired done) {
    ArrayDeque<Channel> idle = pools(loop).get(key);
    if (idle != null) {
      Channel ch;
      while ((ch = idle.pollFirst()) != null) {
        if (ch.isActive()) {
          done.acquired(ch, true, null);
          return;
        }
      }
    }
    String connectHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    ChannelFuture f = bootstrap.clone().group(loop).channel(Transport.socketChannelFor(loop))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .connect(connectHost, port);
    LookupOffTheLoop.within(f, connectHost, key, connectTimeoutMillis, (ch, failure) -> {
      if (ch != null) {
        backend(ch).node = key;
        // once per connection (not per release): leave the idle list when the upstream closes it
        ch.closeFuture().addListener(c -> {
          ArrayDeque<Channel> list = pools(loop).get(key);
          if (list != null) {
            list.remove(ch);
          }
        });
        done.acquired(ch, false, null);
      } else {
        done.acquired(null, false, failure);
      }
    });
  }

  /** Returns a connection after a complete exchange; closes it when the pool is full. */
  public void release(Channel ch) {
    if (ch instanceof io.netty.handler.codec.http2.Http2StreamChannel) {
      ch.close(); // a stream serves one exchange; its connection stays for the next streams
      return;
    }
    if (!ch.isActive()) {
      return;
    }
    BackendHandler backend = backend(ch);
    String key = backend.node;
    Map<String, ArrayDeque<Channel>> loopPools = pools((EventLoop) ch.eventLoop());
    ArrayDeque<Channel> idle = loopPools.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (idle.size() >= maxIdle) {
      ch.close();
      return;
    }
    backend.idleSince = System.nanoTime();
    ch.config().setAutoRead(true); // notice a close by the upstream while idle
    idle.addFirst(ch);
  }

  /** The connection's own state (its node, since when it is idle): fields, not channel attributes, read on every exchange. */
  private static BackendHandler backend(Channel ch) {
    return (BackendHandler) ch.pipeline().get("backend");
  }

  private Map<String, ArrayDeque<Channel>> pools(EventLoop loop) {
    Map<String, ArrayDeque<Channel>> m = pools.get(loop);
    if (m == null) {
      Map<String, ArrayDeque<Channel>> created = new HashMap<>();
      m = pools.computeIfAbsent(loop, l -> created);
      if (m == created) {
        long period = Math.max(1, TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) / 4);
        Map<String, ArrayDeque<Channel>> loopPools = m;
        loop.scheduleAtFixedRate(() -> {
          sweep(loopPools);
          http2.sweep(loop, idleTimeoutNanos);
        }, period, period, TimeUnit.MILLISECONDS);
      }
    }
    return m;
  }

  private void sweep(Map<String, ArrayDeque<Channel>> loopPools) {
    long now = System.nanoTime();
    for (ArrayDeque<Channel> idle : loopPools.values()) {
      for (Iterator<Channel> it = idle.iterator(); it.hasNext(); ) {
        Channel ch = it.next();
        if (now - backend(ch).idleSince > idleTimeoutNanos) {
          it.remove();
          ch.close();
        }
      }
    }
  }

  /** Idle connections across all loops (for tests and status). */
  public int idleCount() {
    return countOnEachLoop(pools, m -> {
      int n = 0;
      for (ArrayDeque<Channel> d : m.values()) {
        n += d.size();
      }
      return n;
    });
  }

  /**
   * Sums {@code count} over per-loop state, each loop's counted on that loop: the state is
   * confined to its loop (plain maps and lists), so another thread reading it could see it
   * half-changed or fail on a concurrent modification.
   */
  static <M> int countOnEachLoop(Map<EventLoop, M> perLoop, java.util.function.ToIntFunction<M> count) {
    int n = 0;
    for (Map.Entry<EventLoop, M> e : perLoop.entrySet()) {
      EventLoop loop = e.getKey();
      if (loop.inEventLoop()) {
        n += count.applyAsInt(e.getValue());
        continue;
      }
      if (loop.isShuttingDown()) {
        continue;
      }
      try {
        n += loop.submit(() -> count.applyAsInt(e.getValue())).get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while counting connections", ex);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
        throw new IllegalStateException("event loop " + loop + " did not count its connections", ex);
      }
    }
    return n;
  }

  /** Open HTTP/2 connections to gRPC nodes across all loops (for tests and status). */
  public int http2Connections() {
    return http2.connectionCount();
  }

  /** HTTP/2 connections to gRPC nodes whose server sent GOAWAY and that no new stream will use. */
  public int http2GoneAway() {
    return http2.goneAwayCount();
  }

  /** Callback of {@link #acquire}. */
  @FunctionalInterface
  public interface Acquired {
    void acquired(@Nullable Channel channel, boolean reused, @Nullable Throwable failure);
  }
}
