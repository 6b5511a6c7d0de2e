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

  /** A nested object of a configuration: a member not in {@code known} is refused, naming it and the known ones. */
  public Conf(Map<String, @Nullable Object> map, Set<String> known) {
    this(map, known, null);
  }

  private Conf(Map<String, @Nullable Object> map, Set<String> known, @Nullable Set<String> unsupported) {
    this.map = map;
    for (Map.Entry<String, @Nullable Object> e : map.entrySet()) {
      String k = e.getKey();
      if (unsupported != null && unsupported.contains(k)) {
        throw new InvalidConfigException("/" + k, "not supported by this gateway (a field of APISIX's plugin that it does not implement)");
      }
      if (!known.contains(k)) {
        if (unsupported != null) {
          continue; // APISIX's plugin schemas leave additionalProperties open at the top: accepted, ignored
        }
        throw new InvalidConfigException("/" + k, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
      if (e.getValue() == null && !k.equals("_meta")) {
        throw new InvalidConfigException("/" + k, "must not be null (leave the field out for its default)");
      }
    }
  }

  /**
   * A plugin's configuration at its top level, checked as APISIX checks it: a member the plugin
   * does not know is accepted and ignored (APISIX's plugin schemas do not close their top level
   * with {@code additionalProperties: false}, and the Dashboard stores such members), a member of
   * {@code unsupported} (one APISIX's plugin defines and this gateway does not implement) is
   * refused by name rather than silently ignored, and a known member may not be null.
   */
  public static Conf plugin(Map<String, @Nullable Object> map, Set<String> known, Set<String> unsupported) {
    return new Conf(map, known, unsupported);
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

  /**
   * The header operations of APISIX 3's {@code headers}: {@code {set, add, remove}} or the legacy
   * map (set), applied in that order: remove, set, add. {@code add} is a list, so one name may be
   * added more than once (response-rewrite's {@code ["X-A: 1", "X-A: 2"]}).
   */
  public record HeaderOps(Map<String, String> set, List<Map.Entry<String, String>> add, List<String> remove) {
    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }

    public void apply(io.netty.handler.codec.http.HttpHeaders h) {
      remove.forEach(h::remove);
      set.forEach(h::set);
      add.forEach(e -> h.add(e.getKey(), e.getValue()));
    }
  }

  /** {@link #headers(String, boolean)} with {@code add} an object of names to values, as proxy-rewrite's. */
  public HeaderOps headers(String field) {
    return headers(field, false);
  }

  /**
   * APISIX's header operations: {@code {"set": {...}, "add": ..., "remove": [...]}} (at least one,
   * none empty) or a non-empty map of names to values (set). Names may not hold {@code :}.
   * {@code addAsLines}: {@code add} is an array of {@code "name: value"} strings (response-rewrite's
   * form) instead of an object.
   */
  public HeaderOps headers(String field, boolean addAsLines) {
    Object v = map.get(field);
    if (v == null) {
      return new HeaderOps(Map.of(), List.of(), List.of());
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new InvalidConfigException("/" + field, "an object is required");
    }
    if (m.isEmpty()) {
      throw new InvalidConfigException("/" + field, "at least one header is required");
    }
    boolean structured = m.containsKey("set") || m.containsKey("add") || m.containsKey("remove");
    try {
      if (!structured) {
        return new HeaderOps(names(stringMap(field), "/" + field), List.of(), List.of());
      }
      @SuppressWarnings("unchecked")
      Conf inner = new Conf((Map<String, @Nullable Object>) m, Set.of("set", "add", "remove"));
      Map<String, String> set = inner.nonEmptyHeaders("set");
      List<Map.Entry<String, String>> add = addAsLines ? inner.headerLines("add") : List.copyOf(inner.nonEmptyHeaders("add").entrySet());
      List<String> remove = inner.strings("remove");
      if (inner.has("remove") && remove.isEmpty()) {
        throw new InvalidConfigException("/remove", "at least one name is required");
      }
      for (int i = 0; i < remove.size(); i++) {
        if (remove.get(i).isEmpty() || remove.get(i).indexOf(':') >= 0) {
          throw new InvalidConfigException("/remove/" + i, "a header name (not empty, without ':') is required");
        }
      }
      return new HeaderOps(set, add, remove);
    } catch (InvalidConfigException e) {
      throw structured ? e.under("/" + field) : e;
    }
  }

  private Map<String, String> nonEmptyHeaders(String field) {
    if (has(field) && map.get(field) instanceof Map<?, ?> m && m.isEmpty()) {
      throw new InvalidConfigException("/" + field, "at least one header is required");
    }
    return names(stringMap(field), "/" + field);
  }

  /** {@code "name: value"} lines (response-rewrite's {@code add}). */
  private List<Map.Entry<String, String>> headerLines(String field) {
    if (has(field) && !(map.get(field) instanceof List<?>)) {
      throw new InvalidConfigException("/" + field, "an array of \"name: value\" strings is required");
    }
    List<String> lines = strings(field);
    if (has(field) && lines.isEmpty()) {
      throw new InvalidConfigException("/" + field, "at least one header is required");
    }
    List<Map.Entry<String, String>> out = new java.util.ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int colon = line.indexOf(':');
      if (!LINE.matcher(line).matches()) {
        throw new InvalidConfigException("/" + field + "/" + i, "must be \"name:value\" (one ':', a name, a value not ending in '/')");
      }
      out.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
    }
    return out;
  }

  private static final java.util.regex.Pattern LINE = java.util.regex.Pattern.compile("^[^:]+:[^:]*[^/]$");

  private static Map<String, String> names(Map<String, String> headers, String at) {
    for (String name : headers.keySet()) {
      if (name.isEmpty() || name.indexOf(':') >= 0) {
        throw new InvalidConfigException(at + "/" + name, "a header name (not empty, without ':') is required");
      }
    }
    return headers;
  }
}
