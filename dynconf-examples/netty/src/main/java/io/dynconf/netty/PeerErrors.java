package io.dynconf.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors a client causes on its own connection (a TLS handshake that fails, an HTTP/2 protocol
 * error): each is counted, and its connection closed (by this class, or by the codec that raised
 * it); the log gets one line at most every {@value #LOG_INTERVAL_S} s, with the latest error's
 * message (no stack trace; DEBUG has every one with its stack) and how many happened since the
 * last line. Netty logs each of them as a
 * warning with its stack trace, some 40 lines: a client opening bad connections in a loop filled
 * the log at thousands of lines a second. Thread-safe.
 */
public final class PeerErrors {
  private static final Logger LOG = LoggerFactory.getLogger(PeerErrors.class);
  static final long LOG_INTERVAL_S = 10;
  private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(LOG_INTERVAL_S);
  private static final AtomicLong TOTAL = new AtomicLong();
  private static final AtomicLong UNLOGGED = new AtomicLong();
  private static final AtomicLong LAST_LOG = new AtomicLong(System.nanoTime() - INTERVAL_NS);

  private PeerErrors() {}

  /** Errors reported since the start of the process. */
  public static long count() {
    return TOTAL.get();
  }

  /** Counts {@code cause} on {@code ch}'s connection and closes it. */
  public static void report(String what, Channel ch, Throwable cause) {
    count(what, ch, cause);
    ch.close();
  }

  /** Counts {@code cause} on {@code ch}'s connection, which whoever raised it closes. */
  static void count(String what, Channel ch, Throwable cause) {
    TOTAL.incrementAndGet();
    long pending = UNLOGGED.incrementAndGet();
    LOG.debug("{} ({})", what, ch, cause);
    long now = System.nanoTime();
    long last = LAST_LOG.get();
    if (now - last >= INTERVAL_NS && LAST_LOG.compareAndSet(last, now)) {
      UNLOGGED.addAndGet(-pending);
      LOG.info("{} from {}: {} ({} such client errors in the last {} s, {} in all; DEBUG logs each)", what,
          ch.remoteAddress(), cause.toString(), pending, LOG_INTERVAL_S, TOTAL.get());
    }
  }

  /**
   * Last in a connection's pipeline: what no handler before it took is counted here. It does not
   * close the connection: the HTTP/2 codec has answered a connection error with GOAWAY and closes
   * once that is written (closing at once would reset the connection before the client reads why).
   */
  static ChannelHandler handler(String what) {
    return new Last(what);
  }

  @ChannelHandler.Sharable
  private static final class Last extends ChannelInboundHandlerAdapter {
    private final String what;

    Last(String what) {
      this.what = what;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      count(what, ctx.channel(), cause);
    }
  }
}
