package io.dynconf.radix;

/**
 * A route's {@code vars} condition: tested after method, remote address and host, before the
 * filter. Usually built from APISIX's expression format with {@code RouteVars.parse}; any
 * thread-safe, side-effect free test over {@link RouteRequest#var} will do.
 */
@FunctionalInterface
public interface RouteVars {
  boolean test(RouteRequest request);

  /**
   * Compiles a route's {@code vars} in APISIX's expression format (the JSON tree of {@link
   * io.dynconf.core.Route#vars()}); null for an empty expression (always true).
   *
   * @throws IllegalArgumentException naming the offending element and the reason
   */
  static @org.jspecify.annotations.Nullable RouteVars compile(java.util.List<?> vars) {
    if (vars.isEmpty()) {
      return null;
    }
    throw new IllegalArgumentException("vars expressions are not supported yet");
  }
}
