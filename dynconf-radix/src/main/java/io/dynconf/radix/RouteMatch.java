package io.dynconf.radix;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link Router#match(RouteRequest)}: the route that matched, the path parameters
 * it bound, the path pattern that matched and the route's host pattern that admitted the request.
 * Immutable.
 *
 * @param params parameter name to value, in path order; a catch-all binds the rest of the path
 * @param host the host pattern that matched, or null when the route has no host condition
 */
public record RouteMatch<V>(RouteSpec<V> route, String pattern, Map<String, String> params, @Nullable String host) {

  public RouteMatch {
    params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
  }

  public String id() {
    return route.id();
  }

  public V value() {
    return route.value();
  }
}
