package io.dynconf.radix.internal;

import static io.dynconf.radix.internal.PathTree.PLACE_ORDER;

import io.dynconf.core.match.PathPattern;
import io.dynconf.radix.internal.PathTree.Entry;
import io.dynconf.radix.internal.PathTree.HostKeys;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The build phase behind {@link PathTree.Builder}: the patterns collected so far in a mutable tree
 * of the same shape as {@link PathNode}'s (exact patterns apart, by their whole text), and
 * {@link #build()}, which freezes it into an immutable {@link PathTree}. Not thread-safe.
 */
final class PathBuild<V> {

  private static final class MNode<V> {
    final Map<String, MNode<V>> literals = new HashMap<>();
    @Nullable MNode<V> param;
    final List<Entry<V>> terminals = new ArrayList<>();
    final Map<String, List<Entry<V>>> prefixes = new HashMap<>();
    final List<Entry<V>> catchAlls = new ArrayList<>();
  }

  private final MNode<V> root = new MNode<>();
  private final Map<String, List<Entry<V>>> exact = new HashMap<>();
  private final @Nullable HostKeys<? super V> hostKeys;
  private int size;
  private int maxCaptures;

  PathBuild(@Nullable HostKeys<? super V> hostKeys) {
    this.hostKeys = hostKeys;
  }

  void add(Entry<V> entry) {
    PathPattern p = entry.pattern;
    if (p.isExact()) {
      exact.computeIfAbsent(p.text(), k -> new ArrayList<>()).add(entry);
      size++;
      return;
    }
    MNode<V> node = root;
    for (int i = 0; i < p.size(); i++) {
      String text = p.segmentText(i);
      switch (p.kind(i)) {
        case LITERAL -> node = node.literals.computeIfAbsent(text, k -> new MNode<>());
        case PARAM -> {
          if (node.param == null) {
            node.param = new MNode<>();
          }
          node = node.param;
        }
        case PREFIX -> {
          node.prefixes.computeIfAbsent(text, k -> new ArrayList<>()).add(entry);
          node = null;
        }
        case CATCH_ALL -> {
          node.catchAlls.add(entry);
          node = null;
        }
      }
      if (node == null) {
        break;
      }
    }
    if (node != null) {
      node.terminals.add(entry);
    }
    size++;
    maxCaptures = Math.max(maxCaptures, entry.names.length);
  }

  /** See {@link PathTree.Builder#remove}. */
  boolean remove(String pattern, long sequence) {
    PathPattern p = PathPattern.parse(pattern);
    MNode<V> node = root;
    List<Entry<V>> list = p.isExact() ? exact.get(p.text()) : null;
    if (p.isExact()) {
      node = null;
    }
    for (int i = 0; i < p.size() && node != null; i++) {
      String text = p.segmentText(i);
      switch (p.kind(i)) {
        case LITERAL -> node = node.literals.get(text);
        case PARAM -> node = node.param;
        case PREFIX -> {
          list = node.prefixes.get(text);
          node = null;
        }
        case CATCH_ALL -> {
          list = node.catchAlls;
          node = null;
        }
      }
    }
    if (node != null) {
      list = node.terminals;
    }
    if (list == null) {
      return false;
    }
    int before = list.size();
    list.removeIf(e -> e.sequence == sequence && e.pattern().equals(pattern));
    size -= before - list.size();
    return list.size() != before;
  }

  /** Compiles the entries added so far; this stays usable. */
  PathTree<V> build() {
    PathNode<V> frozen = freeze(root, false, hostKeys);
    Map<String, PathPlace<V>> places = new HashMap<>();
    exact.forEach((text, list) -> {
      if (!list.isEmpty()) {
        places.put(text, PathPlace.of(sorted(list), hostKeys));
      }
    });
    PathNode<V> top = frozen != null ? frozen : freeze(new MNode<>(), true, hostKeys);
    return new PathTree<>(Objects.requireNonNull(top, "an empty root freezes to a node"), ExactTable.of(places),
        size, maxCaptures, hostKeys);
  }

  private static <V> Entry<V>[] sorted(List<Entry<V>> list) {
    if (list.isEmpty()) {
      return PathPlace.noEntries();
    }
    @SuppressWarnings("unchecked") // the list holds entries of V only
    Entry<V>[] array = list.toArray((Entry<V>[]) new Entry<?>[0]);
    Arrays.sort(array, PLACE_ORDER);
    return array;
  }

  /** Null for a node without entries beneath it (left behind by {@link #remove}), unless {@code keepEmpty}. */
  private static <V> @Nullable PathNode<V> freeze(MNode<V> m, boolean keepEmpty, @Nullable HostKeys<? super V> hk) {
    Map<String, PathNode<V>> children = new HashMap<>();
    m.literals.forEach(
        (k, c) -> {
          PathNode<V> child = freeze(c, false, hk);
          if (child != null) {
            children.put(k, child);
          }
        });
    PathNode<V> param = m.param == null ? null : freeze(m.param, false, hk);
    boolean noPrefixes = m.prefixes.values().stream().allMatch(List::isEmpty);
    if (!keepEmpty && children.isEmpty() && param == null && m.terminals.isEmpty()
        && m.catchAlls.isEmpty() && noPrefixes) {
      return null;
    }
    Map<String, PathPlace<V>> prefixes = new HashMap<>();
    TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
    m.prefixes.forEach(
        (k, list) -> {
          if (!list.isEmpty()) {
            prefixes.put(k, PathPlace.of(sorted(list), hk));
            lengths.add(k.length());
          }
        });
    int[] prefixLengths =
        lengths.isEmpty() ? PathNode.NO_LENGTHS : lengths.stream().mapToInt(Integer::intValue).toArray();
    return new PathNode<>(
        SegmentTable.of(children),
        param,
        PathPlace.of(sorted(m.terminals), hk),
        SegmentTable.of(prefixes),
        prefixLengths,
        PathPlace.of(sorted(m.catchAlls), hk));
  }
}
