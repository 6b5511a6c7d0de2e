package io.dynconf.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Free-form JSON (plugin configurations, {@code vars}, node {@code metadata}, {@code checks}, ...)
 * as deep-immutable {@code java.util} trees, the representation every standard resource type
 * exposes instead of Jackson's mutable nodes.
 *
 * <p>A JSON object becomes an unmodifiable {@code Map<String, Object>} that keeps the members'
 * order, an array an unmodifiable {@code List}, a string a {@code String}, {@code true}/{@code
 * false} a {@code Boolean}, {@code null} Java {@code null}. A number without a fraction
 * ({@code 80} and {@code 80.0} alike, as Lua reads them) that fits a {@code long} becomes a
 * {@code Long}; every other number a {@code Double} (Lua's own number type, so nothing APISIX can
 * distinguish is lost).
 */
public final class JsonTree {
  private JsonTree() {}

  /** The Java tree of a JSON value. */
  public static @Nullable Object of(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT: {
        Map<String, @Nullable Object> map = new LinkedHashMap<>();
        node.properties().forEach(e -> map.put(e.getKey(), of(e.getValue())));
        return Collections.unmodifiableMap(map);
      }
      case ARRAY: {
        List<@Nullable Object> list = new ArrayList<>(node.size());
        node.forEach(e -> list.add(of(e)));
        return Collections.unmodifiableList(list);
      }
      case STRING:
        return node.textValue();
      case BOOLEAN:
        return node.booleanValue();
      case NUMBER:
        return number(node);
      default:
        return null;
    }
  }

  /** The Java tree of a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, @Nullable Object> object(JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("expected a JSON object, got " + node.getNodeType());
    }
    return (Map<String, @Nullable Object>) Objects.requireNonNull(of(node));
  }

  private static Object number(JsonNode node) {
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    BigDecimal d = node.decimalValue();
    try {
      return d.longValueExact();
    } catch (ArithmeticException notALong) {
      return d.doubleValue();
    }
  }

  /**
   * A deep-immutable copy of a tree built from maps, lists, strings, numbers, booleans and nulls
   * (for values built in Java rather than decoded); numbers are normalised as by {@link #of}.
   *
   * @throws IllegalArgumentException for any other kind of object
   */
  public static @Nullable Object freeze(@Nullable Object value) {
    if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long) {
      return value;
    }
    if (value instanceof Map) {
      Map<String, @Nullable Object> map = new LinkedHashMap<>();
      ((Map<?, ?>) value).forEach((k, v) -> {
        if (!(k instanceof String)) {
          throw new IllegalArgumentException("JSON object keys must be strings, got " + k);
        }
        map.put((String) k, freeze(v));
      });
      return Collections.unmodifiableMap(map);
    }
    if (value instanceof List) {
      List<@Nullable Object> list = new ArrayList<>();
      ((List<?>) value).forEach(e -> list.add(freeze(e)));
      return Collections.unmodifiableList(list);
    }
    if (value instanceof Number) {
      BigDecimal d = new BigDecimal(value.toString());
      try {
        return d.longValueExact();
      } catch (ArithmeticException notALong) {
        return d.doubleValue();
      }
    }
    throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
  }

  /** {@link #freeze} of a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, @Nullable Object> freezeObject(Map<String, ? extends @Nullable Object> map) {
    return (Map<String, @Nullable Object>) Objects.requireNonNull(freeze(map));
  }

  /** {@link #freeze} of a JSON array. */
  @SuppressWarnings("unchecked")
  public static List<@Nullable Object> freezeArray(List<? extends @Nullable Object> list) {
    return (List<@Nullable Object>) Objects.requireNonNull(freeze(list));
  }

  /** An unmodifiable, order-keeping copy of a map whose keys and values must not be null. */
  public static <V> Map<String, V> copyOf(Map<String, ? extends V> map) {
    Map<String, V> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
    return Collections.unmodifiableMap(copy);
  }

  /** A plugin map ({@code name → configuration object}), frozen. */
  public static Map<String, Map<String, @Nullable Object>> freezePlugins(
      Map<String, ? extends Map<String, ? extends @Nullable Object>> plugins) {
    Map<String, Map<String, @Nullable Object>> copy = new LinkedHashMap<>();
    plugins.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "plugin name"), freezeObject(v)));
    return Collections.unmodifiableMap(copy);
  }

  /** Escapes one JSON pointer reference token ({@code ~} → {@code ~0}, {@code /} → {@code ~1}). */
  public static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
