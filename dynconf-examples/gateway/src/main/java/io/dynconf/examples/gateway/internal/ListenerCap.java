package io.dynconf.examples.gateway.internal;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cap on the connections one side listener (admin, status) holds open at once. Without it a
 * client that needs no key could open connections until the process ran out of descriptors and
 * starve the data plane (found by the attack pass); the data plane has its own limit
 * ({@link ClientConnections}). A connection over the cap is closed at once; refusals are counted
 * and logged at most once every ten seconds. Thread-safe.
 */
public final class ListenerCap {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerCap.class);
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final String name;
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  public ListenerCap(String name, int max) {
    if (max < 1) {
      throw new IllegalArgumentException(name + ": at most " + max + " connections makes no listener");
    }
    this.name = name;
    this.max = max;
  }

  /** Counts {@code ch} until it closes; closes it at once and returns false when the listener is full. */
  public boolean admit(Channel ch) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      refused.incrementAndGet();
      long now = System.nanoTime();
      long last = lastLog.get();
      if (now - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now)) {
        LOG.warn("{} listener: {} connections open, the most it holds; refusing new ones ({} refused so far)", name, max,
            refused.get());
      }
      ch.close();
      return false;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  public int open() {
    return open.get();
  }

  public long refused() {
    return refused.get();
  }
}
