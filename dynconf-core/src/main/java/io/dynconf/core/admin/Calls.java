package io.dynconf.core.admin;

import io.dynconf.core.spi.SourceException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Source calls bounded by one request's deadline. Each call runs on the executor and is awaited for
 * at most the time left; a call still running then is abandoned (the source's own deadline ends
 * it) and the request answers 503. Reads of a source that {@link
 * io.dynconf.core.spi.ConfigSource#readsFromMemory() reads from memory} run on the caller's thread
 * (after the same deadline check), sparing two thread hand-offs each. Not thread-safe: one
 * instance per request.
 */
final class Calls {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Calls.class);
  private final ExecutorService executor;
  private final Duration timeout;
  private final long deadlineNanos;
  private final boolean inlineReads;

  /** {@code startNanos}: when the request arrived ({@link System#nanoTime()}); the deadline is {@code timeout} after it. */
  Calls(ExecutorService executor, Duration timeout, long startNanos, boolean inlineReads) {
    this.executor = executor;
    this.timeout = timeout;
    this.inlineReads = inlineReads;
    this.deadlineNanos = startNanos + timeout.toNanos();
  }

  /**
   * Before attempt {@code attempt} of a compare-and-retry loop: from the fourth on, waits a random
   * while (up to {@code attempt} ms, at most 20, never past the deadline) so that writers that keep
   * colliding spread out. Loops retry until the deadline; the next call then answers 503.
   */
  void backoff(int attempt) {
    if (attempt < 3) {
      return;
    }
    long pause = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(java.util.concurrent.ThreadLocalRandom.current().nextInt(Math.min(attempt, 20)) + 1);
    long left = deadlineNanos - System.nanoTime();
    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, Math.min(pause, left)));
  }

  <T> T call(String what, boolean write, Supplier<T> op) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      throw unavailable(what, "the request deadline of " + millis(timeout) + " passed", write);
    }
    if (inlineReads && !write) {
      if (executor.isShutdown()) {
        throw new Problem(503, "the admin API is closed"); // as a call the executor rejects
      }
      try {
        return op.get();
      } catch (SourceException e) {
        throw unavailable(what, String.valueOf(e.getMessage() != null ? e.getMessage() : e), false);
      } catch (RuntimeException e) {
        LOG.warn("dynconf admin: {} failed", what, e);
        throw unavailable(what, e.toString(), false);
      }
    }
    Future<T> f;
    try {
      f = executor.submit(op::get);
    } catch (RejectedExecutionException e) {
      throw new Problem(503, "the admin API is closed");
    }
    try {
      return f.get(remaining, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw unavailable(what, "no answer within the request deadline of " + millis(timeout), write);
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw unavailable(what, "interrupted", write);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SourceException se) {
        throw unavailable(what, String.valueOf(se.getMessage() != null ? se.getMessage() : se), write);
      }
      if (cause instanceof RuntimeException re) { // a source that fails otherwise than documented is still unavailable
        LOG.warn("dynconf admin: {} failed", what, re);
        throw unavailable(what, re.toString(), write);
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  private static Problem unavailable(String what, String reason, boolean write) {
    return new Problem(503, "the configuration store is unavailable: " + what + ": " + reason
        + (write ? " (the write may or may not have been applied; read the resource to find out)" : ""));
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }
}
