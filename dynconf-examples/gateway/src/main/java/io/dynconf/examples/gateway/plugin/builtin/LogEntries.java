package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.match.VarLookup;
import io.dynconf.core.match.VarsExpression;
import io.dynconf.netty.plugin.BodyCapture;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.HostName;
import io.dynconf.netty.plugin.PluginContext;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What APISIX's loggers (log-util.lua) put in an entry, shared by http-logger and syslog: the
 * default entry ({@link #fullLog}: request, response, server, upstream, route and service ids,
 * consumer, client address, times), a {@code log_format} ({@link Format}: values starting with
 * {@code $} are variables, nested objects up to five levels, anything else a constant, plus
 * {@code route_id} and {@code service_id}), {@code log_format_extra} (fields added to the default
 * entry, never replacing one), and the fields the loggers share ({@link Common}).
 */
final class LogEntries {
  private LogEntries() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** APISIX's default {@code max_req_body_bytes} and {@code max_resp_body_bytes} (512 KiB). */
  static final int MAX_BODY = 524288;
  /** APISIX's limit on nested {@code log_format} objects. */
  static final int MAX_FORMAT_DEPTH = 5;

  /** The fields of APISIX's batch processor (batch-processor.lua), with their defaults. */
  static final Set<String> BATCH_FIELDS = Set.of("name", "batch_max_size", "inactive_timeout", "buffer_duration", "max_retry_count",
      "retry_delay");

  /** A compiled {@code log_format}: keys to variables, constants or nested formats. */
  static final class Format {
    private record Var(String name) {}

    private final Map<String, Object> fields;

    private Format(Map<String, Object> fields) {
      this.fields = fields;
    }

    /** Compiles {@code format} (an object); nesting deeper than {@value #MAX_FORMAT_DEPTH} levels is cut to {@code {}} as APISIX cuts it. */
    static Format compile(Map<?, ?> format) {
      return compile(format, 1);
    }

    private static Format compile(Map<?, ?> format, int depth) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : format.entrySet()) {
        Object v = e.getValue();
        String k = String.valueOf(e.getKey());
        if (v instanceof Map<?, ?> nested) {
          out.put(k, depth >= MAX_FORMAT_DEPTH ? new Format(Map.of()) : compile(nested, depth + 1));
        } else if (v instanceof String s && s.startsWith("$")) {
          out.put(k, new Var(s.substring(1)));
        } else if (v != null) {
          out.put(k, v);
        }
      }
      return new Format(out);
    }

    boolean isEmpty() {
      return fields.isEmpty();
    }

    /** Whether a variable of this format is {@code name} (at any depth). */
    boolean uses(String name) {
      for (Object v : fields.values()) {
        if (v instanceof Var var && var.name().equals(name) || v instanceof Format f && f.uses(name)) {
          return true;
        }
      }
      return false;
    }

    Set<String> keys() {
      return fields.keySet();
    }

    /** The entry: each variable's value (left out when absent, as a Lua nil), constants as given. */
    Map<String, Object> build(VarLookup vars) {
      Map<String, Object> out = new LinkedHashMap<>();
      fields.forEach((k, v) -> {
        Object value = v instanceof Var var ? vars.get(var.name()) : v instanceof Format f ? f.build(vars) : v;
        if (value != null) {
          out.put(k, value);
        }
      });
      return out;
    }
  }

  /** {@code log_format} read from {@code field}: an object; null when absent. */
  static @Nullable Format format(Conf c, String field) {
    Object v = c.raw(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new InvalidConfigException("/" + field, "an object is required");
    }
    return Format.compile(m);
  }

  /**
   * The fields every logger here has: {@code log_format}, {@code log_format_extra},
   * {@code include_req_body} (with {@code include_req_body_expr}, {@code max_req_body_bytes}),
   * {@code include_resp_body} (with {@code include_resp_body_expr}, {@code max_resp_body_bytes}) and
   * the batch processor's.
   */
  record Common(@Nullable Format logFormat, @Nullable Format logFormatExtra, boolean includeReqBody,
      @Nullable VarsExpression reqBodyExpr, int maxReqBodyBytes, boolean includeRespBody, @Nullable VarsExpression respBodyExpr,
      int maxRespBodyBytes, LogBatcher.Settings batch) {

    static final Set<String> FIELDS = Set.of("log_format", "log_format_extra", "include_req_body", "include_req_body_expr",
        "max_req_body_bytes", "include_resp_body", "include_resp_body_expr", "max_resp_body_bytes");

    static Common read(Conf c, String batchName) {
      return new Common(format(c, "log_format"), format(c, "log_format_extra"), c.bool("include_req_body", false),
          expr(c, "include_req_body_expr"), (int) c.integer("max_req_body_bytes", MAX_BODY, 1, Integer.MAX_VALUE),
          c.bool("include_resp_body", false), expr(c, "include_resp_body_expr"),
          (int) c.integer("max_resp_body_bytes", MAX_BODY, 1, Integer.MAX_VALUE), LogEntries.batch(c, batchName));
    }

    /** The request body bound to keep for the log phase, or 0 when none is needed for this request. */
    int requestBodyToKeep(PluginContext ctx, @Nullable Format metadataFormat) {
      Format f = logFormat != null ? logFormat : metadataFormat;
      if (f != null) { // APISIX: a custom format logs the body only through $request_body
        return f.uses("request_body") ? maxReqBodyBytes : 0;
      }
      if (!includeReqBody || reqBodyExpr != null && !reqBodyExpr.test(ctx::var)) {
        return 0;
      }
      return maxReqBodyBytes;
    }

    /** The access phase of a logger: asks the proxy to keep what the log phase will need of the bodies. */
    void captureBodies(PluginContext ctx, @Nullable Format metadataFormat) {
      int keep = requestBodyToKeep(ctx, metadataFormat);
      if (keep > 0) {
        ctx.captureRequestBody(keep);
      }
      if (includeRespBody) {
        ctx.captureResponseBody(maxRespBodyBytes);
      }
    }
  }

  private static @Nullable VarsExpression expr(Conf c, String field) {
    Object v = c.raw(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> l)) {
      throw new InvalidConfigException("/" + field, "an array of expressions is required");
    }
    if (l.isEmpty()) {
      throw new InvalidConfigException("/" + field, "at least one expression is required");
    }
    for (int i = 0; i < l.size(); i++) {
      if (!(l.get(i) instanceof List<?>)) {
        throw new InvalidConfigException("/" + field + "/" + i, "an array is required");
      }
    }
    return VarsExpression.parse(l, "/" + field);
  }

  /** The batch processor's fields, APISIX's defaults: batch_max_size 1000, inactive_timeout 5, buffer_duration 60, max_retry_count 0, retry_delay 1. */
  static LogBatcher.Settings batch(Conf c, String defaultName) {
    return new LogBatcher.Settings(c.string("name", defaultName), (int) c.integer("batch_max_size", 1000, 1, Integer.MAX_VALUE),
        c.integer("inactive_timeout", 5, 1, Integer.MAX_VALUE), c.integer("buffer_duration", 60, 1, Integer.MAX_VALUE),
        (int) c.integer("max_retry_count", 0, 0, Integer.MAX_VALUE), c.integer("retry_delay", 1, 0, Integer.MAX_VALUE));
  }

  /** Checks the metadata of a batched logger (APISIX: {@code log_format}, {@code log_format_extra} objects, {@code max_pending_entries} >= 1; other members are kept and ignored). */
  static void checkMetadata(Map<String, @Nullable Object> metadata) {
    checkFormats(metadata);
    if (metadata.containsKey("max_pending_entries")) {
      Object v = metadata.get("max_pending_entries");
      if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
        throw new InvalidConfigException("/max_pending_entries", "an integer is required");
      }
      if (n.doubleValue() < 1) {
        throw new InvalidConfigException("/max_pending_entries", "must be at least 1, got " + n);
      }
    }
  }

  /** Checks the metadata members every logger has: {@code log_format} and {@code log_format_extra}, objects. */
  static void checkFormats(Map<String, @Nullable Object> metadata) {
    for (String f : List.of("log_format", "log_format_extra")) {
      if (metadata.containsKey(f) && !(metadata.get(f) instanceof Map<?, ?>)) {
        throw new InvalidConfigException("/" + f, "an object is required");
      }
    }
  }

  /**
   * A logger's metadata, compiled: {@code path} is file-logger's (as stored; the plugin resolves and
   * checks it), {@code maxPendingEntries} the batched loggers'.
   */
  record Metadata(@Nullable Format logFormat, @Nullable Format logFormatExtra, long maxPendingEntries, @Nullable String path) {
    static final Metadata NONE = new Metadata(null, null, LogBatcher.DEFAULT_MAX_PENDING_ENTRIES, null);

    /** {@code batched}: a batched logger's metadata ({@code max_pending_entries} checked and read); else only the formats are checked. */
    static Metadata of(Map<String, @Nullable Object> m, boolean batched) {
      if (batched) {
        checkMetadata(m);
      } else {
        checkFormats(m);
      }
      Format f = m.get("log_format") instanceof Map<?, ?> lf ? Format.compile(lf) : null;
      Format x = m.get("log_format_extra") instanceof Map<?, ?> lx ? Format.compile(lx) : null;
      long max = batched && m.get("max_pending_entries") instanceof Number n ? Math.min(n.longValue(), Integer.MAX_VALUE)
          : LogBatcher.DEFAULT_MAX_PENDING_ENTRIES;
      return new Metadata(f == null || f.isEmpty() ? null : f, x, max, m.get("path") instanceof String p ? p : null);
    }
  }

  private static final DateTimeFormatter ISO8601 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss xx", Locale.ROOT);

  /** The log phase's variables: nginx's that only exist once the response is over, then the request's. */
  static final class Vars implements VarLookup {
    final PluginContext ctx;
    final int status;
    final long nanos;
    final long endMillis;
    final PluginContext.@Nullable Exchange exchange;
    final @Nullable HttpHeaders responseHeaders;

    Vars(PluginContext ctx, int status, long nanos, @Nullable HttpHeaders responseHeaders) {
      this.ctx = ctx;
      this.status = status;
      this.nanos = nanos;
      this.endMillis = System.currentTimeMillis();
      this.exchange = ctx.exchange();
      this.responseHeaders = responseHeaders;
    }

    long startMillis() {
      return endMillis - nanos / 1_000_000;
    }

    @Override
    public @Nullable Object get(String name) {
      PluginContext.Exchange ex = exchange;
      switch (name) {
        case "status":
          return String.valueOf(status);
        case "request_time":
          return seconds(nanos);
        case "upstream_response_time":
          return ex == null || ex.upstreamNanos() < 0 ? null : seconds(ex.upstreamNanos());
        case "upstream_addr":
          return ex == null ? null : ex.upstreamAddress();
        case "bytes_sent":
          return ex == null ? null : String.valueOf(ex.bytesSent());
        case "body_bytes_sent":
          return ex == null ? null : String.valueOf(Math.max(0, ex.bytesSent() - headBytes()));
        case "request_length":
          return ex == null ? null : String.valueOf(ex.bytesReceived());
        case "time_iso8601":
          return ISO8601.format(ZonedDateTime.ofInstant(Instant.ofEpochMilli(endMillis), ZoneId.systemDefault()));
        case "time_local":
          return LOCAL.format(ZonedDateTime.ofInstant(Instant.ofEpochMilli(endMillis), ZoneId.systemDefault()));
        case "msec":
          return String.format(Locale.ROOT, "%d.%03d", endMillis / 1000, endMillis % 1000);
        case "request":
          return ctx.request().method() + " " + ctx.request().request().uri() + " " + ctx.request().request().protocolVersion().text();
        case "server_protocol":
          return ctx.request().request().protocolVersion().text();
        case "hostname":
          return HOSTNAME;
        case "request_body": {
          BodyCapture b = ctx.requestBody();
          return b == null ? null : b.text();
        }
        case "service_id":
          return ctx.route().route().serviceId();
        case "route_name":
          return ctx.route().route().name();
        default:
          break;
      }
      if (name.startsWith("sent_http_")) {
        HttpHeaders h = responseHeaders;
        return h == null ? null : h.get(name.substring(10).replace('_', '-'));
      }
      return ctx.var(name);
    }

    /** The response head's size: status line and header lines. */
    private long headBytes() {
      HttpHeaders h = responseHeaders;
      long n = 17 + 2; // "HTTP/1.1 200 OK\r\n" and the blank line, near enough for reason phrases
      if (h != null) {
        for (Map.Entry<String, String> e : h) {
          n += e.getKey().length() + e.getValue().length() + 4;
        }
      }
      return n;
    }
  }

  private static String seconds(long nanos) {
    long ms = nanos / 1_000_000;
    return String.format(Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000);
  }

  static final String HOSTNAME = HostName.get();
  static final String VERSION = version();

  private static String version() {
    String v = LogEntries.class.getPackage().getImplementationVersion();
    return "dynconf-" + (v == null ? "dev" : v);
  }

  /**
   * The entry for {@code vars}'s request: {@code format} when one is set (the route's, else the
   * metadata's), plus {@code route_id} and {@code service_id}; else APISIX's default entry with
   * {@code extra}'s fields added where the default has none.
   */
  static Map<String, Object> entry(Common conf, @Nullable Format metadataFormat, @Nullable Format metadataExtra, Vars vars) {
    Format format = conf.logFormat() != null ? conf.logFormat() : metadataFormat;
    Route route = vars.ctx.route().route();
    if (format != null) {
      Map<String, Object> e = format.build(vars);
      if (route.serviceId() != null) {
        e.put("service_id", route.serviceId());
      }
      e.put("route_id", route.id());
      return e;
    }
    Map<String, Object> e = fullLog(conf, vars);
    Format extra = conf.logFormatExtra() != null ? conf.logFormatExtra() : metadataExtra;
    if (extra != null) {
      extra.build(vars).forEach(e::putIfAbsent);
    }
    return e;
  }

  /** APISIX's default entry (log-util's get_full_log). */
  static Map<String, Object> fullLog(Common conf, Vars vars) {
    PluginContext ctx = vars.ctx;
    PluginContext.Exchange ex = vars.exchange;
    Route route = ctx.route().route();
    Map<String, Object> request = new LinkedHashMap<>();
    String host = ctx.request().host();
    request.put("url", ctx.request().scheme() + "://" + (host == null ? "" : hostOnly(host)) + ":" + ctx.request().var("server_port")
        + ctx.request().request().uri());
    request.put("uri", ctx.request().request().uri());
    request.put("method", ctx.request().method());
    request.put("headers", headers(ctx.request().request().headers()));
    request.put("querystring", querystring(ctx.request().query()));
    if (ex != null) {
      request.put("size", ex.bytesReceived());
    }
    if (conf.includeReqBody()) {
      BodyCapture b = ctx.requestBody();
      if (b != null) {
        request.put("body", b.text());
      }
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status", vars.status);
    response.put("headers", vars.responseHeaders == null ? Map.of() : headers(vars.responseHeaders));
    if (ex != null) {
      response.put("size", ex.bytesSent());
    }
    if (conf.includeRespBody() && (conf.respBodyExpr() == null || conf.respBodyExpr().test(vars))) {
      BodyCapture b = ctx.responseBody();
      if (b != null) {
        response.put("body", b.text());
      }
    }
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("request", request);
    e.put("response", response);
    e.put("server", Map.of("hostname", HOSTNAME, "version", VERSION));
    if (ex != null && ex.upstreamAddress() != null) {
      e.put("upstream", ex.upstreamAddress());
    }
    e.put("service_id", route.serviceId() == null ? "" : route.serviceId());
    e.put("route_id", route.id());
    if (ctx.consumer() != null) {
      e.put("consumer", Map.of("username", ctx.consumer()));
    }
    String client = ctx.clientAddress();
    if (client != null) {
      e.put("client_ip", client);
    }
    e.put("start_time", vars.startMillis());
    double latency = vars.nanos / 1e6;
    e.put("latency", latency);
    if (ex != null && ex.upstreamNanos() >= 0) {
      double upstream = ex.upstreamNanos() / 1e6;
      e.put("upstream_latency", upstream);
      e.put("apisix_latency", Math.max(0, latency - upstream));
    } else {
      e.put("apisix_latency", latency);
    }
    return e;
  }

  private static String hostOnly(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(0, end + 1) : host;
    }
    int colon = host.indexOf(':');
    return colon >= 0 ? host.substring(0, colon) : host;
  }

  /** Headers as ngx.req.get_headers(): names in lower case, a list for a repeated name. */
  static Map<String, Object> headers(HttpHeaders h) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : h) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      Object old = out.get(name);
      if (old == null) {
        out.put(name, e.getValue());
      } else if (old instanceof List<?> l) {
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) l;
        list.add(e.getValue());
      } else {
        List<Object> list = new ArrayList<>();
        list.add(old);
        list.add(e.getValue());
        out.put(name, list);
      }
    }
    return out;
  }

  /**
   * The query as ngx.req.get_uri_args(): a list for a repeated name, {@code true} for a name without
   * {@code =}, names and values unescaped ({@link #unescape}).
   */
  static Map<String, Object> querystring(@Nullable String query) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String part : query.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = unescape(eq < 0 ? part : part.substring(0, eq));
      Object value = eq < 0 ? Boolean.TRUE : unescape(part.substring(eq + 1));
      Object old = out.get(name);
      if (old == null) {
        out.put(name, value);
      } else if (old instanceof List<?> l) {
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) l;
        list.add(value);
      } else {
        List<Object> list = new ArrayList<>();
        list.add(old);
        list.add(value);
        out.put(name, list);
      }
    }
    return out;
  }

  /**
   * A query component unescaped for the entry as route vars read it ({@link io.dynconf.radix.QueryArgs}):
   * {@code +} is a space, {@code %XX} the byte XX, and a {@code %} not followed by two hex digits
   * stays as written (a malformed escape is logged, not a reason to lose the entry).
   */
  static String unescape(String s) {
    return io.dynconf.radix.QueryArgs.decode(s, 0, s.length());
  }

  /**
   * A batch as APISIX's loggers send it (tcp-logger, udp-logger, http-logger's {@code json}): the
   * entry itself when {@code batchMaxSize} is 1, else a JSON array of the entries.
   */
  static byte[] json(List<Object> entries, int batchMaxSize) throws IOException {
    try {
      return JSON.writeValueAsBytes(batchMaxSize == 1 ? entries.get(0) : entries);
    } catch (JsonProcessingException e) {
      throw new IOException("error occurred while encoding the data: " + e.getOriginalMessage(), e);
    }
  }

  /** The estimated bytes an entry holds (for the backlog's byte cap): what it will encode to, roughly. */
  static long estimate(Map<String, Object> entry, PluginContext ctx) {
    long n = 512;
    BodyCapture req = ctx.requestBody();
    BodyCapture resp = ctx.responseBody();
    n += req == null ? 0 : req.size();
    n += resp == null ? 0 : resp.size();
    n += ctx.request().request().headers().size() * 64L;
    return n + entry.size() * 32L;
  }
}
