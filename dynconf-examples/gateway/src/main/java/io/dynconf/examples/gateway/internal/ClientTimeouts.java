package io.dynconf.examples.gateway.internal;

import io.dynconf.netty.ClientPhases;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nginx's client timeouts for one connection, first in its pipeline (it sees the raw bytes): the
 * whole request head within {@code header} (from the connection's start, or from the first byte
 * of a later request), an idle kept-alive connection for at most {@code keepalive}, at most
 * {@code body} between two reads of a request body while the proxy is asking for more, and at
 * most {@code send} without progress while bytes wait to be written to the client. On expiry the
 * connection is closed (as nginx does; the proxied request's upstream connection goes with it).
 * {@link io.dynconf.netty.ProxyHandler} tells it where the connection is: {@link #requestStarted()}, {@link
 * #awaitingNextRequest()}, {@link #tunnel()}. One timer per connection, armed for the nearest
 * deadline; every method runs on the connection's event loop, except {@link #idleSince()} (read
 * by {@link ClientConnections} to pick an idle connection to close).
 */
public final class ClientTimeouts extends ChannelDuplexHandler implements ClientPhases {
  private static final Logger LOG = LoggerFactory.getLogger(ClientTimeouts.class);

  private enum Phase {
    /** A new connection, nothing received yet: the header timeout runs from the accept. */
    FRESH,
    /** Bytes of a request head received: the header timeout runs. */
    HEAD,
    /** A request is being served: the body timeout runs while a read is pending. */
    REQUEST,
    /** Kept alive between two requests, nothing received yet. */
    IDLE,
    /** A WebSocket tunnel: only the send timeout. */
    TUNNEL
  }

  private final long headerNs;
  private final long keepaliveNs;
  private final long bodyNs;
  private final long sendNs;
  private @Nullable ChannelHandlerContext ctx;
  private Phase phase = Phase.FRESH;
  /** When the connection became idle (FRESH or IDLE), for picking the oldest; Long.MAX_VALUE when busy. */
  private volatile long idleSince = Long.MAX_VALUE;
  private long headStart;
  private boolean readPending;
  private long readSince;
  private long lastWrite;
  private @Nullable Object progressMessage;
  private long progress = -1;
  private long pendingBytes = -1;
  private @Nullable ScheduledFuture<?> timer;
  private long timerAt = Long.MAX_VALUE;

  public ClientTimeouts(Duration header, Duration keepalive, Duration body, Duration send) {
    this.headerNs = header.toNanos();
    this.keepaliveNs = keepalive.toNanos();
    this.bodyNs = body.toNanos();
    this.sendNs = send.toNanos();
  }

  /** {@code System.nanoTime()} when the connection became idle, {@code Long.MAX_VALUE} while it is not. */
  long idleSince() {
    return idleSince;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    long now = System.nanoTime();
    headStart = now;
    idleSince = now;
    lastWrite = now;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    arm();
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    idleSince = Long.MAX_VALUE;
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    readPending = false; // before passing it on: a read() the proxy asks for while handling it counts anew
    if ((phase == Phase.FRESH || phase == Phase.IDLE) && (!(msg instanceof ByteBuf b) || b.isReadable())) {
      if (phase == Phase.IDLE) {
        headStart = System.nanoTime();
      }
      phase = Phase.HEAD;
      idleSince = Long.MAX_VALUE;
      arm();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (!readPending) {
      readPending = true;
      readSince = System.nanoTime();
      if (phase == Phase.REQUEST) {
        arm();
      }
    }
    ctx.read();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    if (out != null && out.totalPendingWriteBytes() == 0) {
      lastWrite = System.nanoTime(); // the send window starts when bytes start to wait
      progress = -1;
    }
    ctx.write(msg, promise.unvoid()).addListener(wrote);
  }

  /** One listener for every write (not a new one per write): a write that went out moves the send window. */
  private final io.netty.channel.ChannelFutureListener wrote = f -> {
    if (f.isSuccess()) {
      lastWrite = System.nanoTime();
    }
  };

  @Override
  public void flush(ChannelHandlerContext ctx) {
    ctx.flush();
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    if (out != null && out.totalPendingWriteBytes() > 0 && progress < 0) {
      snapshot(out); // bytes wait: what expire() compares with to see progress inside a message
    }
    arm();
  }

  private void snapshot(ChannelOutboundBuffer out) {
    progressMessage = out.current();
    progress = Math.max(0, out.currentProgress());
    pendingBytes = out.totalPendingWriteBytes();
  }

  /** A request head was decoded and is being served. */
  @Override
  public void requestStarted() {
    phase = Phase.REQUEST;
    idleSince = Long.MAX_VALUE;
    arm();
  }

  /** The response is complete and the connection is kept alive: waiting for the next request. */
  @Override
  public void awaitingNextRequest() {
    if (phase == Phase.REQUEST) {
      phase = Phase.IDLE;
      idleSince = System.nanoTime();
      arm();
    }
  }

  /** The connection became a WebSocket tunnel: the read timeouts end. */
  @Override
  public void tunnel() {
    phase = Phase.TUNNEL;
    idleSince = Long.MAX_VALUE;
  }

  private long deadline(long now) {
    long d = Long.MAX_VALUE;
    switch (phase) {
      case FRESH, HEAD -> d = headStart + headerNs;
      case IDLE -> d = idleSince + keepaliveNs;
      case REQUEST -> d = readPending ? readSince + bodyNs : Long.MAX_VALUE;
      case TUNNEL -> { }
    }
    if (writesWaiting()) {
      d = Math.min(d, lastWrite + sendNs);
    }
    return d;
  }

  private boolean writesWaiting() {
    ChannelHandlerContext c = ctx;
    ChannelOutboundBuffer out = c == null ? null : c.channel().unsafe().outboundBuffer();
    return out != null && out.totalPendingWriteBytes() > 0;
  }

  /** Arms the timer for the nearest deadline unless it is armed for an earlier one. */
  private void arm() {
    ChannelHandlerContext c = ctx;
    if (c == null || !c.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    long d = deadline(now);
    if (d == Long.MAX_VALUE || (timer != null && timerAt <= d)) {
      return;
    }
    cancel();
    timerAt = d;
    timer = c.executor().schedule(this::expire, Math.max(0, d - now), TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
      timerAt = Long.MAX_VALUE;
    }
  }

  private void expire() {
    timer = null;
    timerAt = Long.MAX_VALUE;
    ChannelHandlerContext c = ctx;
    if (c == null || !c.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    ChannelOutboundBuffer out = c.channel().unsafe().outboundBuffer();
    if (out != null && out.totalPendingWriteBytes() > 0) {
      // progress inside a large message, or fewer bytes waiting, is progress too
      boolean first = progress < 0;
      if (out.current() != progressMessage || Math.max(0, out.currentProgress()) != progress
          || out.totalPendingWriteBytes() != pendingBytes) {
        if (!first) {
          lastWrite = Math.max(lastWrite, now);
        }
        snapshot(out);
      }
    } else {
      progressMessage = null;
      progress = -1;
      pendingBytes = -1;
    }
    long d = deadline(now);
    if (d == Long.MAX_VALUE) {
      return;
    }
    if (d > now) {
      timerAt = d;
      timer = c.executor().schedule(this::expire, d - now, TimeUnit.NANOSECONDS);
      return;
    }
    LOG.debug("closing client connection {}: {}", c.channel().remoteAddress(), reason(now));
    c.close();
  }

  private String reason(long now) {
    if (writesWaiting() && lastWrite + sendNs <= now) {
      return "send timeout (the client reads nothing)";
    }
    return switch (phase) {
      case FRESH, HEAD -> "client header timeout";
      case IDLE -> "keep-alive timeout";
      case REQUEST -> "client body timeout";
      case TUNNEL -> "send timeout";
    };
  }
}
