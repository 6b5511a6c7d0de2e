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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * client (a black-holed TCP connection would otherwise keep the new watcher silent too). When
 * events may be lost for good it hands over {@code onReset} once and ends.
 *
 * <p>All state changes happen under this object's monitor; the listener is called under it, so
 * its calls are serialised (the registry's listener only enqueues).
 */
public final class EtcdWatchLoop {
  private final Supplier<Client> clients;
  private final UnaryOperator<Client> replaceClient;
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
  private int generation;
  private Watch.@Nullable Watcher watcher;
  private @Nullable Client watcherClient;
  private @Nullable ScheduledFuture<?> supervisor;
  private long delayMillis;
  private int failuresInARow;
  private boolean ended;
  private volatile EtcdStatus.State state = EtcdStatus.State.RECONNECTING;
  private volatile long lastActivityMillis;
  private volatile long etcdRevision;
  private volatile long reconnects;
  private volatile @Nullable String lastError;

  public EtcdWatchLoop(Supplier<Client> clients, UnaryOperator<Client> replaceClient, ByteSequence prefix, String prefixText,
      long fromRevision, long knownClusterId, WatchListener listener, ScheduledExecutorService scheduler,
      Duration backoffMin, Duration backoffMax, Duration progressInterval, Clock clock, RateLimitedLog log) {
    this.clients = clients;
    this.replaceClient = replaceClient;
    this.prefix = prefix;
    this.prefixText = prefixText;
    this.next = Math.max(1, fromRevision);
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
  }

  public synchronized void start() {
    connect();
    long period = Math.max(10, progressMillis / 4);
    supervisor = scheduler.scheduleWithFixedDelay(this::supervise, period, period, TimeUnit.MILLISECONDS);
  }

  public synchronized void close() {
    end(EtcdStatus.State.CLOSED);
  }

  public EtcdStatus status() {
    long last;
    synchronized (this) {
      last = next - 1;
    }
    return new EtcdStatus(state, last, Math.max(etcdRevision, last), Duration.ofMillis(Math.max(0, clock.millis() - lastActivityMillis)),
        reconnects, lastError);
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
      lastActivityMillis = clock.millis(); // the supervisor measures silence from here
    } catch (RuntimeException e) {
      failed("cannot start the watch on " + prefixText + ": " + e);
    }
  }

  private synchronized void onNext(int gen, WatchResponse response) {
    if (gen != generation || ended) {
      return; // a replaced watcher
    }
    lastActivityMillis = clock.millis();
    state = EtcdStatus.State.CONNECTED;
    delayMillis = backoffMinMillis; // a healthy answer resets the backoff
    failuresInARow = 0;
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
    if (!events.isEmpty()) {
      next = newest + 1;
      listener.onEvents(events);
    }
    if (response.getEvents().isEmpty() && !response.isCreatedNotify() && revision >= next) {
      next = revision + 1; // progress: nothing under the prefix up to this revision
      listener.onProgress(revision);
    }
  }

  private synchronized void onError(int gen, @Nullable Throwable error) {
    if (gen != generation || ended) {
      return;
    }
    CompactedException compacted = compacted(error);
    if (compacted != null) {
      reset("etcd compacted its history to revision " + compacted.getCompactedRevision() + ", past the watch's resume revision " + next);
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

  /** Drops the current watcher and tries again after a jittered backoff. */
  private void failed(String message) {
    lastError = message;
    log.warn("dynconf: " + message + "; resuming from revision " + next);
    Client used = watcherClient;
    closeWatcher();
    if (++failuresInARow >= 3 && used != null) {
      // Repeated failures without an answer: the channel may sit in gRPC's own reconnect backoff
      // long after the network is back. A fresh client dials at once on the next attempt.
      replaceClient.apply(used);
    }
    state = EtcdStatus.State.RECONNECTING;
    reconnects++;
    long wait = ThreadLocalRandom.current().nextLong(delayMillis + 1); // full jitter
    delayMillis = Math.min(backoffMaxMillis, Math.max(1, delayMillis) * 2);
    scheduler.schedule((Runnable) this::connect, wait, TimeUnit.MILLISECONDS);
  }

  private synchronized void supervise() {
    if (ended || watcher == null) {
      return;
    }
    long idle = clock.millis() - lastActivityMillis;
    if (idle >= 2 * progressMillis) {
      Client dead = watcherClient;
      failed("the etcd watch on " + prefixText + " was silent for " + idle + " ms (no answer to progress requests)");
      if (dead != null) {
        replaceClient.apply(dead); // the connection itself may be dead: the next attempt dials anew
      }
    } else if (idle >= progressMillis) {
      try {
        watcher.requestProgress();
      } catch (RuntimeException e) {
        failed("cannot request progress on the etcd watch: " + e);
      }
    }
  }

  private void reset(String reason) {
    lastError = reason;
    log.warn("dynconf: " + reason + "; asking for a relist");
    end(EtcdStatus.State.IDLE);
    listener.onReset(reason);
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
