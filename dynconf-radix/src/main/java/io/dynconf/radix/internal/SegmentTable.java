package io.dynconf.radix.internal;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable open-addressing hash table from strings to values that is looked up by a region of
 * another string ({@code s[from, to)}) without allocating a substring.
 */
final class SegmentTable<T> {

  private static final SegmentTable<?> EMPTY = new SegmentTable<>(new String[1], new Object[1], 0, 0);

  private final @Nullable String[] keys;
  private final @Nullable Object[] values;
  private final int mask;
  private final int size;

  private SegmentTable(@Nullable String[] keys, @Nullable Object[] values, int mask, int size) {
    this.keys = keys;
    this.values = values;
    this.mask = mask;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  static <T> SegmentTable<T> empty() {
    return (SegmentTable<T>) EMPTY;
  }

  static <T> SegmentTable<T> of(Map<String, ? extends T> map) {
    if (map.isEmpty()) {
      return empty();
    }
    int cap = Integer.highestOneBit(Math.max(2, map.size() * 2 - 1)) << 1;
    String[] keys = new String[cap];
    Object[] values = new Object[cap];
    int mask = cap - 1;
    for (Map.Entry<String, ? extends T> e : map.entrySet()) {
      String k = e.getKey();
      int i = spread(k.hashCode()) & mask;
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = k;
      values[i] = e.getValue();
    }
    return new SegmentTable<>(keys, values, mask, map.size());
  }

  int size() {
    return size;
  }

  /** The value for the key equal to {@code s.substring(from, to)}, or null. */
  @SuppressWarnings("unchecked")
  @Nullable T get(String s, int from, int to) {
    if (size == 0) {
      return null;
    }
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + s.charAt(i);
    }
    int len = to - from;
    for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null) {
        return null;
      }
      if (k.length() == len && k.regionMatches(0, s, from, len)) {
        return (T) values[i];
      }
    }
  }

  /**
   * The value for the key equal to {@code s.substring(from, to)} compared ASCII
   * case-insensitively, or null; every key of this table must be lower case.
   */
  @SuppressWarnings("unchecked")
  @Nullable T getAsciiIgnoreCase(String s, int from, int to) {
    if (size == 0) {
      return null;
    }
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + lower(s.charAt(i));
    }
    int len = to - from;
    for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null) {
        return null;
      }
      if (k.length() == len && equalsAsciiIgnoreCase(k, s, from)) {
        return (T) values[i];
      }
    }
  }

  /** {@code c} with ASCII upper case mapped to lower case; other characters unchanged. */
  static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }

  /** Whether lower-case {@code key} equals {@code s[from, from + key.length())}, ASCII case-insensitively. */
  static boolean equalsAsciiIgnoreCase(String key, String s, int from) {
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) != lower(s.charAt(from + i))) {
        return false;
      }
    }
    return true;
  }

  /** The value for {@code key}, or null. */
  @Nullable T get(String key) {
    return get(key, 0, key.length());
  }

  /** A copy with {@code key} mapped to {@code value} (added or replaced); this table is unchanged. */
  SegmentTable<T> with(String key, T value) {
    if (size > 0) {
      int i = slot(key);
      if (keys[i] != null) {
        Object[] v = values.clone();
        v[i] = value;
        return new SegmentTable<>(keys, v, mask, size);
      }
      if ((size + 1) * 2 <= keys.length) {
        String[] k = keys.clone();
        Object[] v = values.clone();
        k[i] = key;
        v[i] = value;
        return new SegmentTable<>(k, v, mask, size + 1);
      }
    }
    java.util.HashMap<String, T> map = toMap();
    map.put(key, value);
    return of(map);
  }

  /** A copy without {@code key}; this table itself when it has no such key. */
  SegmentTable<T> without(String key) {
    if (size == 0 || keys[slot(key)] == null) {
      return this;
    }
    java.util.HashMap<String, T> map = toMap();
    map.remove(key);
    return of(map);
  }

  /** The slot holding {@code key}, or the empty slot where it would go. */
  private int slot(String key) {
    for (int i = spread(key.hashCode()) & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null || k.equals(key)) {
        return i;
      }
    }
  }

  private java.util.HashMap<String, T> toMap() {
    java.util.HashMap<String, T> map = new java.util.HashMap<>(size * 2 + 2);
    forEach(map::put);
    return map;
  }

  /** Visits every key and value, in table order. */
  @SuppressWarnings("unchecked")
  void forEach(java.util.function.BiConsumer<String, T> action) {
    for (int i = 0; i < keys.length; i++) {
      String k = keys[i];
      if (k != null) {
        action.accept(k, (T) values[i]);
      }
    }
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }
}
