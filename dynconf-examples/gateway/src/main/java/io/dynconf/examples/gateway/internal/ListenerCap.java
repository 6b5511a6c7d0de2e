package io.dynconf.examples.gateway.internal;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.LinkedHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cap on the connections one side listener (admin, status) holds open at once. Without it a
 * client that needs no key could open connections until the process ran out of descriptors and
 * starve the data plane (found by the attack pass); the data plane has its own limit
 * ({@link ClientConnections}).
 *
 * <p>A connection is <em>unproven</em> until its listener calls {@link #proven} (the admin listener
 * does once a request carries a valid key). So that a flood of keyless connections cannot lock the
 * operator out, a new connection to a full listener closes the oldest unproven one instead of being
 * refused; only a listener full of proven connections refuses. Refusals and evictions are counted
 * and logged at most once every ten seconds. Thread-safe.
 */
public final class ListenerCap {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerCap.class);
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
  /** Set on a connection closed to make room: its slot went to the newcomer. */
  private static final AttributeKey<Boolean> EVICTED = AttributeKey.valueOf("dynconf.listenerCap.evicted");

  private final String name;
  private final int max;
  private int open;
  private final LinkedHashSet<Channel> unproven = new LinkedHashSet<>(); // oldest first
  private long refused;
  private long evicted;
  private long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;

  public ListenerCap(String name, int max) {
    if (max < 1) {
      throw new IllegalArgumentException(name + ": at most " + max + " connections makes no listener");
    }
    this.name = name;
    this.max = max;
  }

  /**
   * Counts {@code ch} until it closes. When the listener is full, closes its oldest unproven
   * connection to make room, or, when all are proven, closes {@code ch} and returns false.
   */
  public boolean admit(Channel ch) {
    Channel evict = null;
    synchronized (this) {
      if (open >= max) {
        java.util.Iterator<Channel> oldest = unproven.iterator();
        if (!oldest.hasNext()) {
          refused++;
          logLater("full of connections that showed a key; refusing new ones");
          ch.close();
          return false;
        }
        evict = oldest.next();
        oldest.remove();
        evict.attr(EVICTED).set(true); // its slot passes to ch: its close must not free it again
        evicted++;
        logLater("full; closing the oldest connections that showed no key to make room");
      } else {
        open++;
      }
      unproven.add(ch);
    }
    if (evict != null) {
      evict.close();
    }
    ch.closeFuture().addListener(f -> closed(ch));
    return true;
  }

  /** {@code ch} showed a valid key: it is no longer closed to make room for newcomers. */
  public synchronized void proven(Channel ch) {
    unproven.remove(ch);
  }

  private synchronized void closed(Channel ch) {
    unproven.remove(ch);
    if (!Boolean.TRUE.equals(ch.attr(EVICTED).get())) {
      open--;
    }
  }

  private void logLater(String what) {
    long now = System.nanoTime();
    if (now - lastLog >= LOG_INTERVAL_NANOS) {
      lastLog = now;
      LOG.warn("{} listener ({} connections at most): {} ({} refused, {} evicted so far)", name, max, what, refused, evicted);
    }
  }

  public synchronized int open() {
    return open;
  }

  public synchronized long refused() {
    return refused;
  }

  public synchronized long evicted() {
    return evicted;
  }
}
