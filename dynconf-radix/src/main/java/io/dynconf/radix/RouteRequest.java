package io.dynconf.radix;

import io.dynconf.core.match.VarLookup;
import org.jspecify.annotations.Nullable;

/**
 * What the router needs to know about one request. The host server implements it over its own
 * request object (or fills a reusable adapter), so matching allocates nothing on the way in.
 *
 * <p>{@link #path()} is the request's path without the query string, decoded and normalised:
 * take it from {@link RequestTarget#parse(String)} (nginx's {@code $uri}, what APISIX routes on),
 * so that no spelling of a path escapes the route that guards it. {@link #host()} is the {@code Host} header or the authority, with or
 * without a port. {@link #var(String)} serves a route's {@code vars} expression and the variables
 * APISIX names ({@code arg_name}, {@code http_x_header}, {@code cookie_name}, ...).
 */
public interface RouteRequest extends VarLookup {

  /** The request method, upper case ({@code GET}); an unknown method matches only routes without methods. */
  String method();

  /** The path, starting with {@code /}, without the query string. */
  String path();

  /** The {@code Host} header or authority, with or without a port; null when the request has none. */
  @Nullable String host();

  /** The client's IP address (IPv4 or IPv6 text); null when unknown. */
  @Nullable String remoteAddress();

  /**
   * The value of request variable {@code name} for {@code vars} expressions: a String, a Number,
   * a Boolean or a List of those; null when absent. The default knows no variables.
   */
  default @Nullable Object var(String name) {
    return null;
  }

  /**
   * The variable lookup of {@code vars} expressions: {@link #var(String)}, falling back for
   * nginx's {@code uri}, {@code request_method}, {@code host} (without port, lower case) and
   * {@code remote_addr} to this request's parts.
   */
  @Override
  default @Nullable Object get(String name) {
    Object v = var(name);
    if (v != null) {
      return v;
    }
    switch (name) {
      case "uri":
        return path();
      case "request_method":
        return method();
      case "remote_addr":
        return remoteAddress();
      case "host": {
        String h = host();
        return h == null ? null : h.substring(0, io.dynconf.radix.internal.HostMatcher.hostEnd(h)).toLowerCase(java.util.Locale.ROOT);
      }
      default:
        return null;
    }
  }

  /** A request with the given parts and no variables. */
  static RouteRequest of(String method, String path, @Nullable String host, @Nullable String remoteAddress) {
    return new SimpleRequest(method, path, host, remoteAddress, java.util.Map.of());
  }

  /** A request with the given parts and variables. */
  static RouteRequest of(String method, String path, @Nullable String host, @Nullable String remoteAddress,
      java.util.Map<String, ?> vars) {
    return new SimpleRequest(method, path, host, remoteAddress, java.util.Map.copyOf(vars));
  }

  /** The request of {@link #of}. */
  record SimpleRequest(String method, String path, @Nullable String host, @Nullable String remoteAddress,
      java.util.Map<String, ?> vars) implements RouteRequest {
    public SimpleRequest {
      java.util.Objects.requireNonNull(method, "method");
      java.util.Objects.requireNonNull(path, "path");
    }

    @Override
    public @Nullable Object var(String name) {
      return vars.get(name);
    }
  }
}
