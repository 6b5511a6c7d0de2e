package io.dynconf.core.internal;

import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's revision model in memory, shared by {@code InMemorySource} and {@code FileSource}: keys
 * with create and mod revisions, one store revision that every changing transaction moves by one,
 * a bounded history of per-revision event batches, and watches that replay that history and then
 * follow live changes.
 *
 * <p><b>Locking and delivery.</b> One monitor guards the state. Changes are appended, under it, to
 * a queue per watch, so every queue is in revision order. Listeners are never called under the
 * monitor: {@link #deliver()} (and the methods that say so) drain the queues on the calling thread.
 * A watch is drained by one thread at a time. A writer that finds another thread delivering waits
 * for it (back-pressure: a fast writer cannot keep a slow listener's deliverer busy for ever), so a
 * top-level write returns after its events were delivered. A write from inside a listener never
 * waits: its batches are delivered after the current callback returns, by the thread already
 * delivering. So a listener sees revisions in order, from one thread at a time, with no lock of
 * this store held, and may call the store (even write to it) from inside the callback; it must not
 * wait for another thread that writes to the same store. {@link #apply} does not deliver, so that a
 * caller can apply under its own lock and deliver after releasing it.
 */
public final class MemStore {
  private static final Logger LOG = LoggerFactory.getLogger(MemStore.class);

  private record Batch(long revision, List<ChangeEvent> events) {}

  private record Reset(String reason) {}

  private final TreeMap<String, KeyValue> kvs = new TreeMap<>();
  private final ArrayDeque<Batch> history = new ArrayDeque<>();
  private final List<MemWatch> watches = new ArrayList<>();
  private final long initialRevision;
  private final int historyLimit;
  private long revision;
  /** The oldest revision a new watch may start from; older ones were compacted. */
  private long oldestWatchable = 1;
  private boolean closed;

  /**
   * @param initialRevision the revision of the empty store (1 like a fresh etcd; 0 for a store
   *     whose first change should be revision 1)
   * @param historyLimit how many revisions of history to keep; older ones are compacted away
   */
  public MemStore(long initialRevision, int historyLimit) {
    if (initialRevision < 0 || historyLimit < 1) {
      throw new IllegalArgumentException("initialRevision must be >= 0 and historyLimit >= 1");
    }
    this.initialRevision = initialRevision;
    this.historyLimit = historyLimit;
    this.revision = initialRevision;
  }

  public synchronized long revision() {
    open();
    return revision;
  }

  public synchronized Listing list() {
    open();
    return new Listing(revision, new ArrayList<>(kvs.values()));
  }

  public synchronized @Nullable KeyValue get(String key) {
    open();
    return kvs.get(key);
  }

  /**
   * Applies {@code txn} (keys are not checked here) and queues its events for every watch; does
   * not deliver: call {@link #deliver()} afterwards, outside the caller's locks.
   */
  /** True when every comparison of {@code txn} holds now (its key comparisons and its {@link Txn.Unchanged} ranges). */
  public synchronized boolean holds(Txn txn) {
    for (Txn.Compare c : txn.compares()) {
      KeyValue kv = kvs.get(c.key());
      if ((kv == null ? 0 : kv.modRevision()) != c.modRevision()) {
        return false;
      }
    }
    for (Txn.Unchanged u : txn.unchanged()) {
      for (KeyValue kv : kvs.tailMap(u.keyPrefix(), true).values()) {
        if (!kv.key().startsWith(u.keyPrefix())) {
          break;
        }
        if (!u.allows(kv)) {
          return false;
        }
      }
    }
    return true;
  }

  public synchronized TxnResult apply(Txn txn) {
    open();
    if (!holds(txn)) {
      return new TxnResult(false, revision);
    }
    long next = revision + 1;
    List<ChangeEvent> events = new ArrayList<>(txn.ops().size());
    for (Txn.Op op : txn.ops()) {
      KeyValue old = kvs.get(op.key());
      if (op.isDelete()) {
        if (old != null) {
          kvs.remove(op.key());
          events.add(ChangeEvent.delete(op.key(), next));
        }
      } else {
        KeyValue kv = new KeyValue(op.key(), Objects.requireNonNull(op.value()), old == null ? next : old.createRevision(), next);
        kvs.put(op.key(), kv);
        events.add(ChangeEvent.put(kv));
      }
    }
    if (events.isEmpty()) {
      return new TxnResult(true, revision); // only deletes of absent keys: nothing changed
    }
    revision = next;
    Batch batch = new Batch(next, List.copyOf(events));
    history.addLast(batch);
    while (history.size() > historyLimit) {
      oldestWatchable = history.removeFirst().revision() + 1;
    }
    for (MemWatch w : watches) {
      if (next >= w.from) {
        w.queue.add(batch);
      }
    }
    return new TxnResult(true, next);
  }

  /** Delivers every queued batch to every live watch, on the calling thread. */
  public void deliver() {
    List<MemWatch> live;
    synchronized (this) {
      live = List.copyOf(watches);
    }
    live.forEach(MemWatch::drain);
  }

  /**
   * Starts a watch at {@code from} (inclusive; 0 means the next revision). Replays the retained
   * history on the calling thread before returning; a compacted {@code from} gets {@code onReset}
   * there too, and the watch has then ended.
   */
  public Watch watch(long from, WatchListener listener) {
    if (from < 0) {
      throw new IllegalArgumentException("watch revision must not be negative, was " + from);
    }
    MemWatch w;
    synchronized (this) {
      open();
      long start = from == 0 ? revision + 1 : from;
      w = new MemWatch(this, start, listener);
      if (start < oldestWatchable) {
        w.queue.add(new Reset("revision " + start + " has been compacted; the oldest revision that can be watched is " + oldestWatchable));
      } else {
        for (Batch b : history) {
          if (b.revision() >= start) {
            w.queue.add(b);
          }
        }
        watches.add(w);
      }
    }
    w.drain(false); // never waits: the caller may hold a lock that a listener needs
    return w;
  }

  /** Drops the history below {@code compactRevision}; a later watch from below it is reset. Delivers nothing. */
  public synchronized void compact(long compactRevision) {
    open();
    if (compactRevision < 1 || compactRevision > revision) {
      throw new IllegalArgumentException("cannot compact at " + compactRevision + ": the current revision is " + revision);
    }
    while (!history.isEmpty() && history.peekFirst().revision() < compactRevision) {
      history.removeFirst();
    }
    oldestWatchable = Math.max(oldestWatchable, compactRevision);
  }

  /** Every live watch gets {@code onReset(reason)} and ends; delivered on the calling thread. */
  public void resetWatches(String reason) {
    endWatches(reason, false);
  }

  /** Queues the last {@code n} retained revisions again for every live watch and delivers them. */
  public void redeliverLast(int n) {
    List<MemWatch> live;
    synchronized (this) {
      open();
      List<Batch> last = new ArrayList<>(history).subList(Math.max(0, history.size() - n), history.size());
      for (MemWatch w : watches) {
        for (Batch b : last) {
          if (b.revision() >= w.from) {
            w.queue.add(b);
          }
        }
      }
      live = List.copyOf(watches);
    }
    live.forEach(MemWatch::drain);
  }

  /** Removes every key and the history, sets the revision back to its initial value, resets every watch. */
  public void wipe(String reason) {
    endWatches(reason, true);
  }

  /** Ends every watch silently; every later call throws {@link SourceException}. */
  public synchronized void close() {
    closed = true;
    for (MemWatch w : watches) {
      w.closed = true;
      w.queue.clear();
    }
    watches.clear();
  }

  private void endWatches(String reason, boolean wipe) {
    List<MemWatch> ended;
    synchronized (this) {
      open();
      if (wipe) {
        kvs.clear();
        history.clear();
        revision = initialRevision;
        oldestWatchable = 1;
      }
      ended = List.copyOf(watches);
      watches.clear();
      ended.forEach(w -> w.queue.add(new Reset(reason)));
    }
    ended.forEach(MemWatch::drain);
  }

  private synchronized void remove(MemWatch w) {
    watches.remove(w);
  }

  private void open() {
    if (closed) {
      throw new SourceException("the source is closed");
    }
  }

  /**
   * One watch: a queue in revision order and a lock that lets one thread at a time deliver it.
   *
   * <p>A top-level caller (a writer, not inside any listener of a {@code MemStore}) takes the lock,
   * waiting for a thread already delivering, and delivers until the queue is empty: so a write
   * returns only after its events were delivered, and writers are held back while a slow listener
   * catches up (a writer that never waited could keep the delivering thread busy for ever). A
   * caller inside a listener never waits: its batches are left to the thread already delivering,
   * which delivers them after the current callback returns; so is {@link MemStore#watch}, which may
   * run under a caller's lock that a listener needs.
   */
  private static final class MemWatch implements Watch {
    /** How many {@code MemStore} deliveries the current thread is inside (any store). */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    final MemStore store;
    final long from;
    final WatchListener listener;
    final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    final ReentrantLock lock = new ReentrantLock();
    volatile boolean closed;

    MemWatch(MemStore store, long from, WatchListener listener) {
      this.store = store;
      this.from = from;
      this.listener = listener;
    }

    /** Delivers, waiting for the current deliverer when called at top level. */
    void drain() {
      drain(DEPTH.get()[0] == 0);
    }

    void drain(boolean mayWait) {
      int[] depth = DEPTH.get();
      while (!closed && !queue.isEmpty()) {
        if (lock.isHeldByCurrentThread()) {
          return; // a write from this watch's own callback: the loop below delivers it next
        }
        if (mayWait) {
          lock.lock();
        } else if (!lock.tryLock()) {
          return; // the thread holding the lock delivers it: it drains until the queue is empty
        }
        depth[0]++;
        try {
          Object item;
          while (!closed && (item = queue.poll()) != null) {
            deliver(item);
          }
        } finally {
          depth[0]--;
          lock.unlock();
        }
        // loop: a batch left by a non-waiting caller after our last poll is ours to deliver
      }
    }

    private void deliver(Object item) {
      try {
        if (item instanceof Batch b) {
          listener.onEvents(b.events());
        } else {
          closed = true;
          queue.clear();
          listener.onReset(((Reset) item).reason());
        }
      } catch (RuntimeException e) {
        LOG.warn("a watch listener threw; delivery goes on", e);
      }
    }

    @Override
    public void close() {
      closed = true;
      queue.clear();
      store.remove(this);
    }
  }
}
