package io.dynconf.radix;

/**
 * A route's {@code vars} condition: tested after method, remote address and host, before the
 * filter. Usually built from APISIX's expression format with {@code RouteVars.parse}; any
 * thread-safe, side-effect free test over {@link RouteRequest#var} will do.
 */
@FunctionalInterface
public interface RouteVars {
  boolean test(RouteRequest request);
}
