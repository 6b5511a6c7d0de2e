package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.match.VarLookup;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.ResponseHead;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phases every logger plugin here runs the same way, given its metadata holder: {@link #access}
 * keeps what the log phase will need of the bodies, {@link #headerFilter} keeps the response
 * headers, {@link #log} builds the entry (the route's {@code log_format}, else the metadata's, else
 * APISIX's default entry) and hands it to the plugin's {@link Sink}. The log phase never fails the
 * exchange: an entry that cannot be built (or handed over) is counted ({@code entry_failures} in
 * {@link #counters()}) and reported in a warning at most once a second per plugin, with the number of
 * failures since the last one, so that a configuration failing on every request cannot flood the log.
 * Thread-safe.
 */
final class LogPhases {
  private static final Logger LOG = LoggerFactory.getLogger(LogPhases.class);

  /** Takes one built entry (on the event loop: must not block). */
  interface Sink {
    void offer(Map<String, Object> entry, LogEntries.Vars vars);
  }

  private final String plugin;
  private final LoggerMetadata metadata;
  private final String headersKey;
  private final LongAdder failures = new LongAdder();
  private final ReportThrottle reports = new ReportThrottle();

  LogPhases(String plugin, LoggerMetadata metadata) {
    this.plugin = plugin;
    this.metadata = metadata;
    this.headersKey = plugin + ".response_headers";
  }

  LoggerMetadata metadata() {
    return metadata;
  }

  /** The access phase: asks the proxy to keep what the log phase will need of the bodies. */
  void access(LogEntries.Common common, PluginContext ctx) {
    common.captureBodies(ctx, metadata.get().logFormat());
  }

  /** The header filter: keeps the response headers for the entry. */
  void headerFilter(PluginContext ctx, ResponseHead head) {
    ctx.state().put(headersKey, head.headers());
  }

  /** The log phase: builds the entry and hands it to {@code sink}; never throws. */
  void log(LogEntries.Common common, PluginContext ctx, int status, long nanos, Sink sink) {
    log(common, ctx, status, nanos, null, sink);
  }

  /**
   * The log phase of a logger with APISIX's {@code match} (file-logger): nothing is logged unless
   * {@code match} (when not null) holds for the request's variables, those of the log phase included.
   */
  void log(LogEntries.Common common, PluginContext ctx, int status, long nanos, @Nullable Predicate<VarLookup> match, Sink sink) {
    try {
      HttpHeaders headers = ctx.state().get(headersKey) instanceof HttpHeaders h ? h : null;
      LogEntries.Vars vars = new LogEntries.Vars(ctx, status, nanos, headers);
      if (match != null && !match.test(vars)) {
        return;
      }
      LogEntries.Metadata m = metadata.get();
      sink.offer(LogEntries.entry(common, m.logFormat(), m.logFormatExtra(), vars), vars);
    } catch (RuntimeException e) { // the log phase must never fail the exchange
      failed(ctx, e);
    }
  }

  private void failed(PluginContext ctx, RuntimeException e) {
    failures.increment();
    long since = reports.count(1);
    if (since > 0) {
      String route = routeId(ctx);
      LOG.warn("{}: could not build the log entry of route {} ({} such failures since the last report, {} in all)", plugin, route, since,
          failures.sum(), e);
    }
  }

  private static @Nullable String routeId(PluginContext ctx) {
    try {
      return ctx.route().id();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** {@code entry_failures}: log phases whose entry could not be built, added to {@code others}. */
  Map<String, Long> counters(Map<String, Long> others) {
    Map<String, Long> out = new LinkedHashMap<>(others);
    out.put("entry_failures", failures.sum());
    return out;
  }
}
