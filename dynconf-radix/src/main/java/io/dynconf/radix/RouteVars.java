package io.dynconf.radix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.match.VarsExpression;

/**
 * A route's {@code vars} condition: tested after method, remote address and host, before the
 * filter. Usually built from APISIX's expression format with {@link #compile}; any
 * thread-safe, side-effect free test over {@link RouteRequest#var} will do.
 */
@FunctionalInterface
public interface RouteVars {
  boolean test(RouteRequest request);

  /**
   * Compiles a route's {@code vars} in APISIX's expression format (the JSON tree of {@link
   * io.dynconf.core.apisix.Route#vars()}); null for an empty expression (always true).
   *
   * @throws IllegalArgumentException naming the offending element and the reason
   */
  static @org.jspecify.annotations.Nullable RouteVars compile(java.util.List<?> vars) {
    VarsExpression expr;
    try {
      expr = VarsExpression.parse(vars, "/vars");
    } catch (InvalidConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return of(expr);
  }

  /** The condition of a parsed expression; null when it is always true. */
  static @org.jspecify.annotations.Nullable RouteVars of(VarsExpression expr) {
    return expr.isAlways() ? null : new Expression(expr);
  }

  /** A {@link VarsExpression} over {@link RouteRequest#get}. */
  record Expression(VarsExpression expression) implements RouteVars {
    @Override
    public boolean test(RouteRequest request) {
      return expression.test(request);
    }

    @Override
    public String toString() {
      return expression.toString();
    }
  }
}
