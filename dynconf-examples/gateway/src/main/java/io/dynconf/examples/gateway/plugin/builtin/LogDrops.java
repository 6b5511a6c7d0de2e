package io.dynconf.examples.gateway.plugin.builtin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logger plugin's dropped entries, counted by reason (the counters {@code
 * dropped_entries_<reason>} and their sum {@code dropped_entries}) and reported in an error line at
 * most once a second ({@link ReportThrottle}). Thread-safe.
 */
final class LogDrops {
  private static final Logger LOG = LoggerFactory.getLogger(LogDrops.class);

  private final String plugin;
  private final Map<String, LongAdder> byReason = new LinkedHashMap<>();
  private final ReportThrottle throttle = new ReportThrottle();

  /** {@code reasons}: every reason this plugin drops for, in the order its counters are listed. */
  LogDrops(String plugin, List<String> reasons) {
    this.plugin = plugin;
    for (String r : reasons) {
      byReason.put(r, new LongAdder());
    }
  }

  /**
   * Counts {@code n} entries dropped for {@code reason} and reports them when a report is due, with
   * {@code detail} (the cause, or null) and {@code state} (what is waiting, for the report only).
   */
  void drop(long n, String reason, @Nullable String detail, Supplier<String> state) {
    if (n <= 0) {
      return;
    }
    count(n, reason);
    long since = throttle.count(n);
    if (since > 0) {
      LOG.error("{}: dropped {} log entries since the last report (this one: {}{}); {}; dropped in all: {}", plugin, since, reason,
          detail == null ? "" : ": " + detail, state.get(), counts());
    }
  }

  /** Counts {@code n} entries dropped for {@code reason} without a report (the caller writes its own). */
  void count(long n, String reason) {
    Objects.requireNonNull(byReason.get(reason), reason).add(n);
  }

  /** The drops by reason. */
  Map<String, Long> counts() {
    Map<String, Long> out = new LinkedHashMap<>();
    byReason.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Adds {@code dropped_entries_<reason>} for each reason, then their sum {@code dropped_entries}, to {@code counters}. */
  void addTo(Map<String, Long> counters) {
    long all = 0;
    for (Map.Entry<String, Long> d : counts().entrySet()) {
      all += d.getValue();
      counters.put("dropped_entries_" + d.getKey(), d.getValue());
    }
    counters.put("dropped_entries", all);
  }
}
