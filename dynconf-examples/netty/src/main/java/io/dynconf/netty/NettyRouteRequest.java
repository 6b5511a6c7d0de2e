package io.dynconf.netty;

import io.dynconf.radix.InvalidRequestException;
import io.dynconf.radix.QueryArgs;
import io.dynconf.radix.RequestTarget;
import io.dynconf.radix.RouteRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Netty request as the router sees it, with APISIX's variables: {@code arg_<name>} (query
 * arguments; a repeated one is a list), {@code http_<name>} (headers, {@code _} for {@code -},
 * case-insensitive), {@code cookie_<name>}, {@code scheme}, {@code server_port},
 * {@code request_uri}, {@code args}; the router adds {@code uri}, {@code request_method},
 * {@code host} and {@code remote_addr}. Query and cookies are parsed on first use.
 *
 * <p>The path is {@link RequestTarget}'s: decoded and normalised as nginx's {@code $uri}, the one
 * path that routing and plugins see; {@link #target()} keeps the client's own target for the
 * upstream. The host is the absolute-form target's authority, else the one {@code Host} header.
 */
public final class NettyRouteRequest implements RouteRequest {
  private final HttpRequest request;
  private final RequestTarget target;
  private final @Nullable String host;
  private final @Nullable String remoteAddress;
  private final String scheme;
  private final int serverPort;
  private @Nullable Map<String, List<String>> args;
  private @Nullable Map<String, String> cookies;

  /**
   * @throws InvalidRequestException when the target or the {@code Host} is refused (answer 400)
   */
  public NettyRouteRequest(HttpRequest request, @Nullable String remoteAddress, String scheme, int serverPort) {
    this.request = request;
    this.target = RequestTarget.parse(request.uri());
    this.host = RequestTarget.routingHost(!request.protocolVersion().equals(HttpVersion.HTTP_1_0),
        request.headers().getAll(HttpHeaderNames.HOST), target);
    this.remoteAddress = remoteAddress;
    this.scheme = scheme;
    this.serverPort = serverPort;
  }

  public HttpRequest request() {
    return request;
  }

  @Override
  public String method() {
    return request.method().name();
  }

  /** The request target: the normalised path routed on, and the client's own target for the upstream. */
  public RequestTarget target() {
    return target;
  }

  @Override
  public String path() {
    return target.path();
  }

  public @Nullable String query() {
    return target.query();
  }

  @Override
  public @Nullable String host() {
    return host;
  }

  @Override
  public @Nullable String remoteAddress() {
    return remoteAddress;
  }

  public String scheme() {
    return scheme;
  }

  /** The first value of query argument {@code name}, or null. */
  public @Nullable String arg(String name) {
    List<String> values = args().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Cookie {@code name}'s value, or null. */
  public @Nullable String cookie(String name) {
    if (cookies == null) {
      Map<String, String> m = new HashMap<>();
      for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
        for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
          m.putIfAbsent(c.name(), c.value());
        }
      }
      cookies = m;
    }
    return cookies.get(name);
  }

  private Map<String, List<String>> args() {
    if (args == null) {
      String query = target.query();
      args = query == null ? Map.of() : QueryArgs.parse(query);
    }
    return args;
  }

  @Override
  public @Nullable Object var(String name) {
    if (name.startsWith("arg_")) {
      List<String> values = args().get(name.substring(4));
      return values == null || values.isEmpty() ? null : values.size() == 1 ? values.get(0) : values;
    }
    if (name.startsWith("http_")) {
      return request.headers().get(name.substring(5).replace('_', '-'));
    }
    if (name.startsWith("cookie_")) {
      return cookie(name.substring(7));
    }
    switch (name) {
      case "scheme":
        return scheme;
      case "server_port":
        return String.valueOf(serverPort);
      case "request_uri":
        return request.uri();
      case "args":
        return target.query();
      default:
        return null;
    }
  }
}
