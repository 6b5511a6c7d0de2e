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
 * bucket array; a lookup pays one more load. Immutable.
 */
final class ExactTable<T> {

  /** Bucket count: at 100,000 exact paths a bucket holds ~400, small enough to copy per update. */
  private static final int BITS = 8;

  private static final ExactTable<?> EMPTY = new ExactTable<>(emptyBuckets(), 0);

  private final SegmentTable<T>[] buckets;
  private final int size;

  private ExactTable(SegmentTable<T>[] buckets, int size) {
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
    List<Map<String, T>> parts = new java.util.ArrayList<>(1 << BITS);
    for (int i = 0; i < 1 << BITS; i++) {
      parts.add(new HashMap<>());
    }
    map.forEach((k, v) -> parts.get(bucket(k.hashCode())).put(k, v));
    SegmentTable<T>[] b = emptyBuckets();
    for (int i = 0; i < b.length; i++) {
      b[i] = SegmentTable.of(parts.get(i));
    }
    return new ExactTable<>(b, map.size());
  }

  /** Top bits of a multiplicative hash: independent of the low bits a bucket's slots use. */
  private static int bucket(int hash) {
    return (hash * 0x9E3779B9) >>> (32 - BITS);
  }

  int size() {
    return size;
  }

  /** The value for {@code key}, using its cached hash code (see {@link SegmentTable#getWhole}). */
  @Nullable T getWhole(String key) {
    return buckets[bucket(key.hashCode())].getWhole(key);
  }

  @Nullable T get(String key) {
    return getWhole(key);
  }

  /** A copy with {@code key} mapped to {@code value}; copies one bucket. This table is unchanged. */
  ExactTable<T> with(String key, T value) {
    int i = bucket(key.hashCode());
    SegmentTable<T> old = buckets[i];
    SegmentTable<T> updated = old.with(key, value);
    SegmentTable<T>[] b = buckets.clone();
    b[i] = updated;
    return new ExactTable<>(b, size + updated.size() - old.size());
  }

  /** A copy without {@code key}; this table itself when it has no such key. */
  ExactTable<T> without(String key) {
    int i = bucket(key.hashCode());
    SegmentTable<T> old = buckets[i];
    SegmentTable<T> updated = old.without(key);
    if (updated == old) {
      return this;
    }
    SegmentTable<T>[] b = buckets.clone();
    b[i] = updated;
    return new ExactTable<>(b, size - 1);
  }

  void forEach(BiConsumer<String, T> action) {
    for (SegmentTable<T> b : buckets) {
      b.forEach(action);
    }
  }
}
