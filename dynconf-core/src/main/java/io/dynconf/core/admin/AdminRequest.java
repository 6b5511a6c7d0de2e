package io.dynconf.core.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One admin request as a transport hands it over: the method, the path, the query parameters, the
 * headers and the body bytes. Immutable; the body is copied in. Header names are
 * case-insensitive; a transport joins repeated headers with {@code ", "}. A repeated query
 * parameter keeps its first value.
 *
 * <pre>{@code
 * AdminRequest.of("PUT", "/apisix/admin/routes/1?dry_run=true",
 *     Map.of("X-API-KEY", key), "{\"uri\":\"/a\",\"upstream_id\":\"1\"}");
 * }</pre>
 */
public final class AdminRequest {
  private final String method;
  private final String path;
  private final Map<String, String> query;
  private final Map<String, String> headers;
  private final byte[] body;

  private AdminRequest(String method, String path, Map<String, String> query, Map<String, String> headers, byte[] body) {
    this.method = Objects.requireNonNull(method, "method");
    this.path = Objects.requireNonNull(path, "path");
    this.query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
    TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    this.headers = Collections.unmodifiableMap(h);
    this.body = body.clone();
  }

  /**
   * A request from a request target such as {@code /apisix/admin/routes?page=1&page_size=10}: the
   * part before {@code ?} is the path (kept as sent, not percent-decoded); the query string is
   * split at {@code &} and {@code =} and percent-decoded (a malformed escape is kept as sent).
   */
  public static AdminRequest of(String method, String target, Map<String, String> headers, byte @Nullable [] body) {
    Objects.requireNonNull(target, "target");
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : parseQuery(target.substring(q + 1));
    return new AdminRequest(method, path, query, headers, body == null ? new byte[0] : body);
  }

  /** Like {@link #of(String, String, Map, byte[])} with a UTF-8 body. */
  public static AdminRequest of(String method, String target, Map<String, String> headers, @Nullable String body) {
    return of(method, target, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  /** A request with an already parsed query. */
  public static AdminRequest of(String method, String path, Map<String, String> query, Map<String, String> headers, byte @Nullable [] body) {
    return new AdminRequest(method, path, query, headers, body == null ? new byte[0] : body);
  }

  /** Parses a query string ({@code a=1&b=two}); the first of repeated names wins. */
  public static Map<String, String> parseQuery(String queryString) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : queryString.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq));
      String value = eq < 0 ? "" : decode(part.substring(eq + 1));
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return s;
    }
  }

  /** The method as sent, for example {@code GET}. */
  public String method() {
    return method;
  }

  /** The path without the query string, for example {@code /apisix/admin/routes/1}. */
  public String path() {
    return path;
  }

  /** The query parameters (unmodifiable). */
  public Map<String, String> query() {
    return query;
  }

  /** The headers (unmodifiable; names are case-insensitive). */
  public Map<String, String> headers() {
    return headers;
  }

  public @Nullable String header(String name) {
    return headers.get(name);
  }

  /** A copy of the body ({@code []} when there is none). */
  public byte[] body() {
    return body.clone();
  }

  int bodyLength() {
    return body.length;
  }

  byte[] bodyUnsafe() {
    return body;
  }

  @Override
  public String toString() {
    return "AdminRequest[" + method + " " + path + (query.isEmpty() ? "" : " " + query) + ", " + body.length + " bytes]";
  }
}
