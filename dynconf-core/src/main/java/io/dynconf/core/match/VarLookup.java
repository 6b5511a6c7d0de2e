package io.dynconf.core.match;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The request variables a host server exposes to {@link VarsExpression#test}: what an embedder
 * implements, usually as a thin view over its own request object.
 *
 * <p>Names follow APISIX (nginx variables plus APISIX's own): {@code uri}, {@code request_method},
 * {@code host}, {@code remote_addr}, {@code server_port}, {@code arg_<name>} (query argument),
 * {@code http_<name>} (request header, the name lower-cased with {@code -} written as {@code _}),
 * {@code cookie_<name>}, and any other name the host chooses to answer. A lookup returns:
 *
 * <ul>
 *   <li>{@code null} when the variable is absent (Lua's {@code nil});
 *   <li>a {@link String} for text. nginx variables are strings, including numeric ones such as
 *       {@code server_port}: expose them as strings, because {@code ["server_port", "==", "80"]}
 *       compares raw values and a {@link Number} is never equal to a string (the numeric
 *       operators convert strings themselves);
 *   <li>a {@link Number} or a {@link Boolean} for values that are numbers or booleans in the host
 *       (numbers compare as Lua numbers, that is as {@code double});
 *   <li>a {@link java.util.List} of the above for a multi-valued argument or header, which the
 *       {@code has} operator searches ({@code null} elements end the list, as {@code nil} ends a
 *       Lua array).
 * </ul>
 *
 * <p>Any other object is taken as an opaque Lua value: equal to nothing, not a number. {@link
 * VarsExpression#test} calls {@code get} once per comparison it evaluates, possibly several times
 * for the same name, on the calling thread; an implementation should be cheap and must not block.
 * Exceptions thrown by {@code get} propagate to the caller of {@code test}.
 */
@FunctionalInterface
public interface VarLookup {

  /** A lookup in which every variable is absent. */
  VarLookup EMPTY = name -> null;

  /**
   * The value of the variable {@code name}, or {@code null} when the request has none.
   *
   * @param name an APISIX variable name such as {@code arg_id} or {@code http_x_api_version}
   */
  @Nullable Object get(String name);

  /**
   * A lookup answering from a copy of {@code vars} (the map is copied, its values are not); a
   * name that is missing or maps to {@code null} is absent. Meant for tests and simple embedders.
   */
  static VarLookup of(Map<String, ?> vars) {
    Map<String, ?> copy = new HashMap<>(vars);
    return copy::get;
  }
}
