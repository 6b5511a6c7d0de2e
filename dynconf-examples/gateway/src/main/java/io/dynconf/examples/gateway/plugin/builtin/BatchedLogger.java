package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.ResponseHead;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What APISIX's batched loggers here (http-logger, syslog, tcp-logger, udp-logger) do alike: the
 * shared phases ({@link LogPhases}), a batch processor ({@link LogBatcher}) whose sender threads
 * send through {@link LogSockets}, the metadata ({@code log_format}, {@code log_format_extra},
 * {@code max_pending_entries}; one schema for all), and counters. A subclass reads its own fields,
 * sends a batch, and may queue something else than the entry ({@link #queued}). Thread-safe.
 *
 * @param <C> the compiled configuration, which holds the entry fields and the instance's buffer
 */
abstract class BatchedLogger<C extends BatchedLogger.Instance> implements GatewayPlugin<C> {
  private static final String METADATA_SCHEMA = Schemas.load("logger-metadata");

  /**
   * What every compiled configuration of a batched logger holds: its entry fields and its buffer,
   * whose batches go to the plugin's {@link #send} with this configuration.
   */
  abstract static class Instance {
    final LogEntries.Common common;
    final LogBatcher.Queue queue;

    @SuppressWarnings("unchecked")
    <C extends Instance> Instance(LogEntries.Common common, BatchedLogger<C> plugin) {
      this.common = common;
      // the sender runs after configure returned (on a sender thread): the subclass's fields are set by then
      this.queue = plugin.batcher.queue(common.batch(), (entries, batchMaxSize) -> plugin.send((C) this, entries, batchMaxSize));
    }
  }

  final LogBatcher batcher;
  final LogSockets sockets;
  private final String name;
  private final int priority;
  private final String schema;
  private final LogPhases phases;

  /** {@code name}'s logger at APISIX's {@code priority}; its schema is bundled as {@code schema/<name>.json}. */
  BatchedLogger(String name, int priority) {
    this.name = name;
    this.priority = priority;
    this.schema = Schemas.load(name);
    batcher = new LogBatcher(name);
    sockets = new LogSockets(batcher);
    phases = new LogPhases(name, new LoggerMetadata(name, batcher));
  }

  /** The fields of a batched logger: the entry's ({@link LogEntries.Common#FIELDS}), the batch processor's, {@code _meta} and {@code own}. */
  static Set<String> fields(String... own) {
    Set<String> f = new HashSet<>(LogEntries.Common.FIELDS);
    f.addAll(LogEntries.BATCH_FIELDS);
    f.add("_meta");
    f.addAll(List.of(own));
    return Set.copyOf(f);
  }

  /** {@code host}: required, not empty. */
  static String host(Conf c) {
    String host = c.string("host");
    if (host == null) {
      throw new InvalidConfigException("/host", "required");
    }
    if (host.isEmpty()) {
      throw new InvalidConfigException("/host", "must not be empty");
    }
    return host;
  }

  /** {@code port}: required, 1 to 65535. */
  static int port(Conf c) {
    if (!c.has("port")) {
      throw new InvalidConfigException("/port", "required");
    }
    return (int) c.integer("port", 0, 1, 65535);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int priority() {
    return priority;
  }

  @Override
  public final String schema() {
    return schema;
  }

  @Override
  public final String metadataSchema() {
    return METADATA_SCHEMA;
  }

  @Override
  public final void checkMetadata(Map<String, @Nullable Object> metadata) {
    LogEntries.checkMetadata(metadata);
  }

  @Override
  public final void init(PluginEnvironment environment) {
    phases.metadata().init(environment);
  }

  @Override
  public final @Nullable PluginResponse access(C config, PluginContext ctx) {
    phases.access(config.common, ctx);
    return null;
  }

  @Override
  public final void headerFilter(C config, PluginContext ctx, ResponseHead head) {
    phases.headerFilter(ctx, head);
  }

  @Override
  public final void log(C config, PluginContext ctx, int status, long nanos) {
    phases.log(config.common, ctx, status, nanos, (entry, vars) -> config.queue.offer(queued(entry, vars, ctx), LogEntries.estimate(entry, ctx)));
  }

  /**
   * Sends one batch of what {@link #queued} returned (on a sender thread; blocking is fine, bounded
   * by the plugin's timeouts); returns how many entries could not be sent at all (too large: dropped
   * and counted, not retried), throws to have the batch retried or dropped.
   */
  abstract int send(C config, List<Object> entries, int batchMaxSize) throws IOException;

  /** What goes into the buffer for {@code entry}: the entry itself unless the sender needs more of the request (syslog). */
  Object queued(Map<String, Object> entry, LogEntries.Vars vars, PluginContext ctx) {
    return entry;
  }

  @Override
  public final Map<String, Long> counters() {
    return phases.counters(batcher.counters());
  }

  /** Ends the sends in flight (a send blocked on a silent server ends now, not at its deadline), then the batcher. */
  @Override
  public final void close() {
    sockets.close();
    batcher.close();
  }
}
