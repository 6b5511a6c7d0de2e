package io.dynconf.core;

import io.dynconf.core.Validator.Checked;
import io.dynconf.core.spi.ChangeEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * What the watch hands to the apply thread, bounded by coalescing <em>after</em> validation: the
 * watch's thread validates each event, then per key only the newest valid value (or delete) and
 * the newest rejection after it are kept, so a valid value is never replaced by a newer invalid one
 * before the last-good rule has seen both. The queue thus holds at most one slot per key changed
 * since the apply thread last drained it; past {@code maxKeys} keys it is dropped and a relist
 * asked for (the listing brings everything back). Signals of a replaced watch (older generation)
 * are ignored.
 */
final class EventQueue {
  /** Per key: the newest valid put or delete, and the newest rejected put after it. */
  private static final class Slot {
    @Nullable Checked base;
    @Nullable Checked rejected;
    long newest;
  }

  /** One drain: the events in per-key order, the progress revision, and what else was signalled. */
  record Drained(List<Checked> events, long newestRevision, long progress, @Nullable String reset, @Nullable Throwable fatal, boolean stop) {}

  private final Validator validator;
  private final int maxKeys;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signalled = lock.newCondition();
  private int generation;
  private LinkedHashMap<String, Slot> slots = new LinkedHashMap<>();
  private long newestRevision = -1;
  private long progress = -1;
  private @Nullable String reset;
  private @Nullable Throwable fatal;
  private boolean stop;

  EventQueue(Validator validator, int maxKeys) {
    this.validator = validator;
    this.maxKeys = maxKeys;
  }

  /** Forgets everything queued and starts a new generation; signals of older ones are ignored. */
  int newGeneration() {
    lock.lock();
    try {
      generation++;
      slots = new LinkedHashMap<>();
      newestRevision = -1;
      progress = -1;
      reset = null;
      fatal = null;
      return generation;
    } finally {
      lock.unlock();
    }
  }

  /** On the watch's thread: validates, then coalesces. */
  void events(int gen, List<ChangeEvent> events) {
    List<Checked> checked = new ArrayList<>(events.size());
    try {
      for (ChangeEvent e : events) {
        Checked c = validator.check(e);
        if (c != null) {
          checked.add(c);
        }
      }
    } catch (VirtualMachineError e) {
      signal(gen, null, e);
      return;
    }
    long newest = events.isEmpty() ? -1 : events.get(events.size() - 1).modRevision();
    lock.lock();
    try {
      if (gen != generation) {
        return;
      }
      for (Checked c : checked) {
        merge(c);
      }
      newestRevision = Math.max(newestRevision, newest);
      if (slots.size() > maxKeys) {
        slots = new LinkedHashMap<>();
        reset = "more than " + maxKeys + " keys changed faster than they could be applied (dropped from the queue; relisting)";
      }
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void merge(Checked c) {
    Slot s = slots.get(c.event().key());
    if (s == null) {
      s = new Slot();
      slots.put(c.event().key(), s);
    } else if (c.event().modRevision() <= s.newest) {
      return; // a redelivery
    }
    s.newest = c.event().modRevision();
    if (c.isRejected()) {
      s.rejected = c; // the valid value before it (if any) stays: the last-good rule must see both
    } else {
      s.base = c;
      s.rejected = null;
    }
  }

  void progress(int gen, long revision) {
    lock.lock();
    try {
      if (gen == generation) {
        progress = Math.max(progress, revision);
        signalled.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  void reset(int gen, String reason) {
    signal(gen, reason, null);
  }

  private void signal(int gen, @Nullable String resetReason, @Nullable Throwable error) {
    lock.lock();
    try {
      if (gen == generation) {
        if (resetReason != null && reset == null) {
          reset = resetReason;
        }
        if (error != null && fatal == null) {
          fatal = error;
        }
        signalled.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  void stop() {
    lock.lock();
    try {
      stop = true;
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Sleeps up to {@code millis}, waking early only for {@link #stop()}; true when stopped. */
  boolean awaitStop(long millis) throws InterruptedException {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!stop && nanos > 0) {
        nanos = signalled.awaitNanos(nanos);
      }
      return stop;
    } finally {
      lock.unlock();
    }
  }

  boolean stopped() {
    lock.lock();
    try {
      return stop;
    } finally {
      lock.unlock();
    }
  }

  /** Keys waiting for the apply thread. */
  int size() {
    lock.lock();
    try {
      return slots.size();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code millis} for anything; null when nothing came. Takes everything queued. */
  @Nullable Drained poll(long millis) throws InterruptedException {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!stop && slots.isEmpty() && progress < 0 && reset == null && fatal == null) {
        if (nanos <= 0) {
          return null;
        }
        nanos = signalled.awaitNanos(nanos);
      }
      List<Checked> out = new ArrayList<>(slots.size() + 1);
      for (Map.Entry<String, Slot> e : slots.entrySet()) {
        Slot s = e.getValue();
        if (s.base != null) {
          out.add(s.base);
        }
        if (s.rejected != null) {
          out.add(s.rejected);
        }
      }
      Drained d = new Drained(out, newestRevision, progress, reset, fatal, stop);
      slots = new LinkedHashMap<>();
      newestRevision = -1;
      progress = -1;
      reset = null;
      fatal = null;
      return d;
    } finally {
      lock.unlock();
    }
  }
}
