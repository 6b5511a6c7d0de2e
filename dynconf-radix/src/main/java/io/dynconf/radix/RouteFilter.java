package io.dynconf.radix;

/**
 * A route's last predicate, tested after method, remote address, host and {@code vars} passed:
 * the JVM counterpart of APISIX's {@code filter_func}. It must be fast, side-effect free and
 * thread-safe; it runs on the request path for every candidate that reaches it.
 */
@FunctionalInterface
public interface RouteFilter {
  boolean test(RouteRequest request);
}
