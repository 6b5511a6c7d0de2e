package io.dynconf.radix.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable open-addressing hash table from strings to values that is looked up by a region of
 * another string ({@code s[from, to)}) without allocating a substring.
 *
 * <p>Each slot's key hash ({@code String.hashCode}) is kept in an {@code int[]} beside the keys, so
 * a probe that passes other keys compares ints and never loads those keys' strings (on a router's
 * lookup path, touching a string object and its bytes costs more than the comparison).
 */
final class SegmentTable<T> {

  private static final SegmentTable<?> EMPTY =
      new SegmentTable<>(new String[1], new int[1], new Object[1], 0, 0);

  private final @Nullable String[] keys;
  /** {@code keys[i].hashCode()} for every used slot (0 for an empty one). */
  private final int[] hashes;
  private final @Nullable Object[] values;
  private final int mask;
  private final int size;
  /**
   * A filter in front of the hash: bit {@code n} of {@code lengths} is set when some key has length
   * {@code n} (bit 63: 63 or more); {@code firstLo}/{@code firstHi} hold the keys' first characters
   * below 128 (bit 0 of {@code firstLo}, for NUL, also stands for every character from 128 on and
   * for the empty key). A segment whose length or first character no key has is a miss without
   * hashing: a parameter value among literal siblings usually is.
   */
  private final long lengths;
  private final long firstLo;
  private final long firstHi;
  /**
   * Above {@link #CHUNKED_AT} keys the table is {@value #CHUNKS} tables chosen by the top bits of a
   * key's hash (its own arrays then hold nothing): an edit copies the chunk array and one chunk
   * (~10 KB at 100,000 keys, the keys spread evenly: see chunkOf) instead of arrays with 262,144 slots (3 MB, and as much garbage, per
   * route added to a node with 100,000 prefixes). Null for a table of its own.
   */
  private final SegmentTable<T> @Nullable [] chunks;

  /** Keys above which a table is split into chunks. */
  static final int CHUNKED_AT = 4096;
  private static final int CHUNK_BITS = 8;
  private static final int CHUNKS = 1 << CHUNK_BITS;

  /** A table whose filter is computed from its keys (a pass over them: for a table built whole). */
  private SegmentTable(@Nullable String[] keys, int[] hashes, @Nullable Object[] values, int mask, int size) {
    this(keys, hashes, values, mask, size, filterOf(keys));
  }

  /**
   * A table with a given filter: an edited copy passes its original's filter plus the added key's
   * bits, so an edit of a table with 100,000 keys does not read every key's string again. A removed
   * key's bits stay: the filter may admit more than the keys hold (a miss is then found by the hash),
   * never less.
   */
  private SegmentTable(@Nullable String[] keys, int[] hashes, @Nullable Object[] values, int mask, int size, long[] filter) {
    this(keys, hashes, values, mask, size, filter, null);
  }

  private SegmentTable(@Nullable String[] keys, int[] hashes, @Nullable Object[] values, int mask, int size, long[] filter,
      SegmentTable<T> @Nullable [] chunks) {
    this.keys = keys;
    this.hashes = hashes;
    this.values = values;
    this.mask = mask;
    this.size = size;
    this.lengths = filter[0];
    this.firstLo = filter[1];
    this.firstHi = filter[2];
    this.chunks = chunks;
  }

  /** A chunked table over {@code chunks} (each holding the keys whose hash's top bits are its index). */
  private static <T> SegmentTable<T> chunked(SegmentTable<T>[] chunks, int size, long[] filter) {
    return new SegmentTable<>(new String[1], new int[1], new Object[1], 0, size, filter, chunks);
  }

  /**
   * The chunk of a key with this hash: the top bits of the hash multiplied by a large odd constant
   * (Fibonacci hashing). Not the hash's own top bits: {@code String.hashCode} of short keys that
   * differ in their last characters ({@code svc0} .. {@code svc99999}) varies only in its low bits,
   * which put 88,000 of 100,000 such keys in one chunk and made each edit copy that chunk whole.
   */
  static int chunkOf(int hash) {
    return (hash * 0x9E3779B9) >>> (32 - CHUNK_BITS);
  }

  /** The most keys any chunk holds (this table's size when it is not chunked). */
  int largestChunk() {
    SegmentTable<T>[] c = chunks;
    if (c == null) {
      return size;
    }
    int max = 0;
    for (SegmentTable<T> t : c) {
      max = Math.max(max, t.size);
    }
    return max;
  }

  /** The table a key with this hash is in: this one, or its chunk. */
  private SegmentTable<T> tableFor(int hash) {
    SegmentTable<T>[] c = chunks;
    return c == null ? this : c[chunkOf(hash)];
  }

  private static long[] filterOfChunks(SegmentTable<?>[] chunks) {
    long[] f = new long[3];
    for (SegmentTable<?> c : chunks) {
      f[0] |= c.lengths;
      f[1] |= c.firstLo;
      f[2] |= c.firstHi;
    }
    return f;
  }

  private static long[] filterOf(@Nullable String[] keys) {
    long[] f = new long[3];
    for (String k : keys) {
      if (k != null) {
        addToFilter(f, k);
      }
    }
    return f;
  }

  private static void addToFilter(long[] f, String k) {
    f[0] |= 1L << Math.min(63, k.length());
    char c = k.isEmpty() ? 0 : k.charAt(0);
    if (c >= 128) {
      c = 0;
    }
    if (c < 64) {
      f[1] |= 1L << c;
    } else {
      f[2] |= 1L << (c - 64);
    }
  }

  /** This table's filter with {@code added}'s bits. */
  private long[] filterWith(@Nullable String added) {
    long[] f = {lengths, firstLo, firstHi};
    if (added != null) {
      addToFilter(f, added);
    }
    return f;
  }

  /** Whether the filter admits a key of length {@code len} starting with {@code s[from]}. */
  private boolean mayContain(String s, int from, int len) {
    return mayHaveLength(len) && mayStartWith(len == 0 ? 0 : s.charAt(from));
  }

  boolean mayHaveLength(int len) {
    return (lengths & (1L << Math.min(63, len))) != 0;
  }

  /** Whether the filter admits a key starting with {@code c} (0 for the empty key). */
  private boolean mayStartWith(char c) {
    if (c >= 128) {
      c = 0;
    }
    return c < 64 ? (firstLo & (1L << c)) != 0 : (firstHi & (1L << (c - 64))) != 0;
  }

  /**
   * Whether some key could equal the segment of {@code s} that starts at {@code from} and ends
   * before the next {@code '/'} (or at the end), judged by its first character alone: false for
   * an empty table. A walk asks this before it reads the segment, so that a segment no key could
   * equal (a parameter value, usually) is only scanned for its end, never hashed.
   */
  boolean mayHaveSegmentAt(String s, int from) {
    if (size == 0) {
      return false;
    }
    char c = from == s.length() ? 0 : s.charAt(from);
    return mayStartWith(c == '/' ? 0 : c);
  }

  @SuppressWarnings("unchecked")
  static <T> SegmentTable<T> empty() {
    return (SegmentTable<T>) EMPTY;
  }

  static <T> SegmentTable<T> of(Map<String, ? extends T> map) {
    if (map.isEmpty()) {
      return empty();
    }
    if (map.size() > CHUNKED_AT) {
      List<Map<String, T>> parts = new ArrayList<>(CHUNKS);
      for (int i = 0; i < CHUNKS; i++) {
        parts.add(new HashMap<>());
      }
      map.forEach((k, v) -> parts.get(chunkOf(k.hashCode())).put(k, v));
      @SuppressWarnings("unchecked")
      SegmentTable<T>[] c = new SegmentTable[CHUNKS];
      for (int i = 0; i < CHUNKS; i++) {
        c[i] = flatOf(parts.get(i)); // a chunk is never split again (its keys share the top bits)
      }
      return chunked(c, map.size(), filterOfChunks(c));
    }
    return flatOf(map);
  }

  private static <T> SegmentTable<T> flatOf(Map<String, ? extends T> map) {
    if (map.isEmpty()) {
      return empty();
    }
    int cap = Integer.highestOneBit(Math.max(2, map.size() * 2 - 1)) << 1;
    String[] keys = new String[cap];
    int[] hashes = new int[cap];
    Object[] values = new Object[cap];
    int mask = cap - 1;
    for (Map.Entry<String, ? extends T> e : map.entrySet()) {
      put(keys, hashes, values, mask, e.getKey(), e.getValue());
    }
    return new SegmentTable<>(keys, hashes, values, mask, map.size());
  }

  int size() {
    return size;
  }

  // The arrays of a table of its own (not chunked), for a reader that keeps them in its own fields
  // to save the load through this object (PathTree's exact-path index). Never written.

  @Nullable String[] keysArray() {
    return keys;
  }

  int[] hashesArray() {
    return hashes;
  }

  @Nullable Object[] valuesArray() {
    return values;
  }

  int maskValue() {
    return mask;
  }

  long lengthsFilter() {
    return lengths;
  }

  long firstLoFilter() {
    return firstLo;
  }

  long firstHiFilter() {
    return firstHi;
  }

  boolean isChunked() {
    return chunks != null;
  }

  /** The value for the key equal to {@code s.substring(from, to)}, or null. */
  @Nullable T get(String s, int from, int to) {
    if (size == 0 || !mayContain(s, from, to - from)) {
      return null;
    }
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + s.charAt(i);
    }
    return probe(s, from, to, h);
  }

  /**
   * {@link #get(String, int, int)} for a region whose hash ({@code s.substring(from,
   * to).hashCode()}) the caller computed in the pass that found the region's end, and whose first
   * character passed {@link #mayHaveSegmentAt}.
   */
  @Nullable T getHashed(String s, int from, int to, int hash) {
    return mayHaveLength(to - from) ? probe(s, from, to, hash) : null;
  }

  @SuppressWarnings("unchecked")
  private @Nullable T probe(String s, int from, int to, int hash) {
    SegmentTable<T> t = tableFor(hash);
    @Nullable String[] keys = t.keys;
    int[] hashes = t.hashes;
    int mask = t.mask;
    int len = to - from;
    for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null) {
        return null;
      }
      if (hashes[i] == hash && k.length() == len && sameChars(k, s, from, len)) {
        return (T) t.values[i];
      }
    }
  }

  /**
   * Whether {@code k} equals {@code s[from, from + len)}; the caller checked the lengths. A plain
   * {@code charAt} loop: {@code String.regionMatches} re-checks both strings' bounds and coders
   * first, which on this path cost as much as the comparison.
   */
  static boolean sameChars(String k, String s, int from, int len) {
    for (int j = 0; j < len; j++) {
      if (k.charAt(j) != s.charAt(from + j)) {
        return false;
      }
    }
    return true;
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
    SegmentTable<T> t = tableFor(h);
    @Nullable String[] keys = t.keys;
    int[] hashes = t.hashes;
    int mask = t.mask;
    int len = to - from;
    for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null) {
        return null;
      }
      if (hashes[i] == h && k.length() == len && equalsAsciiIgnoreCase(k, s, from)) {
        return (T) t.values[i];
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

  /**
   * The value for {@code key}, or null, using {@code key}'s own (cached) hash code and {@code
   * equals}: for a whole request path, one hash per string instead of a pass per lookup. A key
   * length no key has is a miss before the probe (most paths that only patterns match).
   */
  @SuppressWarnings("unchecked")
  @Nullable T getWhole(String key) {
    if (size == 0 || !mayHaveLength(key.length())) {
      return null;
    }
    int h = key.hashCode();
    SegmentTable<T> t = tableFor(h);
    @Nullable String[] keys = t.keys;
    int[] hashes = t.hashes;
    int mask = t.mask;
    for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null) {
        return null;
      }
      if (hashes[i] == h && k.equals(key)) {
        return (T) t.values[i];
      }
    }
  }

  /** The value for {@code key}, or null. */
  @Nullable T get(String key) {
    return get(key, 0, key.length());
  }

  /**
   * A copy with {@code key} mapped to {@code value} (added or replaced); this table is unchanged.
   * Costs one copy of the arrays (O(capacity)), never a rehash through a map.
   */
  SegmentTable<T> with(String key, T value) {
    SegmentTable<T>[] c = chunks;
    if (c != null) {
      int ci = chunkOf(key.hashCode());
      SegmentTable<T> chunk = c[ci].withFlat(key, value);
      SegmentTable<T>[] next = c.clone();
      next[ci] = chunk;
      return chunked(next, size + chunk.size - c[ci].size, filterWith(key));
    }
    if (size >= CHUNKED_AT && get(key) == null) { // about to pass the threshold: split (once, O(n))
      Map<String, T> all = new HashMap<>(size * 2);
      forEach(all::put);
      all.put(key, value);
      return of(all);
    }
    return withFlat(key, value);
  }

  /** {@link #with} on a table of its own (never split: also what a chunk uses). */
  private SegmentTable<T> withFlat(String key, T value) {
    if (size > 0) {
      int i = slot(key);
      if (keys[i] != null) {
        Object[] v = values.clone();
        v[i] = value;
        return new SegmentTable<>(keys, hashes, v, mask, size, filterWith(null));
      }
      if ((size + 1) * 2 <= keys.length) {
        String[] k = keys.clone();
        int[] h = hashes.clone();
        Object[] v = values.clone();
        k[i] = key;
        h[i] = key.hashCode();
        v[i] = value;
        return new SegmentTable<>(k, h, v, mask, size + 1, filterWith(key));
      }
    }
    int cap = Math.max(4, keys.length * 2);
    while ((size + 1) * 2 > cap) {
      cap *= 2;
    }
    String[] k = new String[cap];
    int[] h = new int[cap];
    Object[] v = new Object[cap];
    int m = cap - 1;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != null) {
        put(k, h, v, m, keys[i], values[i]);
      }
    }
    put(k, h, v, m, key, value);
    return new SegmentTable<>(k, h, v, m, size + 1, filterOf(k)); // a grown table: the filter read afresh (amortized)
  }

  private static void put(String[] k, int[] h, Object[] v, int mask, String key, @Nullable Object value) {
    int hash = key.hashCode();
    int i = spread(hash) & mask;
    while (k[i] != null) {
      i = (i + 1) & mask;
    }
    k[i] = key;
    h[i] = hash;
    v[i] = value;
  }

  /**
   * A copy without {@code key}; this table itself when it has no such key. Deletes by shifting the
   * rest of the probe run back (no tombstones), on copied arrays.
   */
  SegmentTable<T> without(String key) {
    if (size == 0) {
      return this;
    }
    SegmentTable<T>[] c = chunks;
    if (c != null) {
      int ci = chunkOf(key.hashCode());
      SegmentTable<T> chunk = c[ci].without(key);
      if (chunk == c[ci]) {
        return this;
      }
      SegmentTable<T>[] next = c.clone();
      next[ci] = chunk;
      return chunked(next, size - 1, filterWith(null)); // stays chunked: no flapping at the threshold
    }
    int hole = slot(key);
    if (keys[hole] == null) {
      return this;
    }
    if (size == 1) {
      return empty();
    }
    String[] k = keys.clone();
    int[] h = hashes.clone();
    Object[] v = values.clone();
    k[hole] = null;
    h[hole] = 0;
    v[hole] = null;
    for (int j = (hole + 1) & mask; k[j] != null; j = (j + 1) & mask) {
      int home = spread(h[j]) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) { // the hole lies on j's probe path
        k[hole] = k[j];
        h[hole] = h[j];
        v[hole] = v[j];
        k[j] = null;
        h[j] = 0;
        v[j] = null;
        hole = j;
      }
    }
    return new SegmentTable<>(k, h, v, mask, size - 1, filterWith(null));
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

  /** Whether some key has length {@code len} (the filter first; then a scan that stops at the first). */
  boolean hasKeyOfLength(int len) {
    if (size == 0 || !mayHaveLength(len)) {
      return false;
    }
    if (chunks != null) {
      for (SegmentTable<T> c : chunks) {
        if (c.hasKeyOfLength(len)) {
          return true;
        }
      }
      return false;
    }
    for (String k : keys) {
      if (k != null && k.length() == len) {
        return true;
      }
    }
    return false;
  }

  /** Visits every key and value, in table order. */
  @SuppressWarnings("unchecked")
  void forEach(java.util.function.BiConsumer<String, T> action) {
    if (chunks != null) {
      for (SegmentTable<T> c : chunks) {
        c.forEach(action);
      }
      return;
    }
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
