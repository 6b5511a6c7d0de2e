package io.dynconf.radix.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The whole-path table of a {@link PathTree}'s exact patterns, split by hash into a fixed number of
 * {@link SegmentTable}s. Why split: an update copies the table it changes (copy-on-write), and one
 * table of every exact path made each update of an exact route O(exact routes) (at 100,000 routes,
 * ~50,000 paths: megabytes copied per route replace). Split, an update copies one bucket and the
 * bucket array. Up to {@link #FLAT_MAX} paths the table stays one flat table (copying it costs a few
 * microseconds), because the bucket array is one more dependent load on every lookup (~3 ns per
 * lookup on the GitHub set in JMH). Immutable.
 */
final class ExactTable<T> {

  /** Bucket count: at 100,000 exact paths a bucket holds ~400, small enough to copy per update. */
  private static final int BITS = 8;

  /** Up to this many paths, one flat table. */
  static final int FLAT_MAX = 1024;

  private static final ExactTable<?> EMPTY = new ExactTable<>(SegmentTable.empty(), null, 0);

  /** All paths, while there are at most {@link #FLAT_MAX}; else null. */
  private final @Nullable SegmentTable<T> flat;
  /** The paths by {@link #bucket}, when not flat; else null. */
  private final SegmentTable<T> @Nullable [] buckets;
  private final int size;

  private ExactTable(@Nullable SegmentTable<T> flat, SegmentTable<T> @Nullable [] buckets, int size) {
    this.flat = flat;
    this.buckets = buckets;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  private static <T> SegmentTable<T>[] emptyBuckets() {
    SegmentTable<T>[] b = (SegmentTable<T>[]) new SegmentTable<?>[1 << BITS];
    java.util.Arrays.fill(b, SegmentTable.empty());
    return b;
  }

  @SuppressWarnings("unchecked")
  static <T> ExactTable<T> empty() {
    return (ExactTable<T>) EMPTY;
  }

  static <T> ExactTable<T> of(Map<String, ? extends T> map) {
    if (map.isEmpty()) {
      return empty();
    }
    if (map.size() <= FLAT_MAX) {
      return new ExactTable<>(SegmentTable.of(map), null, map.size());
    }
    List<Map<String, T>> parts = new java.util.ArrayList<>(1 << BITS);
    for (int i = 0; i < 1 << BITS; i++) {
      parts.add(new HashMap<>());
    }
    map.forEach((k, v) -> parts.get(bucket(k.hashCode())).put(k, v));
    SegmentTable<T>[] b = emptyBuckets();
    for (int i = 0; i < b.length; i++) {
      b[i] = SegmentTable.of(parts.get(i));
    }
    return new ExactTable<>(null, b, map.size());
  }

  /** Top bits of a multiplicative hash: independent of the low bits a bucket's slots use. */
  private static int bucket(int hash) {
    return (hash * 0x9E3779B9) >>> (32 - BITS);
  }

  int size() {
    return size;
  }

  /** The single table holding every path while the table is flat; null when it is bucketed. */
  @Nullable SegmentTable<T> flat() {
    return flat;
  }

  /** The value for {@code key}, using its cached hash code (see {@link SegmentTable#getWhole}). */
  @Nullable T getWhole(String key) {
    SegmentTable<T> t = flat;
    return (t != null ? t : buckets()[bucket(key.hashCode())]).getWhole(key);
  }

  @Nullable T get(String key) {
    return getWhole(key);
  }

  /** A copy with {@code key} mapped to {@code value}; copies one bucket. This table is unchanged. */
  ExactTable<T> with(String key, T value) {
    SegmentTable<T> f = flat;
    if (f != null) {
      SegmentTable<T> updated = f.with(key, value);
      if (updated.size() <= FLAT_MAX) {
        return new ExactTable<>(updated, null, updated.size());
      }
      Map<String, T> all = new HashMap<>();
      updated.forEach(all::put);
      return of(all);
    }
    int i = bucket(key.hashCode());
    SegmentTable<T>[] bs = buckets();
    SegmentTable<T> old = bs[i];
    SegmentTable<T> updated = old.with(key, value);
    SegmentTable<T>[] b = bs.clone();
    b[i] = updated;
    return new ExactTable<>(null, b, size + updated.size() - old.size());
  }

  /** A copy without {@code key}; this table itself when it has no such key. */
  ExactTable<T> without(String key) {
    SegmentTable<T> f = flat;
    if (f != null) {
      SegmentTable<T> updated = f.without(key);
      return updated == f ? this : new ExactTable<>(updated, null, updated.size());
    }
    int i = bucket(key.hashCode());
    SegmentTable<T>[] bs = buckets();
    SegmentTable<T> old = bs[i];
    SegmentTable<T> updated = old.without(key);
    if (updated == old) {
      return this;
    }
    SegmentTable<T>[] b = bs.clone();
    b[i] = updated;
    return new ExactTable<>(null, b, size - 1);
  }

  /** The buckets of a bucketed table (a table is flat or bucketed, never neither). */
  private SegmentTable<T>[] buckets() {
    SegmentTable<T>[] b = buckets;
    if (b == null) {
      throw new AssertionError("a flat table has no buckets");
    }
    return b;
  }

  void forEach(BiConsumer<String, T> action) {
    if (flat != null) {
      flat.forEach(action);
      return;
    }
    for (SegmentTable<T> b : buckets()) {
      b.forEach(action);
    }
  }
}
