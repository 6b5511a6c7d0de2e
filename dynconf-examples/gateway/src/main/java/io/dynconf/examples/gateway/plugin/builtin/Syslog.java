package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.PluginContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code syslog} (priority 401): each request's log entry (the same entry as {@code
 * http-logger}'s: the default one, or {@code log_format} from the route or the plugin metadata) is
 * encoded as JSON in an RFC 5424 message, {@code <46>1 <time> <request host> apisix <pid> - -
 * <json>} followed by a newline (facility SYSLOG, severity INFO, as APISIX's rfc5424.lua), and sent
 * in batches to {@code host}:{@code port} over {@code sock_type} {@code tcp} (one connection per
 * batch, the messages one after the other; {@code tls} for TLS, the server's certificate not
 * verified) or {@code udp} (one datagram per message, RFC 5426; a message too large for a datagram
 * is dropped and counted). {@code timeout} (milliseconds) bounds connect and each send; a watchdog
 * closes a connection that takes longer than three timeouts in all.
 *
 * <p>{@code flush_limit}, {@code drop_limit} and {@code pool_size} (the buffering and pooling of
 * lua-resty-logger-socket) are accepted and checked, not used: the batch processor
 * ({@link LogBatcher}) buffers, bounds and counts here.
 */
public final class Syslog extends BatchedLogger<Syslog.Config> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RFC3339_ZULU = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);
  private static final long PID = ProcessHandle.current().pid();
  private static final Set<String> FIELDS = fields("host", "port", "flush_limit", "drop_limit", "timeout", "sock_type", "pool_size", "tls");

  /** One entry with what its RFC 5424 header needs, taken in the log phase. */
  private record Entry(Map<String, Object> fields, @Nullable String host, long millis) {}

  /** The compiled configuration, with the buffer of this configured instance. */
  public static final class Config extends BatchedLogger.Instance {
    final String host;
    final int port;
    final boolean udp;
    final int timeoutMillis;
    final boolean tls;

    Config(String host, int port, boolean udp, int timeoutMillis, boolean tls, LogEntries.Common common, Syslog plugin) {
      super(common, plugin);
      this.host = host;
      this.port = port;
      this.udp = udp;
      this.timeoutMillis = timeoutMillis;
      this.tls = tls;
    }
  }

  public Syslog() {
    super("syslog", 401);
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, FIELDS, Set.of());
    String host = host(c);
    int port = port(c);
    c.integer("flush_limit", 4096, 1, Integer.MAX_VALUE);
    c.integer("drop_limit", 1048576, Integer.MIN_VALUE, Integer.MAX_VALUE);
    c.integer("pool_size", 5, 5, Integer.MAX_VALUE);
    String sockType = c.string("sock_type", "tcp");
    if (!sockType.equals("tcp") && !sockType.equals("udp")) {
      throw new InvalidConfigException("/sock_type", "must be tcp or udp, got " + sockType);
    }
    boolean tls = c.bool("tls", false);
    if (tls && sockType.equals("udp")) {
      throw new InvalidConfigException("/tls", "TLS needs sock_type tcp");
    }
    LogEntries.Common common = LogEntries.Common.read(c, "sys logger");
    return new Config(host, port, sockType.equals("udp"), (int) c.integer("timeout", 3000, 1, Integer.MAX_VALUE), tls, common, this);
  }

  @Override
  Object queued(Map<String, Object> entry, LogEntries.Vars vars, PluginContext ctx) {
    Object host = ctx.request().get("host");
    return new Entry(entry, host == null ? null : host.toString(), vars.endMillis);
  }

  /** One entry as an RFC 5424 message (APISIX's rfc5424.encode("SYSLOG", "INFO", host, "apisix", pid, json)). */
  static byte[] message(Object entry) throws IOException {
    Entry e = (Entry) entry;
    String json;
    try {
      json = JSON.writeValueAsString(e.fields());
    } catch (JsonProcessingException x) {
      throw new IOException("error occurred while encoding the data: " + x.getOriginalMessage(), x);
    }
    String host = e.host() == null || e.host().isEmpty() ? "-" : e.host();
    return ("<46>1 " + RFC3339_ZULU.format(Instant.ofEpochMilli(e.millis())) + " " + host + " apisix " + PID + " - - " + json + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  int send(Config config, List<Object> entries, int batchMaxSize) throws IOException {
    List<byte[]> messages = new ArrayList<>(entries.size());
    for (Object entry : entries) {
      messages.add(message(entry));
    }
    if (config.udp) { // one datagram per message (RFC 5426); one too large is dropped and counted as too_large
      return LogSockets.datagrams(config.host, config.port, messages);
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      all.write(m);
    }
    sockets.send(config.host, config.port, config.timeoutMillis, config.tls, null, all.toByteArray());
    return 0;
  }
}
