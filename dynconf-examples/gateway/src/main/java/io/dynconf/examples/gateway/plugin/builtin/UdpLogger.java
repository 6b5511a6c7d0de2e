package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.netty.plugin.Conf;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code udp-logger} (priority 400): each request's log entry (as tcp-logger's) is sent in
 * batches to {@code host}:{@code port}, a whole batch in one datagram: one JSON object when {@code
 * batch_max_size} is 1, else a JSON array. A batch whose JSON is larger than a datagram can carry
 * ({@value LogSockets#MAX_DATAGRAM} bytes) is not sent: its entries are dropped and counted as {@code
 * too_large} (APISIX's send fails and the batch is retried, then dropped; a smaller {@code
 * batch_max_size} is the cure either way). {@code timeout} (seconds, default 3) is accepted and
 * checked; sending a datagram does not wait for the server.
 *
 * <p>Batching, bounds and counters: {@link LogBatcher}, as the other loggers.
 */
public final class UdpLogger extends BatchedLogger<UdpLogger.Config> {
  private static final Set<String> FIELDS = fields("host", "port", "timeout");

  /** The compiled configuration, with the buffer of this configured instance. */
  public static final class Config extends BatchedLogger.Instance {
    final String host;
    final int port;

    Config(String host, int port, LogEntries.Common common, UdpLogger plugin) {
      super(common, plugin);
      this.host = host;
      this.port = port;
    }
  }

  public UdpLogger() {
    super("udp-logger", 400);
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, FIELDS, Set.of());
    String host = host(c);
    int port = port(c);
    c.integer("timeout", 3, 1, Integer.MAX_VALUE);
    return new Config(host, port, LogEntries.Common.read(c, "udp logger"), this);
  }

  /** One batch in one datagram; all its entries dropped (too_large) when it cannot be one. */
  @Override
  int send(Config config, List<Object> entries, int batchMaxSize) throws IOException {
    return LogSockets.datagrams(config.host, config.port, List.of(LogEntries.json(entries, batchMaxSize))) == 0 ? 0 : entries.size();
  }
}
