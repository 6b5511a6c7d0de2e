package io.dynconf.examples.gateway.plugin.builtin;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one report a second of something the loggers count (dropped entries, failed sends,
 * entries that could not be built): a log line per event would flood the log during the outage
 * that causes them. Thread-safe.
 */
final class ReportThrottle {
  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong since = new AtomicLong();
  private final AtomicLong last = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);

  /**
   * Counts {@code n} events; when a report is due now, returns how many were counted since the last
   * one (the caller writes the report), else 0.
   */
  long count(long n) {
    long counted = since.addAndGet(n);
    long now = System.nanoTime();
    long previous = last.get();
    if (now - previous >= INTERVAL_NANOS && last.compareAndSet(previous, now)) {
      since.addAndGet(-counted);
      return counted;
    }
    return 0;
  }
}
