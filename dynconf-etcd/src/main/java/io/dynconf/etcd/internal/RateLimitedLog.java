package io.dynconf.etcd.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs each distinct message at most once per interval, then how many repeats it swallowed, so an
 * etcd outage does not flood the log with one line per retry. Thread-safe.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalMillis;
  private final LongSupplier clockMillis;
  private final Map<String, long[]> seen = new ConcurrentHashMap<>(); // message -> {last logged, suppressed}

  public RateLimitedLog(Logger log, long intervalMillis, LongSupplier clockMillis) {
    this.log = log;
    this.intervalMillis = intervalMillis;
    this.clockMillis = clockMillis;
  }

  /** Logs {@code message} at WARN unless it was logged less than an interval ago. */
  public void warn(String message) {
    long now = clockMillis.getAsLong();
    long[] state = seen.computeIfAbsent(message, k -> new long[] {Long.MIN_VALUE / 2, 0});
    synchronized (state) {
      if (now - state[0] >= intervalMillis) {
        long suppressed = state[1];
        state[0] = now;
        state[1] = 0;
        log.warn(suppressed > 0 ? message + " (repeated " + suppressed + " more times)" : message);
      } else {
        state[1]++;
      }
    }
    if (seen.size() > 1000) {
      seen.clear(); // bounded: distinct messages are few; never grow without end
    }
  }
}
