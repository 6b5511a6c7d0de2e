package io.dynconf.vertx;

import io.dynconf.radix.InvalidRequestException;
import io.dynconf.radix.QueryArgs;
import io.dynconf.radix.RequestTarget;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.balance.BalancerRequest;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Vert.x request as the router and the balancers see it. {@link #path()} is {@link
 * RequestTarget}'s path of the client's raw target (decoded and normalised as nginx's {@code
 * $uri}); {@link #host()} the absolute-form authority, else the one valid {@code Host}; variables: {@code arg_<name>} (decoded; a repeated argument is a
 * list), {@code http_<name>} ({@code _} for {@code -}, case-insensitive), {@code cookie_<name>},
 * {@code scheme}, {@code server_port}, {@code request_uri}, {@code args}. Used on the request's
 * event loop only.
 */
final class VertxRouteRequest implements RouteRequest {
  private final HttpServerRequest request;
  private final RequestTarget target;
  private final @Nullable String host;
  private @Nullable Map<String, List<String>> args;

  /** @throws InvalidRequestException when the target or the {@code Host} is refused (answer 400) */
  VertxRouteRequest(HttpServerRequest request) {
    this.request = request;
    this.target = RequestTarget.parse(request.uri());
    this.host = RequestTarget.routingHost(request.version() != HttpVersion.HTTP_1_0, request.headers().getAll("Host"), target);
  }

  /** The parsed target: the path routed on, and the client's own target for the upstream. */
  RequestTarget target() {
    return target;
  }

  @Override
  public String method() {
    return request.method().name();
  }

  @Override
  public String path() {
    return target.path();
  }

  @Override
  public @Nullable String host() {
    return host;
  }

  @Override
  public @Nullable String remoteAddress() {
    SocketAddress remote = request.remoteAddress();
    return remote == null ? null : remote.hostAddress();
  }

  @Override
  public @Nullable Object var(String name) {
    if (name.startsWith("arg_")) { // decoded as nginx (a malformed escape kept as written), as the other embeddings
      if (args == null) {
        String q = request.query();
        args = q == null || q.isEmpty() ? Map.of() : QueryArgs.parse(q);
      }
      List<String> values = args.get(name.substring(4));
      return values == null || values.isEmpty() ? null : values.size() == 1 ? values.get(0) : values;
    }
    if (name.startsWith("http_")) {
      return request.headers().get(name.substring(5).replace('_', '-'));
    }
    if (name.startsWith("cookie_")) {
      Cookie c = request.getCookie(name.substring(7));
      return c == null ? null : c.getValue();
    }
    switch (name) {
      case "scheme":
        return request.scheme();
      case "server_port":
        SocketAddress local = request.localAddress();
        return local == null ? null : String.valueOf(local.port());
      case "request_uri":
        return request.uri();
      case "args":
        return request.query();
      default:
        return null;
    }
  }

  /** The same request for {@code chash}: variables as text (a list's first value), headers, cookies. */
  BalancerRequest balancerRequest() {
    return BalancerRequest.of(this, name -> request.headers().get(name), name -> {
      Cookie c = request.getCookie(name);
      return c == null ? null : c.getValue();
    });
  }
}
