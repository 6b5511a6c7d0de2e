package io.dynconf.radix.internal;

import io.dynconf.radix.internal.PathTree.Entry;
import io.dynconf.radix.internal.PathTree.HostKeys;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The entries at one place of a {@link PathTree}, sorted in {@link PathTree#PLACE_ORDER}, and for a
 * crowded place a host index: the entries bound to each exact host, and the rest (tried for every
 * host), both sorted. Immutable.
 */
final class PathPlace<V> {

  /**
   * Places with at least this many entries, of which at least half this many are bound to exact
   * hosts, get a host index: a lookup by the request's host then skips every entry bound to
   * other hosts (thousands of tenants on one path cost one probe, not a scan).
   */
  static final int HOST_INDEX_MIN = 8;

  private static final Entry<?>[] NO_ENTRIES = new Entry<?>[0];

  @SuppressWarnings({"unchecked", "rawtypes"}) // one shared empty place serves every value type
  static final PathPlace EMPTY = new PathPlace(NO_ENTRIES, null, NO_ENTRIES);

  final Entry<V>[] all;
  final @Nullable SegmentTable<Entry<V>[]> byHost;
  final Entry<V>[] rest;

  private PathPlace(Entry<V>[] all, @Nullable SegmentTable<Entry<V>[]> byHost, Entry<V>[] rest) {
    this.all = all;
    this.byHost = byHost;
    this.rest = rest;
  }

  /** The shared empty entry array. */
  @SuppressWarnings("unchecked") // an empty array holds no value of any type
  static <V> Entry<V>[] noEntries() {
    return (Entry<V>[]) NO_ENTRIES;
  }

  @SuppressWarnings("unchecked") // EMPTY holds no entries; the arrays hold entries of V only
  static <V> PathPlace<V> of(Entry<V>[] sorted, @Nullable HostKeys<? super V> hostKeys) {
    if (sorted.length == 0) {
      return (PathPlace<V>) EMPTY;
    }
    if (hostKeys == null || sorted.length < HOST_INDEX_MIN) {
      return new PathPlace<>(sorted, null, sorted);
    }
    Map<String, List<Entry<V>>> bound = new HashMap<>();
    List<Entry<V>> rest = new ArrayList<>();
    int boundCount = 0;
    for (Entry<V> e : sorted) {
      String[] hosts = hostKeys.of(e.value);
      if (hosts == null) {
        rest.add(e);
      } else {
        boundCount++;
        for (String h : new LinkedHashSet<>(Arrays.asList(hosts))) {
          bound.computeIfAbsent(h, k -> new ArrayList<>()).add(e);
        }
      }
    }
    if (boundCount < HOST_INDEX_MIN / 2) {
      return new PathPlace<>(sorted, null, sorted);
    }
    Map<String, Entry<V>[]> table = new HashMap<>();
    bound.forEach((h, list) -> table.put(h, list.toArray((Entry<V>[]) new Entry<?>[0])));
    return new PathPlace<>(sorted, SegmentTable.of(table), rest.toArray((Entry<V>[]) new Entry<?>[0]));
  }
}
