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
  static final PathPlace EMPTY = new PathPlace(NO_ENTRIES, null, NO_ENTRIES, null);

  final Entry<V>[] all;
  final @Nullable SegmentTable<Entry<V>[]> byHost;
  final Entry<V>[] rest;
  /**
   * When every entry has a {@linkplain HostKeys#plainMask plain mask}: those masks, in the order of
   * {@code all}, so that a match decides the place by its method bit alone. Else null.
   */
  final int @Nullable [] plainMasks;
  /**
   * The place's only entry when it has one and that entry has a plain mask ({@code soleMask}):
   * decided by the method bit straight from the place, the commonest case (one route per path).
   */
  final @Nullable Entry<V> sole;
  final int soleMask;

  private PathPlace(Entry<V>[] all, @Nullable SegmentTable<Entry<V>[]> byHost, Entry<V>[] rest,
      int @Nullable [] plainMasks) {
    this.all = all;
    this.byHost = byHost;
    this.rest = rest;
    this.plainMasks = plainMasks;
    boolean single = plainMasks != null && plainMasks.length == 1;
    this.sole = single ? all[0] : null;
    this.soleMask = plainMasks != null && single ? plainMasks[0] : 0;
  }

  /** The entries' plain masks when every entry has one; else null. */
  private static <V> int @Nullable [] plainMasks(Entry<V>[] sorted, @Nullable HostKeys<? super V> hostKeys) {
    if (hostKeys == null) {
      return null;
    }
    int[] masks = new int[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      masks[i] = hostKeys.plainMask(sorted[i].value);
      if (masks[i] == 0) {
        return null;
      }
    }
    return masks;
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
    int[] plain = plainMasks(sorted, hostKeys);
    if (hostKeys == null || plain != null || sorted.length < HOST_INDEX_MIN) {
      return new PathPlace<>(sorted, null, sorted, plain);
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
      return new PathPlace<>(sorted, null, sorted, null);
    }
    Map<String, Entry<V>[]> table = new HashMap<>();
    bound.forEach((h, list) -> table.put(h, list.toArray((Entry<V>[]) new Entry<?>[0])));
    return new PathPlace<>(sorted, SegmentTable.of(table), rest.toArray((Entry<V>[]) new Entry<?>[0]), null);
  }
}
