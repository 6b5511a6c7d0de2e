package io.dynconf.etcd.internal;

import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.WatchListener;
import io.dynconf.etcd.EtcdStatus;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * One logical watch over a prefix that survives any number of broken streams.
 *
 * <p>It never trusts a jetcd watcher to stay alive: every callback carries the generation of the
 * watcher it came from, and callbacks of replaced watchers are ignored. {@code next} is the first
 * revision not yet handed to the listener; events below it are redeliveries and are dropped, so
 * the listener sees every revision at most once, in order. On any error or close the loop backs
 * off (full jitter, doubling up to the cap, back to the minimum after a healthy response) and
 * watches again from {@code next}. A supervisor asks for progress when the stream has been idle
 * for the progress interval and declares it dead after twice that, then reconnects on a fresh
 * client (a black-holed TCP connection would otherwise keep the new watcher silent too). A
 * progress answer counts as activity only, never as a position (see onNext). When
 * events may be lost for good it hands over {@code onReset} once and ends; when the cause is a
 * compaction it first tells {@code onCompacted} the compaction revision, so the relist that
 * follows can read the state there (still readable) and replay every later revision.
 *
 * <p>Nothing in the loop fails silently: building a fresh client (which reads TLS files that may
 * be mid-rotation) is retried with the same backoff and its failure is the status's last error;
 * an exception from a scheduled task (a reconnect, the supervisor) is caught, reported and
 * answered by a reconnect, and the supervisor keeps its schedule; a listener that throws gets the
 * same events again after a reconnect.
 *
 * <p>All state changes happen under this object's monitor; the listener is called under it, so
 * its calls are serialised (the registry's listener only enqueues).
 */
public final class EtcdWatchLoop {
  private final Supplier<Client> clients;
  private final UnaryOperator<Client> replaceClient;
  private final LongConsumer onCompacted;
  private final ByteSequence prefix;
  private final String prefixText;
  private final long knownClusterId;
  private final WatchListener listener;
  private final ScheduledExecutorService scheduler;
  private final long backoffMinMillis;
  private final long backoffMaxMillis;
  private final long progressMillis;
  private final Clock clock;
  private final RateLimitedLog log;

  private long next;
  /** {@code next - 1}, readable without the monitor: status() must not wait for a listener that hangs under it. */
  private volatile long handedOver;
  private int generation;
  private Watch.@Nullable Watcher watcher;
  private @Nullable Client watcherClient;
  private @Nullable ScheduledFuture<?> supervisor;
  /** A client whose connection looks dead: the next attempt first swaps in a fresh one. */
  private @Nullable Client staleClient;
  private long delayMillis;
  private int failuresInARow;
  private boolean ended;
  private volatile EtcdStatus.State state = EtcdStatus.State.RECONNECTING;
  private volatile long lastActivityMillis;
  /** The same moment on the monotonic clock: silence is measured with it (a wall clock stepped back would hide a dead stream). */
  private volatile long lastActivityNanos;
  private volatile long etcdRevision;
  private volatile long reconnects;
  private volatile long clientFailures;
  private volatile @Nullable String lastError;
  private volatile long lastErrorMillis;

  public EtcdWatchLoop(Supplier<Client> clients, UnaryOperator<Client> replaceClient, ByteSequence prefix, String prefixText,
      long fromRevision, long knownClusterId, WatchListener listener, ScheduledExecutorService scheduler,
      Duration backoffMin, Duration backoffMax, Duration progressInterval, Clock clock, RateLimitedLog log) {
    this(clients, replaceClient, r -> {}, prefix, prefixText, fromRevision, knownClusterId, listener, scheduler, backoffMin, backoffMax,
        progressInterval, clock, log);
  }

  /**
   * @param replaceClient swaps a client that looks dead for a fresh one and returns it; it may throw
   *     (then the loop retries it with backoff)
   * @param onCompacted told the compaction revision before {@code onReset} when the history the
   *     watch needs was compacted
   */
  public EtcdWatchLoop(Supplier<Client> clients, UnaryOperator<Client> replaceClient, LongConsumer onCompacted, ByteSequence prefix,
      String prefixText, long fromRevision, long knownClusterId, WatchListener listener, ScheduledExecutorService scheduler,
      Duration backoffMin, Duration backoffMax, Duration progressInterval, Clock clock, RateLimitedLog log) {
    this.clients = clients;
    this.replaceClient = replaceClient;
    this.onCompacted = onCompacted;
    this.prefix = prefix;
    this.prefixText = prefixText;
    this.next = Math.max(1, fromRevision);
    this.handedOver = next - 1;
    this.knownClusterId = knownClusterId;
    this.listener = listener;
    this.scheduler = scheduler;
    this.backoffMinMillis = backoffMin.toMillis();
    this.backoffMaxMillis = backoffMax.toMillis();
    this.progressMillis = progressInterval.toMillis();
    this.clock = clock;
    this.log = log;
    this.delayMillis = backoffMinMillis;
    this.lastActivityMillis = clock.millis();
    this.lastActivityNanos = System.nanoTime();
  }

  public synchronized void start() {
    connect();
    long period = Math.max(10, progressMillis / 4);
    // A periodic task that throws is cancelled for good by the executor: supervise() catches all.
    supervisor = scheduler.scheduleWithFixedDelay(this::supervise, period, period, TimeUnit.MILLISECONDS);
  }

  public synchronized void close() {
    end(EtcdStatus.State.CLOSED);
  }

  /** Never waits for the monitor (the listener runs under it, and may hang): the health of a stuck watch must still be readable. */
  public EtcdStatus status() {
    long last = handedOver;
    return new EtcdStatus(state, last, Math.max(etcdRevision, last), Duration.ofMillis(idleMillis()),
        reconnects, lastError);
  }

  /** Millis since the last watch response (or the watch's start), on the monotonic clock. */
  private long idleMillis() {
    return Math.max(0, (System.nanoTime() - lastActivityNanos) / 1_000_000);
  }

  /** The wall-clock millis of the last watch response (or of the watch's start), for the status's last contact. */
  public long lastActivityMillis() {
    return lastActivityMillis;
  }

  /** The wall-clock millis of the last error recorded, 0 when none. */
  public long lastErrorMillis() {
    return lastErrorMillis;
  }

  /** How many times building a fresh client failed (each is retried with backoff). */
  public long clientFailures() {
    return clientFailures;
  }

  /** Test hook: watches again from {@code back} revisions before {@code next}; the repeats must be dropped. */
  public synchronized void rewatchFrom(int back) {
    if (ended) {
      return;
    }
    closeWatcher();
    connect(Math.max(1, next - back));
  }

  /** Test hook: ends with {@code onReset}, as when events may have been lost. */
  public synchronized void resetNow(String reason) {
    if (!ended) {
      reset(reason);
    }
  }

  private synchronized void connect() {
    connect(next);
  }

  private synchronized void connect(long from) {
    if (ended) {
      return;
    }
    Client stale = staleClient;
    if (stale != null) {
      try {
        Client unused = replaceClient.apply(stale); // the new client is handed out by clients.get()
        staleClient = null;
      } catch (RuntimeException e) {
        clientFailures++;
        failed("cannot build a new etcd client for the watch on " + prefixText + ": " + describe(e));
        return; // staleClient stays set: the next attempt builds again, after a backoff
      }
    }
    int gen = ++generation;
    Client c = clients.get();
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(from).withProgressNotify(true)
        .withCreateNotify(true).withRequireLeader(true).build();
    try {
      watcher = c.getWatchClient().watch(prefix, option, new Watch.Listener() {
        @Override
        public void onNext(WatchResponse response) {
          EtcdWatchLoop.this.onNext(gen, response);
        }

        @Override
        public void onError(Throwable error) {
          EtcdWatchLoop.this.onError(gen, error);
        }

        @Override
        public void onCompleted() {
          EtcdWatchLoop.this.onError(gen, null);
        }
      });
      watcherClient = c;
      lastActivityMillis = clock.millis();
      lastActivityNanos = System.nanoTime(); // the supervisor measures silence from here
    } catch (RuntimeException e) {
      failed("cannot start the watch on " + prefixText + ": " + e);
    }
  }

  private synchronized void onNext(int gen, WatchResponse response) {
    if (gen != generation || ended) {
      return; // a replaced watcher
    }
    lastActivityMillis = clock.millis();
    lastActivityNanos = System.nanoTime();
    state = EtcdStatus.State.CONNECTED;
    long cluster = response.getHeader().getClusterId();
    if (knownClusterId != 0 && cluster != 0 && cluster != knownClusterId) {
      reset("the etcd cluster id changed from " + Long.toUnsignedString(knownClusterId) + " to " + Long.toUnsignedString(cluster)
          + " (etcd was replaced or restored)");
      return;
    }
    long revision = response.getHeader().getRevision();
    if (revision > 0 && revision < next - 1) {
      reset("the etcd revision went backwards from " + (next - 1) + " to " + revision + " (etcd was wiped or restored)");
      return;
    }
    etcdRevision = Math.max(etcdRevision, revision);
    List<ChangeEvent> events = new ArrayList<>();
    long newest = next - 1;
    for (WatchEvent e : response.getEvents()) {
      io.etcd.jetcd.KeyValue kv = e.getKeyValue();
      if (kv.getModRevision() < next) {
        continue; // redelivered after a reconnect or a progress notification
      }
      String key = kv.getKey().toString(StandardCharsets.UTF_8);
      events.add(e.getEventType() == WatchEvent.EventType.DELETE
          ? ChangeEvent.delete(key, kv.getModRevision())
          : ChangeEvent.put(new KeyValue(key, kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision())));
      newest = Math.max(newest, kv.getModRevision());
    }
    try {
      if (!events.isEmpty()) {
        listener.onEvents(events);
        next = newest + 1; // only once the listener took them: if it threw, they come again
        handedOver = newest;
      }
      // A progress notification (empty, not the created one) proves the stream alive, nothing more:
      // etcd up to 3.4.23 / 3.5.7 answers a progress request with the store's current revision
      // even while this watcher is still catching up from an older revision (unsynced, or a slow
      // "victim"), so taking it as "nothing changed up to here" would skip the events still to come
      // (the chaos soak lost whole catch-ups that way). next advances with events only.
      delayMillis = backoffMinMillis; // a healthy answer, taken by the listener, resets the backoff
      failuresInARow = 0;
    } catch (RuntimeException | Error e) {
      // Thrown into jetcd's callback it would vanish; the events were not taken: watch again from next.
      failed("the watch listener on " + prefixText + " failed: " + describe(e));
    }
  }

  private synchronized void onError(int gen, @Nullable Throwable error) {
    if (gen != generation || ended) {
      return;
    }
    CompactedException compacted = compacted(error);
    if (compacted != null) {
      long at = compacted.getCompactedRevision();
      try {
        onCompacted.accept(at);
      } catch (RuntimeException e) {
        log.warn("dynconf: cannot note the compaction revision " + at + ": " + describe(e));
      }
      reset("etcd compacted its history to revision " + at + ", past the watch's resume revision " + next
          + "; the relist reads the state at revision " + at + " while it is still readable");
      return;
    }
    failed(error == null ? "the etcd watch stream on " + prefixText + " closed" : "the etcd watch on " + prefixText + " failed: " + error);
  }

  private static @Nullable CompactedException compacted(@Nullable Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CompactedException ce) {
        return ce;
      }
    }
    return null;
  }

  /**
   * Drops the current watcher and tries again after a jittered backoff. Never throws: the caller
   * may be a gRPC callback or a scheduled task, where an exception would vanish.
   */
  private void failed(String message) {
    lastError = message;
    lastErrorMillis = clock.millis();
    log.warn("dynconf: " + message + "; resuming from revision " + next);
    Client used = watcherClient;
    closeWatcher();
    if (++failuresInARow >= 3 && used != null) {
      // Repeated failures without an answer: the channel may sit in gRPC's own reconnect backoff
      // long after the network is back. A fresh client dials on the next attempt (built there, so
      // that a failure to build it is retried like any other).
      staleClient = used;
    }
    state = EtcdStatus.State.RECONNECTING;
    reconnects++;
    scheduleConnect();
  }

  private void scheduleConnect() {
    long wait = ThreadLocalRandom.current().nextLong(delayMillis + 1); // full jitter
    delayMillis = Math.min(backoffMaxMillis, Math.max(1, delayMillis) * 2);
    try {
      scheduler.schedule(this::reconnect, wait, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      if (!scheduler.isShutdown()) { // shut down: the source is closing
        lastError = "cannot schedule a reconnect of the watch on " + prefixText + ": " + e;
        lastErrorMillis = clock.millis();
        log.warn("dynconf: " + lastError);
      }
    }
  }

  /** A scheduled reconnect: whatever it throws is reported and answered by another one. */
  private synchronized void reconnect() {
    try {
      connect();
    } catch (RuntimeException | Error e) {
      if (!ended) {
        failed("reconnecting the etcd watch on " + prefixText + " failed: " + describe(e));
      }
    }
  }

  /** The periodic supervisor: catches everything, since a periodic task that throws is never run again. */
  private synchronized void supervise() {
    try {
      superviseOnce();
    } catch (RuntimeException | Error e) {
      lastError = "the supervisor of the etcd watch on " + prefixText + " failed: " + describe(e);
      lastErrorMillis = clock.millis();
      log.warn("dynconf: " + lastError + "; it keeps running");
      if (!ended && watcher != null) {
        try {
          failed(lastError); // the watch's health is unknown: rebuild it
        } catch (RuntimeException | Error again) {
          log.warn("dynconf: cannot restart the etcd watch on " + prefixText + ": " + describe(again));
        }
      }
    }
  }

  private void superviseOnce() {
    Watch.Watcher w = watcher;
    if (ended || w == null) {
      return;
    }
    long idle = idleMillis();
    if (idle >= 2 * progressMillis) {
      Client dead = watcherClient;
      failed("the etcd watch on " + prefixText + " was silent for " + idle + " ms (no answer to progress requests)");
      if (dead != null) {
        staleClient = dead; // the connection itself may be dead: the next attempt dials anew
      }
    } else if (idle >= progressMillis) {
      try {
        w.requestProgress();
      } catch (RuntimeException e) {
        failed("cannot request progress on the etcd watch: " + e);
      }
    }
  }

  /** The messages down a cause chain (jetcd's own is often only a status code). */
  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    for (Throwable c = t; c != null && depth < 5; c = c.getCause(), depth++) {
      String m = c.getMessage();
      if (m == null || m.isBlank()) {
        m = c.getClass().getName();
      } else if (sb.indexOf(m) >= 0) {
        continue; // already said (wrappers repeat their cause's message)
      } else if (sb.length() == 0) {
        m = c.getClass().getSimpleName() + ": " + m;
      }
      if (sb.indexOf(m) < 0) {
        sb.append(sb.length() == 0 ? "" : "; caused by ").append(m);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return sb.toString();
  }

  private void reset(String reason) {
    lastError = reason;
    lastErrorMillis = clock.millis();
    log.warn("dynconf: " + reason + "; asking for a relist");
    end(EtcdStatus.State.IDLE);
    try {
      listener.onReset(reason);
    } catch (RuntimeException | Error e) {
      lastError = reason + "; the listener failed to take the reset: " + describe(e);
      log.warn("dynconf: " + lastError);
    }
  }

  private void end(EtcdStatus.State finalState) {
    ended = true;
    state = finalState;
    closeWatcher();
    ScheduledFuture<?> s = supervisor;
    if (s != null) {
      s.cancel(false);
    }
  }

  private void closeWatcher() {
    Watch.Watcher w = watcher;
    watcher = null;
    watcherClient = null;
    generation++;
    if (w != null) {
      try {
        w.close();
      } catch (RuntimeException ignored) {
        // already broken
      }
    }
  }
}
