package io.dynconf.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands published updates to the listeners on one notifier thread, in order. While the listeners
 * are busy, newer updates merge into the one pending update ({@link ConfigUpdate#merge}: one change
 * per item), so memory stays bounded by the items touched, never by the number of updates.
 *
 * <p>Supervised: a listener that throws anything (an {@link Error} too, a {@link
 * StackOverflowError} in a host's route compiler, say) is logged, counted and skipped for that
 * update; the other listeners and every later update still run. Should the drain itself fail, the
 * flag is cleared and a new drain scheduled, so delivery never stops for good.
 */
final class Notifier {
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

  private final CopyOnWriteArrayList<ConfigRegistry.Listener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService executor;
  private final Object lock = new Object();
  private final AtomicLong failures = new AtomicLong();
  private @Nullable ConfigUpdate pending; // guarded by lock
  private boolean draining; // guarded by lock
  private volatile @Nullable String lastFailure;
  private volatile HealthTracker.@Nullable Busy delivering; // the listener running now, null when none

  private final ServedWaiters served;

  Notifier(ServedWaiters served) {
    this.served = served;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "dynconf-notify");
      t.setDaemon(true);
      return t;
    });
  }

  void add(ConfigRegistry.Listener l) {
    listeners.add(l);
  }

  void remove(ConfigRegistry.Listener l) {
    listeners.remove(l);
  }

  /** How many times a listener threw, since the start. */
  long failures() {
    return failures.get();
  }

  /** The last listener failure (which update, what), or null. */
  @Nullable String lastFailure() {
    return lastFailure;
  }

  /** The listener running now and since when, or null: one that does not return holds every later update back. */
  HealthTracker.@Nullable Busy delivering() {
    return delivering;
  }

  /** Whether an update waits for the listeners (at most one: merged). */
  boolean hasPending() {
    synchronized (lock) {
      return pending != null;
    }
  }

  void publish(ConfigUpdate update) {
    if (listeners.isEmpty()) {
      served.delivered(update.current()); // nobody to tell: seen
      return;
    }
    synchronized (lock) {
      pending = pending == null ? update : ConfigUpdate.merge(pending, update);
      if (draining) {
        return;
      }
      draining = true;
    }
    schedule();
  }

  private void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException closed) {
      synchronized (lock) {
        draining = false;
      }
    }
  }

  private void drain() {
    boolean normal = false;
    try {
      while (true) {
        ConfigUpdate update;
        synchronized (lock) {
          update = pending;
          pending = null;
          if (update == null) {
            draining = false;
            normal = true;
            return;
          }
        }
        deliver(update);
        served.delivered(update.current());
      }
    } finally {
      if (!normal) { // the drain itself failed (out of memory while merging, say): try again
        boolean again;
        synchronized (lock) {
          again = pending != null;
          draining = again;
        }
        if (again) {
          schedule();
        }
      }
    }
  }

  private void deliver(ConfigUpdate update) {
    for (ConfigRegistry.Listener l : listeners) {
      delivering = new HealthTracker.Busy("a listener (" + l.getClass().getName() + ") on the update to revision " + update.current().revision(),
          System.nanoTime());
      try {
        l.onUpdate(update);
      } catch (Throwable e) { // anything: the others and later updates must still run
        failures.incrementAndGet();
        lastFailure = "a listener (" + l.getClass().getName() + ") failed on the update to revision " + update.current().revision() + ": " + e;
        LOG.error("dynconf: {}; it is skipped for this update, the others still run", lastFailure, e);
      } finally {
        delivering = null;
      }
    }
  }

  void shutdown() {
    executor.shutdown();
  }

  List<ConfigRegistry.Listener> listeners() {
    return List.copyOf(listeners);
  }
}
