package io.dynconf.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The waits of {@link ConfigRegistry#whenServed}: each completes when its revision is served, told by
 * the two threads that move what "served" reads — the notifier after the listeners saw an update
 * ({@link #delivered}), the apply thread after it applied a batch ({@link #signal}). Nothing polls.
 *
 * <p>Bounded: at most {@link #MAX_WAITERS} waits are held; waits completed elsewhere (a timeout, a
 * cancel) leave at the next signal that reaches them or when the bound is hit, and a wait past the
 * bound fails at once rather than grow the queue.
 */
final class ServedWaiters {
  /** The most waits held at once. */
  static final int MAX_WAITERS = 16_384;

  private record Waiter(long revision, CompletableFuture<Void> future) {}

  private final LongSupplier appliedRevision;
  private final Supplier<ConfigSnapshot> current;
  private final Object lock = new Object();
  private final PriorityQueue<Waiter> queue = new PriorityQueue<>(Comparator.comparingLong(Waiter::revision)); // guarded by lock
  private boolean closed; // guarded by lock
  /** The newest snapshot every listener has seen (published with no listener: seen at once). */
  private volatile @Nullable ConfigSnapshot delivered;

  /** {@code appliedRevision} and {@code current}: the apply loop's, read when a wait is judged. */
  ServedWaiters(LongSupplier appliedRevision, Supplier<ConfigSnapshot> current) {
    this.appliedRevision = appliedRevision;
    this.current = current;
  }

  /**
   * Whether {@code revision} is served: the listeners have seen a snapshot at that revision or
   * later; or it is applied without a snapshot of its own (it changed nothing held here) and every
   * published snapshot has been seen. The loop marks a revision applied only after publishing the
   * snapshot that holds it, so reading the applied revision before the newest snapshot cannot miss
   * one.
   */
  boolean served(long revision) {
    ConfigSnapshot seen = delivered;
    if (seen == null) {
      return false;
    }
    if (seen.revision() >= revision) {
      return true;
    }
    return appliedRevision.getAsLong() >= revision && current.get() == seen;
  }

  CompletableFuture<Void> await(long revision) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (served(revision)) {
      f.complete(null);
      return f;
    }
    synchronized (lock) {
      if (closed) {
        f.completeExceptionally(new IllegalStateException("the registry is closed"));
        return f;
      }
      if (queue.size() >= MAX_WAITERS) {
        queue.removeIf(w -> w.future().isDone());
        if (queue.size() >= MAX_WAITERS) {
          f.completeExceptionally(new RejectedExecutionException(
              MAX_WAITERS + " waits for a revision to be served are pending (is the registry stuck? see its status)"));
          return f;
        }
      }
      queue.add(new Waiter(revision, f));
    }
    signal(); // it may have been served between the first check and the insertion
    return f;
  }

  /** Every listener has seen {@code snapshot}. */
  void delivered(ConfigSnapshot snapshot) {
    delivered = snapshot;
    signal();
  }

  /** Completes the waits now served; any thread, after what {@link #served} reads has moved. */
  void signal() {
    @Nullable List<CompletableFuture<Void>> ready = null;
    synchronized (lock) {
      while (!queue.isEmpty()) {
        Waiter w = queue.peek();
        if (!w.future().isDone() && !served(w.revision())) {
          break;
        }
        queue.poll();
        if (!w.future().isDone()) {
          if (ready == null) {
            ready = new ArrayList<>();
          }
          ready.add(w.future());
        }
      }
    }
    if (ready != null) {
      for (CompletableFuture<Void> f : ready) {
        f.complete(null); // outside the lock: dependent stages run here
      }
    }
  }

  /** Fails every pending wait, and every later one. */
  void close() {
    List<Waiter> left;
    synchronized (lock) {
      closed = true;
      left = new ArrayList<>(queue);
      queue.clear();
    }
    for (Waiter w : left) {
      w.future().completeExceptionally(new IllegalStateException("the registry closed before revision " + w.revision() + " was served"));
    }
  }

  /** Waits held (done ones not yet dropped included): a test hook. */
  int size() {
    synchronized (lock) {
      return queue.size();
    }
  }
}
