package io.dynconf.radix.balance;

import io.dynconf.radix.RouteRequest;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a balancer may read from the current request, implemented by the host server. Only {@code
 * chash} reads it (the hash key); the other built-in balancers ignore it, so {@link #NONE} serves
 * them. Implementations are called on the request thread and should not allocate or block.
 */
public interface BalancerRequest {
  /** A request with no variables, headers, cookies, consumer or client address. */
  BalancerRequest NONE = ofClient(null);

  /**
   * A connection known only by its client's address (a stream proxy's): {@code chash} on
   * {@code remote_addr} hashes it; every other variable, header and cookie is absent. With a null
   * address, {@link #NONE}.
   */
  static BalancerRequest ofClient(@Nullable String address) {
    return new BalancerRequest() {
      @Override
      public @Nullable String var(String name) {
        return address != null && name.equals("remote_addr") ? address : null;
      }

      @Override
      public @Nullable String header(String name) {
        return null;
      }

      @Override
      public @Nullable String cookie(String name) {
        return null;
      }

      @Override
      public @Nullable String consumer() {
        return null;
      }

      @Override
      public @Nullable String clientAddress() {
        return address;
      }
    };
  }

  /** A router variable of {@code request} as text, as {@link #of} gives it: a multi-valued one's first value. */
  static @Nullable String varText(RouteRequest request, String name) {
    Object v = request.get(name);
    if (v instanceof List<?> list) {
      v = list.isEmpty() ? null : list.get(0);
    }
    return v == null ? null : v.toString();
  }

  /**
   * The balancer's view of a routed request: variables from {@link RouteRequest#get} as text (a
   * multi-valued one's first value), headers and cookies through the server's own lookups, the
   * request's client address, no consumer. What a server that already adapts its request to the
   * router needs to add for {@code chash}.
   */
  static BalancerRequest of(RouteRequest request, Function<String, @Nullable String> headers,
      Function<String, @Nullable String> cookies) {
    return new BalancerRequest() {
      @Override
      public @Nullable String var(String name) {
        return varText(request, name);
      }

      @Override
      public @Nullable String header(String name) {
        return headers.apply(name);
      }

      @Override
      public @Nullable String cookie(String name) {
        return cookies.apply(name);
      }

      @Override
      public @Nullable String consumer() {
        return null;
      }

      @Override
      public @Nullable String clientAddress() {
        return request.remoteAddress();
      }
    };
  }

  /** An nginx-style variable ({@code uri}, {@code host}, {@code arg_name}, ...), or null when unset. */
  @Nullable String var(String name);

  /** A request header (case-insensitive name), or null when absent. */
  @Nullable String header(String name);

  /** A cookie, or null when absent. */
  @Nullable String cookie(String name);

  /** The authenticated consumer's name, or null. */
  @Nullable String consumer();

  /** The client address (APISIX's {@code remote_addr}), the fallback hash key; null when unknown. */
  @Nullable String clientAddress();
}
