package io.dynconf.netty.stream;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.netty.Transport;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.Outcome;
import io.dynconf.radix.balance.Picker;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APISIX's stream proxy for one TCP listener: each accepted connection is matched against the
 * served {@code stream_routes} ({@link StreamRoutes}), a node of the route's upstream is picked
 * with the same balancers, health and retries as HTTP routes, and bytes are relayed both ways
 * with back-pressure (a peer that does not read pauses reads from the other side), so memory per
 * connection stays bounded. A connection that matches no route, or whose nodes all fail, is
 * closed. On a listener with {@code sni} routing the TLS ClientHello is read (not terminated:
 * the bytes go to the upstream untouched) to learn the server name first.
 *
 * <p>Bounds: the upstream's {@code timeout.connect} (default 6 s) per connect attempt; a
 * connection with no bytes either way for {@code idle} is closed (nginx's {@code proxy_timeout},
 * default 10 min).
 */
public final class StreamProxy {
  private static final Logger LOG = LoggerFactory.getLogger(StreamProxy.class);
  private static final long DEFAULT_CONNECT_MS = 6_000;

  private final ConfigRegistry registry;
  private final Balancers balancers;
  private final Duration idle;
  private final boolean sni;

  /**
   * @param sni read the TLS ClientHello's server name before routing (a listener for TLS clients)
   */
  public StreamProxy(ConfigRegistry registry, Balancers balancers, Duration idle, boolean sni) {
    this.registry = registry;
    this.balancers = balancers;
    this.idle = idle;
    this.sni = sni;
  }

  /** Adds this proxy's handlers to an accepted connection's pipeline. */
  public void configure(ChannelPipeline p) {
    p.addLast(new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
    if (sni) {
      p.addLast(new ServerName());
    }
    p.addLast(new Front());
  }

  /** Reads the ClientHello's server name (without terminating TLS) and hands it to {@link Front}. */
  private static final class ServerName extends AbstractSniHandler<String> {
    ServerName() {
      super(16 * 1024, 10_000); // a ClientHello of at most 16 KiB, within 10 s
    }

    @Override
    protected Future<String> lookup(ChannelHandlerContext ctx, @Nullable String hostname) {
      return ctx.executor().newSucceededFuture(hostname == null ? "" : hostname);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, @Nullable String hostname, Future<String> future) {
      Front front = ctx.pipeline().get(Front.class);
      ctx.pipeline().remove(this); // the buffered ClientHello goes on, untouched
      if (front != null) {
        front.route(hostname);
      }
    }
  }

  /** The client side of one connection: routing, connect attempts, relay towards the upstream. */
  private final class Front extends ChannelInboundHandlerAdapter {
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable Channel backend;
    private final List<ByteBuf> early = new ArrayList<>(2); // bytes that came before the upstream connected
    private @Nullable Picker picker;
    private @Nullable Node node;
    private long started;
    private final List<Node> tried = new ArrayList<>();
    private int attempts;
    private long firstStart;
    private boolean routed;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      if (sni) {
        ctx.channel().config().setAutoRead(true); // the ClientHello must arrive to be read
      } else {
        ctx.channel().config().setAutoRead(false);
        route(null);
      }
      ctx.fireChannelActive();
    }

    void route(@Nullable String serverName) {
      ChannelHandlerContext c = ctx;
      if (c == null || routed) {
        return;
      }
      routed = true;
      c.channel().config().setAutoRead(false);
      InetSocketAddress local = (InetSocketAddress) c.channel().localAddress();
      InetSocketAddress remote = (InetSocketAddress) c.channel().remoteAddress();
      StreamRoutes.Match m = StreamRoutes.match(registry.snapshot(), local.getAddress().getHostAddress(), local.getPort(),
          remote.getAddress().getHostAddress(), serverName == null || serverName.isEmpty() ? null : serverName);
      if (m == null) {
        LOG.debug("stream connection from {} to {} (sni {}): no stream route", remote, local, serverName);
        c.close();
        return;
      }
      Upstream u = m.upstream();
      try {
        picker = balancers.picker(m.upstreamKey(), m.upstreamRevision(), u);
      } catch (RuntimeException e) {
        LOG.info("stream route {}: {}", m.route().id(), e.getMessage());
        c.close();
        return;
      }
      attempt(remote.getAddress().getHostAddress(), connectMillis(u));
    }

    private long connectMillis(Upstream u) {
      Upstream.Timeout t = u.timeout();
      return t == null ? DEFAULT_CONNECT_MS : Math.max(1, (long) (t.connect() * 1000));
    }

    private void attempt(String client, long connectMs) {
      ChannelHandlerContext c = ctx;
      Picker p = picker;
      if (c == null || p == null || !c.channel().isActive()) {
        return;
      }
      Node n = p.pick(BalancerRequest.ofClient(client), tried);
      if (n == null) {
        LOG.info("stream connection from {}: no upstream node available", client);
        c.close();
        return;
      }
      node = n;
      tried.add(n);
      attempts++;
      started = p.start(n);
      if (attempts == 1) {
        firstStart = started;
      }
      String host = n.host().startsWith("[") ? n.host().substring(1, n.host().length() - 1) : n.host();
      ChannelFuture f = new Bootstrap().resolver(io.dynconf.netty.LookupOffTheLoop.SHARED)
          .group(c.channel().eventLoop()).channel(Transport.socketChannelFor(c.channel().eventLoop()))
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMs))
          .option(ChannelOption.AUTO_READ, false)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS), new Back(c.channel()));
            }
          })
          .connect(host, n.port());
      io.dynconf.netty.LookupOffTheLoop.within(f, host, n.address(), connectMs, (b, failure) -> {
        if (!c.channel().isActive()) {
          p.finish(n, started, Outcome.CANCELLED, 0);
          if (b != null) {
            b.close();
          }
          return;
        }
        if (b == null) {
          p.finish(n, started, failure instanceof io.netty.channel.ConnectTimeoutException ? Outcome.TIMEOUT : Outcome.FAILURE, 0);
          if (p.mayRetry(attempts, firstStart)) {
            LOG.debug("stream: connect to {} failed ({}); trying another node", n.address(), String.valueOf(failure));
            attempt(client, connectMs);
          } else {
            LOG.info("stream connection from {}: connect to {} failed: {}", client, n.address(), String.valueOf(failure));
            c.close();
          }
          return;
        }
        p.finish(n, started, Outcome.RESPONSE, 0); // connected: the node is reachable (a non-HTTP verdict)
        backend = b;
        for (ByteBuf early : this.early) {
          b.write(early);
        }
        this.early.clear();
        b.flush();
        b.closeFuture().addListener(y -> closeOnFlush(c.channel()));
        b.read();
        c.channel().config().setAutoRead(true);
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Channel b = backend;
      if (b == null) {
        if (msg instanceof ByteBuf buf && early.size() < 16) {
          early.add(buf); // the ClientHello, or what a client sends before the upstream answered the connect
        } else {
          ReferenceCountUtil.release(msg);
          ctx.close();
        }
        return;
      }
      b.writeAndFlush(msg);
      if (!b.isWritable()) {
        ctx.channel().config().setAutoRead(false); // resumed when the upstream drains
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Channel b = backend;
      if (b != null) {
        b.config().setAutoRead(ctx.channel().isWritable());
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      early.forEach(ReferenceCountUtil::release);
      early.clear();
      Channel b = backend;
      if (b != null) {
        closeOnFlush(b);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("stream client connection failed", cause);
      ctx.close();
    }
  }

  /** The upstream side of one connection: relays towards the client. */
  private static final class Back extends ChannelInboundHandlerAdapter {
    private final Channel front;

    Back(Channel front) {
      this.front = front;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(front.isWritable());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      front.writeAndFlush(msg);
      if (!front.isWritable()) {
        ctx.channel().config().setAutoRead(false); // resumed when the client drains
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      front.config().setAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("stream upstream connection failed", cause);
      ctx.close();
    }
  }

  private static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
