package io.dynconf.netty.plugin;

import io.dynconf.core.InvalidConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Typed reads of a plugin's JSON configuration, failing with the field and the reason. */
public final class Conf {
  private final Map<String, @Nullable Object> map;

  public Conf(Map<String, @Nullable Object> map, Set<String> known) {
    this.map = map;
    for (String k : map.keySet()) {
      if (!known.contains(k)) {
        throw new InvalidConfigException("/" + k, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  public boolean has(String field) {
    return map.get(field) != null;
  }

  public @Nullable String string(String field) {
    Object v = map.get(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new InvalidConfigException("/" + field, "a string is required");
    }
    return s;
  }

  public String string(String field, String fallback) {
    String s = string(field);
    return s == null ? fallback : s;
  }

  public long integer(String field, long fallback, long min, long max) {
    Object v = map.get(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new InvalidConfigException("/" + field, "an integer is required");
    }
    long l = n.longValue();
    if (l < min || l > max) {
      throw new InvalidConfigException("/" + field, "must be between " + min + " and " + max + ", got " + l);
    }
    return l;
  }

  public long requiredInteger(String field, long min, long max) {
    if (map.get(field) == null) {
      throw new InvalidConfigException("/" + field, "required");
    }
    return integer(field, 0, min, max);
  }

  public boolean bool(String field, boolean fallback) {
    Object v = map.get(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Boolean b)) {
      throw new InvalidConfigException("/" + field, "a boolean is required");
    }
    return b;
  }

  public List<String> strings(String field) {
    Object v = map.get(field);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw new InvalidConfigException("/" + field, "an array of strings is required");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < l.size(); i++) {
      if (!(l.get(i) instanceof String s)) {
        throw new InvalidConfigException("/" + field + "/" + i, "a string is required");
      }
      out.add(s);
    }
    return out;
  }

  /** An object of string (or number) values. */
  public Map<String, String> stringMap(String field) {
    Object v = map.get(field);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new InvalidConfigException("/" + field, "an object is required");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object x = e.getValue();
      if (!(x instanceof String) && !(x instanceof Number)) {
        throw new InvalidConfigException("/" + field + "/" + e.getKey(), "a string is required");
      }
      out.put(String.valueOf(e.getKey()), String.valueOf(x));
    }
    return out;
  }

  public @Nullable Object raw(String field) {
    return map.get(field);
  }

  /** The header operations of APISIX 3's {@code headers}: {@code {set, add, remove}} or the legacy map (set). */
  public record HeaderOps(Map<String, String> set, Map<String, String> add, List<String> remove) {
    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }

    public void apply(io.netty.handler.codec.http.HttpHeaders h) {
      remove.forEach(h::remove);
      set.forEach(h::set);
      add.forEach(h::add);
    }
  }

  public HeaderOps headers(String field) {
    Object v = map.get(field);
    if (v == null) {
      return new HeaderOps(Map.of(), Map.of(), List.of());
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new InvalidConfigException("/" + field, "an object is required");
    }
    boolean structured = m.containsKey("set") || m.containsKey("add") || m.containsKey("remove");
    if (!structured) {
      return new HeaderOps(stringMap(field), Map.of(), List.of());
    }
    @SuppressWarnings("unchecked")
    Conf inner = new Conf((Map<String, @Nullable Object>) m, Set.of("set", "add", "remove"));
    try {
      return new HeaderOps(inner.stringMap("set"), inner.stringMap("add"), inner.strings("remove"));
    } catch (InvalidConfigException e) {
      throw e.under("/" + field);
    }
  }
}
