package io.dynconf.undertow;

import io.dynconf.radix.InvalidRequestException;
import io.dynconf.radix.QueryArgs;
import io.dynconf.radix.RequestTarget;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.balance.BalancerRequest;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.Cookie;
import io.undertow.util.Headers;
import io.undertow.util.HeaderValues;
import io.undertow.util.Protocols;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An Undertow exchange as the router and the balancers see it. {@link #path()} is {@link
 * RequestTarget}'s path of the client's raw target (decoded and normalised as nginx's {@code $uri},
 * not Undertow's own decoding); {@link #host()} the absolute-form authority, else the one valid
 * {@code Host}; variables: {@code arg_<name>} (a
 * repeated argument is a list), {@code http_<name>} ({@code _} for {@code -}, case-insensitive),
 * {@code cookie_<name>}, {@code scheme}, {@code server_port}, {@code request_uri}, {@code args}.
 * Reads the exchange on its IO thread; nothing is copied or parsed beyond what Undertow already did.
 */
final class UndertowRouteRequest implements RouteRequest {
  private final HttpServerExchange exchange;
  private final RequestTarget target;
  private final @Nullable String host;
  private @Nullable Map<String, List<String>> args;

  /** @throws InvalidRequestException when the target or the {@code Host} is refused (answer 400) */
  UndertowRouteRequest(HttpServerExchange exchange) {
    this.exchange = exchange;
    String query = exchange.getQueryString();
    this.target = RequestTarget.parse(query.isEmpty() ? exchange.getRequestURI() : exchange.getRequestURI() + "?" + query);
    HeaderValues hosts = exchange.getRequestHeaders().get(Headers.HOST);
    this.host = RequestTarget.routingHost(!exchange.getProtocol().equals(Protocols.HTTP_1_0),
        hosts == null ? List.of() : List.copyOf(hosts), target);
  }

  @Override
  public String method() {
    return exchange.getRequestMethod().toString();
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
    InetSocketAddress source = exchange.getSourceAddress();
    return source == null || source.getAddress() == null ? null : source.getAddress().getHostAddress();
  }

  @Override
  public @Nullable Object var(String name) {
    if (name.startsWith("arg_")) { // decoded as nginx (a malformed escape kept as written), as the other embeddings
      if (args == null) {
        String q = exchange.getQueryString();
        args = q == null || q.isEmpty() ? Map.of() : QueryArgs.parse(q);
      }
      List<String> values = args.get(name.substring(4));
      return values == null || values.isEmpty() ? null : values.size() == 1 ? values.get(0) : values;
    }
    if (name.startsWith("http_")) {
      return exchange.getRequestHeaders().getFirst(name.substring(5).replace('_', '-'));
    }
    if (name.startsWith("cookie_")) {
      Cookie c = exchange.getRequestCookie(name.substring(7));
      return c == null ? null : c.getValue();
    }
    String query = exchange.getQueryString();
    switch (name) {
      case "scheme":
        return exchange.getRequestScheme();
      case "server_port":
        return String.valueOf(exchange.getHostPort());
      case "request_uri":
        return query.isEmpty() ? exchange.getRequestURI() : exchange.getRequestURI() + "?" + query;
      case "args":
        return query.isEmpty() ? null : query;
      default:
        return null;
    }
  }

  /** The same request for {@code chash}: variables as text (a list's first value), headers, cookies. */
  BalancerRequest balancerRequest() {
    return BalancerRequest.of(this, name -> exchange.getRequestHeaders().getFirst(name), name -> {
      Cookie c = exchange.getRequestCookie(name);
      return c == null ? null : c.getValue();
    });
  }
}
