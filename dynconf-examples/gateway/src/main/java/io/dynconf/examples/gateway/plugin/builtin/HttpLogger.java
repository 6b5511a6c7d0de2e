package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code http-logger} (priority 410): each request's log entry is POSTed, in batches, to
 * {@code uri} ({@code http://} or {@code https://}, with {@code auth_header} as its {@code
 * Authorization}, {@code ssl_verify} for https, {@code timeout} seconds for each of connect, send and
 * read). {@code concat_method} {@code json} sends a batch as a JSON array (one object when {@code
 * batch_max_size} is 1), {@code new_line} as one JSON object per line. The entry is APISIX's default
 * one (request with headers and query, response with headers, server, upstream, route and service
 * ids, consumer, client address, start time and latencies; bodies with {@code include_req_body} /
 * {@code include_resp_body}, each cut at {@code max_req_body_bytes} / {@code max_resp_body_bytes} and
 * filtered by {@code include_req_body_expr} / {@code include_resp_body_expr}), or the {@code
 * log_format} of the route's configuration, else of the plugin metadata ({@code $name} values are
 * variables), and {@code log_format_extra} adds fields to the default entry.
 *
 * <p>Batching, bounds and what is reported when entries are dropped: {@link LogBatcher}. The log
 * phase only builds the entry and hands it over; the sends run on the batcher's own threads, by
 * blocking sockets each bounded by a watchdog that closes the socket at the deadline. Counters:
 * {@link #counters()} (the gateway's status and metrics).
 */
public final class HttpLogger extends BatchedLogger<HttpLogger.Config> {
  /** APISIX's {@code core.schema.uri_def}. */
  private static final Pattern URI_DEF = Pattern.compile("^[^/]+://([\\da-zA-Z.-]+|\\[[\\da-fA-F:]+\\])(:\\d+)?");
  private static final int ERROR_BODY = 1024;
  private static final Set<String> FIELDS = fields("uri", "auth_header", "timeout", "concat_method", "ssl_verify");

  /** The compiled configuration, with the buffer of this configured instance. */
  public static final class Config extends BatchedLogger.Instance {
    final URI uri;
    final String host;
    final int port;
    final boolean https;
    final @Nullable String authHeader;
    final int timeoutSeconds;
    final boolean json;
    final boolean sslVerify;

    Config(URI uri, String host, int port, boolean https, @Nullable String authHeader, int timeoutSeconds, boolean json,
        boolean sslVerify, LogEntries.Common common, HttpLogger plugin) {
      super(common, plugin);
      this.uri = uri;
      this.host = host;
      this.port = port;
      this.https = https;
      this.authHeader = authHeader;
      this.timeoutSeconds = timeoutSeconds;
      this.json = json;
      this.sslVerify = sslVerify;
    }
  }

  public HttpLogger() {
    super("http-logger", 410);
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, FIELDS, Set.of());
    String uri = c.string("uri");
    if (uri == null) {
      throw new InvalidConfigException("/uri", "required");
    }
    if (!URI_DEF.matcher(uri).find()) {
      throw new InvalidConfigException("/uri", "must be scheme://host[:port][/path] (APISIX's uri_def)");
    }
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new InvalidConfigException("/uri", "not a URI: " + e.getReason());
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidConfigException("/uri", "the scheme must be http or https, got " + parsed.getScheme());
    }
    String host = parsed.getHost();
    if (host == null) {
      throw new InvalidConfigException("/uri", "no host");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean https = scheme.equals("https");
    int port = parsed.getPort() > 0 ? parsed.getPort() : https ? 443 : 80;
    if (port > 65535) {
      throw new InvalidConfigException("/uri", "port out of range: " + port);
    }
    String concat = c.string("concat_method", "json");
    if (!concat.equals("json") && !concat.equals("new_line")) {
      throw new InvalidConfigException("/concat_method", "must be json or new_line, got " + concat);
    }
    LogEntries.Common common = LogEntries.Common.read(c, "http logger");
    return new Config(parsed, host, port, https, c.string("auth_header"), (int) c.integer("timeout", 3, 1, 86_400), concat.equals("json"),
        c.bool("ssl_verify", false), common, this);
  }

  /** One batch, POSTed (on a sender thread). */
  @Override
  int send(Config config, List<Object> entries, int batchMaxSize) throws IOException {
    byte[] body = encode(config, entries, batchMaxSize);
    long timeoutMillis = config.timeoutSeconds * 1000L;
    // the deadline: a server that accepts and never reads or answers cannot hold a sender past
    // connect + send + read (each bounded by the timeout, as resty.http's set_timeout)
    LogSockets.Connection c = sockets.open(3 * timeoutMillis);
    try (c) {
      Socket s = c.connect(config.host, config.port, (int) Math.min(Integer.MAX_VALUE, timeoutMillis), config.https, null, config.sslVerify);
      OutputStream out = s.getOutputStream();
      String path = config.uri.getRawPath() == null || config.uri.getRawPath().isEmpty() ? "/" : config.uri.getRawPath();
      if (config.uri.getRawQuery() != null) {
        path += "?" + config.uri.getRawQuery();
      }
      StringBuilder head = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(config.host.indexOf(':') >= 0 ? "[" + config.host + "]" : config.host)
          .append(config.uri.getPort() > 0 ? ":" + config.uri.getPort() : "").append("\r\n")
          .append("Content-Type: ").append(config.json ? "application/json" : "text/plain").append("\r\n")
          .append("Content-Length: ").append(body.length).append("\r\n")
          .append("User-Agent: dynconf-http-logger\r\n")
          .append("Connection: close\r\n");
      if (config.authHeader != null) {
        head.append("Authorization: ").append(config.authHeader).append("\r\n");
      }
      head.append("\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      String statusLine = line(in);
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new IOException("error while sending data to [" + config.host + "] port[" + config.port + "]: not an HTTP answer: "
            + statusLine);
      }
      int status = Integer.parseInt(parts[1].trim());
      if (status >= 400) {
        String line;
        while (!(line = line(in)).isEmpty()) { // the headers
          if (line.length() > 8192) {
            break;
          }
        }
        byte[] buf = in.readNBytes(ERROR_BODY);
        throw new IOException("server returned status code[" + status + "] host[" + config.host + "] port[" + config.port
            + "] body[" + new String(buf, StandardCharsets.UTF_8) + "]");
      }
      return 0;
    } catch (java.net.SocketTimeoutException e) {
      throw new IOException("timed out (" + config.timeoutSeconds + " s) sending data to [" + config.host + "] port[" + config.port + "]", e);
    } catch (java.net.SocketException e) {
      if (c.expired()) {
        throw new IOException("no answer from [" + config.host + "] port[" + config.port + "] within " + 3 * config.timeoutSeconds + " s", e);
      }
      throw new IOException("failed to connect to host[" + config.host + "] port[" + config.port + "] " + e.getMessage(), e);
    } catch (NumberFormatException e) {
      throw new IOException("error while sending data to [" + config.host + "] port[" + config.port + "]: bad status line", e);
    }
  }

  /** A line of the answer's head, at most 8 KiB. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (b.size() < 8192) {
        b.write(c);
      }
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  /** A batch's body: json (an array, or the object itself when batch_max_size is 1) or new_line (one object per line). */
  static byte[] encode(Config config, List<Object> entries, int batchMaxSize) throws IOException {
    if (config.json || batchMaxSize == 1) {
      return LogEntries.json(entries, batchMaxSize);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < entries.size(); i++) {
      if (i > 0) {
        out.write('\n');
      }
      out.write(LogEntries.json(entries.subList(i, i + 1), 1));
    }
    return out.toByteArray();
  }
}
