package io.dynconf.examples.gateway.internal;

import io.dynconf.netty.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client connections of the data listeners, at most {@code max}. A connection over the limit
 * takes the place of the longest-idle one (new and waiting for its first byte, or kept alive
 * between requests), as nginx reuses its idle connections; when none is idle it is closed at once.
 * When accepting fails for want of descriptors ({@code Too many open files}), the idle ones are
 * closed first and accepting pauses for {@value #ACCEPT_PAUSE_MS} ms, then resumes: the listener
 * recovers without spinning, and the failure is logged at most once per {@value #LOG_INTERVAL_MS}
 * ms with how often it happened. Thread-safe.
 */
public final class ClientConnections {
  private static final Logger LOG = LoggerFactory.getLogger(ClientConnections.class);
  static final long ACCEPT_PAUSE_MS = 100;
  /** Netty's switch for io_uring's multishot accept: see {@link #preferSingleAccepts}. */
  static final String IO_URING_MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";
  static final long LOG_INTERVAL_MS = 10_000;
  /** Idle connections closed when accepting fails for want of descriptors. */
  private static final int EVICT_ON_EMFILE = 16;

  /**
   * Accepts beyond the limit while closes of idle connections are still under way, before accepting
   * pauses: the descriptors in use stay near the limit even under a burst of connections.
   */
  private static final int ACCEPT_SLACK = 16;
  /**
   * Loaded now: when descriptors run out, a class that is not loaded yet cannot be read from a
   * class directory either (seen in tests: NoClassDefFoundError in the accept path).
   */
  private static final List<Class<?>> PRELOADED = List.of(Idle.class, ListenerChannel.class, AcceptGuard.class);

  /** A connection found idle, with when it became so (read once: it changes under a sort otherwise). */
  private record Idle(Channel channel, long since) {}

  /** Set on a connection once {@link #count} counted it. */
  private static final io.netty.util.AttributeKey<Boolean> COUNTED = io.netty.util.AttributeKey.valueOf(ClientConnections.class, "counted");

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<Channel, ClientTimeouts> live = new ConcurrentHashMap<>();
  private final AtomicLong evicted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong acceptFailures = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(Long.MIN_VALUE / 2);

  public ClientConnections(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max connections must be >= 1, got " + max);
    }
    this.max = max;
  }

  public int max() {
    return max;
  }

  /** Client connections open now. */
  public int open() {
    return open.get();
  }

  /** Client connections open now that are idle (new without a byte yet, or kept alive between requests). */
  public int idle() {
    int n = 0;
    for (ClientTimeouts t : live.values()) {
      if (t.idleSince() != Long.MAX_VALUE) {
        n++;
      }
    }
    return n;
  }

  /**
   * Bytes written to the client connections that their sockets have not taken yet (Netty's outbound
   * buffers; the kernel's send buffers are not counted: a closed socket still delivers those). A
   * request counts as finished once its last bytes are written, so a graceful close waits for this
   * to reach 0 too, or it would cut the tail of a response a slow client is still reading.
   */
  public long unsentBytes() {
    long n = 0;
    for (Channel ch : live.keySet()) {
      io.netty.channel.ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
      if (b != null) {
        n += b.totalPendingWriteBytes();
      }
    }
    return n;
  }

  /** Idle connections closed to make room, since the start. */
  public long evicted() {
    return evicted.get();
  }

  /** Connections closed at once because the limit was reached and none was idle. */
  public long refused() {
    return refused.get();
  }

  /**
   * Counts a new connection (call from its initializer, with its timeouts handler); over the limit,
   * closes the longest-idle connection, or this one when none is idle.
   *
   * @return false when {@code ch} was closed
   */
  public boolean admit(Channel ch, ClientTimeouts timeouts) {
    int n = ch.hasAttr(COUNTED) ? open.get() : count(ch);
    boolean over = n > max && closeIdle(1) == 0;
    if (!over) {
      live.put(ch, timeouts);
    }
    ch.closeFuture().addListener(f -> live.remove(ch));
    if (over) {
      refused.incrementAndGet();
      report("client connection limit " + max + " reached with no idle connection: refusing new connections");
      ch.close();
      return false;
    }
    if (n > max) {
      report("client connection limit " + max + " reached: closing the longest-idle connections to make room");
    }
    return true;
  }

  /**
   * Counts {@code ch} as open until its close completes. The listeners count a connection when they
   * accept it, not when its event loop gets to {@link #admit} it: under a burst the listener accepts
   * faster than the loops initialize, and a count that lags lets the descriptors in use run past the
   * limit (seen with io_uring: 270 sockets over a limit of 125).
   */
  private int count(Channel ch) {
    ch.attr(COUNTED).set(Boolean.TRUE);
    int n = open.incrementAndGet();
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return n;
  }

  /**
   * Turns off io_uring's multishot accept unless the JVM's command line chose: one accept request
   * takes the listener's whole backlog into descriptors, past the pause with which accepting stops at
   * the limit (a burst of 1,500 connections held 900 sockets at a limit of 381; with single accepts,
   * 387). The rate of accepts is not what a proxy is short of. Must run before Netty's io_uring
   * classes load; {@link #listener} warns when it ran too late.
   */
  public static void preferSingleAccepts() {
    if (System.getProperty(IO_URING_MULTISHOT_ACCEPT) == null) {
      System.setProperty(IO_URING_MULTISHOT_ACCEPT, "false");
    }
  }

  /** Closes up to {@code count} idle connections, the longest idle first; returns how many. */
  int closeIdle(int count) {
    int closed = 0;
    if (count == 1) {
      // another thread may take the same oldest one at the same moment: then the next oldest
      for (int attempt = 0; attempt < 8 && closed == 0; attempt++) {
        Map.Entry<Channel, ClientTimeouts> oldest = null;
        for (Map.Entry<Channel, ClientTimeouts> e : live.entrySet()) {
          long since = e.getValue().idleSince();
          if (since != Long.MAX_VALUE && (oldest == null || since < oldest.getValue().idleSince())) {
            oldest = e;
          }
        }
        if (oldest == null) {
          break;
        }
        if (live.remove(oldest.getKey()) != null) {
          oldest.getKey().close();
          closed++;
        }
      }
    } else {
      List<Idle> idle = new ArrayList<>();
      for (Map.Entry<Channel, ClientTimeouts> e : live.entrySet()) {
        long since = e.getValue().idleSince(); // read once: it changes under the sort otherwise
        if (since != Long.MAX_VALUE) {
          idle.add(new Idle(e.getKey(), since));
        }
      }
      idle.sort(Comparator.comparingLong(Idle::since));
      for (Idle e : idle) {
        if (closed == count) {
          break;
        }
        if (live.remove(e.channel()) != null) {
          e.channel().close();
          closed++;
        }
      }
    }
    evicted.addAndGet(closed);
    return closed;
  }

  private void report(String message) {
    long now = System.nanoTime() / 1_000_000;
    long last = lastLog.get();
    if (now - last >= LOG_INTERVAL_MS && lastLog.compareAndSet(last, now)) {
      LOG.warn("{} (so far: {} idle connections closed to make room, {} refused, {} accept failures)", message,
          evicted.get(), refused.get(), acceptFailures.get());
    }
  }

  /**
   * Sets {@code bootstrap}'s listening channel for a data listener of {@code transport}: an accept
   * that fails (descriptors exhausted) closes idle client connections, pauses accepting briefly and
   * is logged rate-limited, instead of Netty's warning on every retry of a spinning selector; past
   * the limit (plus a slack for closes under way) accepting pauses too. With NIO the listener's
   * channel does this before it accepts; epoll's listening channel cannot be extended, so a handler
   * on it does the same from the accept failures and the accepted connections it sees.
   */
  public ServerBootstrap listener(ServerBootstrap bootstrap, Transport transport) {
    if (transport == Transport.IO_URING && Transport.ioUringAcceptsMultishot()) {
      LOG.warn("io_uring accepts connections multishot (Netty's io_uring classes loaded before the gateway could turn it off):"
          + " a burst of connections can hold more descriptors than the limit of {}; start the JVM with -D{}=false", max,
          IO_URING_MULTISHOT_ACCEPT);
    }
    if (transport == Transport.NIO) {
      return bootstrap.channelFactory((io.netty.channel.ChannelFactory<ServerSocketChannel>) () -> new ListenerChannel(this));
    }
    return bootstrap.channel(transport.serverChannel()).handler(new AcceptGuard());
  }

  /** {@link #listener} for listeners whose channel class is not ours (epoll): reacts after the accept. */
  final class AcceptGuard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object child) {
      if (child instanceof Channel ch) {
        count(ch);
      }
      if (open.get() >= max + ACCEPT_SLACK) {
        pauseAccepts((ServerSocketChannel) ctx.channel(), 10); // closes made to make room are still under way
      }
      ctx.fireChannelRead(child);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException e) { // accept(2) failed: EMFILE, ENFILE, ENOBUFS...
        acceptFailed((ServerSocketChannel) ctx.channel(), e);
      } else {
        ctx.fireExceptionCaught(cause);
      }
    }
  }

  /** See {@link #listener}. */
  static final class ListenerChannel extends NioServerSocketChannel {
    private final ClientConnections connections;

    ListenerChannel(ClientConnections connections) {
      this.connections = connections;
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
      if (connections.open.get() >= connections.max + ACCEPT_SLACK) {
        connections.pauseAccepts(this, 10); // closes made to make room are still under way
        return 0;
      }
      java.nio.channels.SocketChannel ch;
      try {
        ch = javaChannel().accept();
      } catch (IOException e) {
        connections.acceptFailed(this, e);
        return 0;
      }
      if (ch == null) {
        return 0;
      }
      try {
        NioSocketChannel child = new NioSocketChannel(this, ch);
        connections.count(child);
        buf.add(child);
        return 1;
      } catch (RuntimeException e) {
        connections.acceptFailed(this, e);
        try {
          ch.close();
        } catch (IOException closing) {
          e.addSuppressed(closing);
        }
        return 0;
      }
    }
  }

  private void acceptFailed(ServerSocketChannel listener, Exception e) {
    acceptFailures.incrementAndGet();
    int closed = closeIdle(EVICT_ON_EMFILE);
    report("accepting a client connection failed: " + e.getMessage() + "; closed " + closed
        + " idle connections and pausing accepts for " + ACCEPT_PAUSE_MS + " ms");
    pauseAccepts(listener, ACCEPT_PAUSE_MS); // no spinning on a backlog we cannot take
  }

  private void pauseAccepts(ServerSocketChannel listener, long ms) {
    listener.config().setAutoRead(false);
    listener.eventLoop().schedule(() -> {
      if (listener.isOpen()) {
        listener.config().setAutoRead(true);
      }
    }, ms, TimeUnit.MILLISECONDS);
  }
}
