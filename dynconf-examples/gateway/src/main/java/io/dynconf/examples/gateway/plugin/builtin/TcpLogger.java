package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code tcp-logger} (priority 405): each request's log entry (the default one, or
 * {@code log_format} from the route or the plugin metadata, as http-logger's) is sent in batches to
 * {@code host}:{@code port}, one TCP connection per batch, the batch encoded as one JSON object when
 * {@code batch_max_size} is 1, else as a JSON array, and nothing after it (the connection's end
 * delimits it). {@code tls} wraps the connection in TLS, the server's certificate not verified (as
 * APISIX's {@code sslhandshake(true, tls_options, false)}), {@code tls_options} the server name sent
 * (SNI; the host otherwise). {@code timeout} (milliseconds, default 1000) bounds the connect and each
 * write; a deadline closes a connection after three timeouts in all, so a server that accepts and
 * never reads cannot hold a sender.
 *
 * <p>Batching, bounds and counters: {@link LogBatcher}, as the other loggers.
 */
public final class TcpLogger extends BatchedLogger<TcpLogger.Config> {
  private static final Set<String> FIELDS = fields("host", "port", "timeout", "tls", "tls_options");

  /** The compiled configuration, with the buffer of this configured instance. */
  public static final class Config extends BatchedLogger.Instance {
    final String host;
    final int port;
    final int timeoutMillis;
    final boolean tls;
    final @Nullable String serverName;

    Config(String host, int port, int timeoutMillis, boolean tls, @Nullable String serverName, LogEntries.Common common, TcpLogger plugin) {
      super(common, plugin);
      this.host = host;
      this.port = port;
      this.timeoutMillis = timeoutMillis;
      this.tls = tls;
      this.serverName = serverName;
    }
  }

  public TcpLogger() {
    super("tcp-logger", 405);
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, FIELDS, Set.of());
    String host = host(c);
    int port = port(c);
    int timeout = (int) c.integer("timeout", 1000, 1, Integer.MAX_VALUE);
    boolean tls = c.bool("tls", false);
    String serverName = c.string("tls_options");
    if (serverName != null) {
      try {
        new SNIHostName(serverName);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException("/tls_options", "the server name sent in TLS (SNI) must be a host name, got \"" + serverName
            + "\": " + e.getMessage());
      }
    }
    return new Config(host, port, timeout, tls, serverName, LogEntries.Common.read(c, "tcp logger"), this);
  }

  /** One batch over one connection. */
  @Override
  int send(Config config, List<Object> entries, int batchMaxSize) throws IOException {
    sockets.send(config.host, config.port, config.timeoutMillis, config.tls, config.serverName, LogEntries.json(entries, batchMaxSize));
    return 0;
  }
}
