package io.dynconf.radix.internal;

import static io.dynconf.radix.internal.PathTree.PLACE_ORDER;

import io.dynconf.core.match.PathPattern;
import io.dynconf.radix.internal.PathTree.Entry;
import io.dynconf.radix.internal.PathTree.HostKeys;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The path-copying edits behind {@link PathTree#plus} and {@link PathTree#minus}: a changed copy of
 * the nodes from a node down to one pattern's place, every node off that path shared with the
 * original; nodes left empty by a removal are dropped. Stateless.
 */
final class PathEdits {

  private PathEdits() {}

  static <V> PathNode<V> insert(PathNode<V> node, PathPattern p, int i, Entry<V> e, @Nullable HostKeys<? super V> hk) {
    if (i == p.size()) {
      return node.with(node.literals, node.param, PathPlace.of(inserted(node.terminals.all, e), hk), node.prefixes,
          node.prefixLengths, node.catchAlls);
    }
    String text = p.segmentText(i);
    switch (p.kind(i)) {
      case LITERAL: {
        PathNode<V> child = node.literals.get(text);
        PathNode<V> updated = insert(child != null ? child : PathNode.empty(), p, i + 1, e, hk);
        return node.with(node.literals.with(text, updated), node.param, node.terminals,
            node.prefixes, node.prefixLengths, node.catchAlls);
      }
      case PARAM: {
        PathNode<V> updated = insert(node.param != null ? node.param : PathNode.empty(), p, i + 1, e, hk);
        return node.with(node.literals, updated, node.terminals, node.prefixes,
            node.prefixLengths, node.catchAlls);
      }
      case PREFIX: {
        PathPlace<V> old = node.prefixes.get(text);
        SegmentTable<PathPlace<V>> prefixes = node.prefixes.with(text, PathPlace.of(inserted(old != null ? old.all : PathPlace.noEntries(), e), hk));
        return node.with(node.literals, node.param, node.terminals, prefixes,
            old != null ? node.prefixLengths : withLength(node.prefixLengths, text.length()), node.catchAlls);
      }
      default:
        return node.with(node.literals, node.param, node.terminals, node.prefixes,
            node.prefixLengths, PathPlace.of(inserted(node.catchAlls.all, e), hk));
    }
  }

  static <V> @Nullable PathNode<V> remove(
      PathNode<V> node, PathPattern p, int i, V value, int[] removed, @Nullable HostKeys<? super V> hk) {
    if (i == p.size()) {
      Entry<V>[] terminals = removed(node.terminals.all, p, value, removed);
      return terminals == node.terminals.all ? node
          : node.with(node.literals, node.param, PathPlace.of(terminals, hk), node.prefixes, node.prefixLengths, node.catchAlls).orNull();
    }
    String text = p.segmentText(i);
    switch (p.kind(i)) {
      case LITERAL: {
        PathNode<V> child = node.literals.get(text);
        if (child == null) {
          return node;
        }
        PathNode<V> updated = remove(child, p, i + 1, value, removed, hk);
        if (updated == child) {
          return node;
        }
        SegmentTable<PathNode<V>> literals = updated == null ? node.literals.without(text) : node.literals.with(text, updated);
        return node.with(literals, node.param, node.terminals, node.prefixes, node.prefixLengths, node.catchAlls).orNull();
      }
      case PARAM: {
        if (node.param == null) {
          return node;
        }
        PathNode<V> updated = remove(node.param, p, i + 1, value, removed, hk);
        if (updated == node.param) {
          return node;
        }
        return node.with(node.literals, updated, node.terminals, node.prefixes, node.prefixLengths, node.catchAlls).orNull();
      }
      case PREFIX: {
        PathPlace<V> old = node.prefixes.get(text);
        if (old == null) {
          return node;
        }
        Entry<V>[] kept = removed(old.all, p, value, removed);
        if (kept == old.all) {
          return node;
        }
        SegmentTable<PathPlace<V>> prefixes = kept.length == 0 ? node.prefixes.without(text) : node.prefixes.with(text, PathPlace.of(kept, hk));
        return node.with(node.literals, node.param, node.terminals, prefixes,
            kept.length == 0 ? withoutLength(node.prefixLengths, prefixes, text.length()) : node.prefixLengths, node.catchAlls).orNull();
      }
      default: {
        Entry<V>[] kept = removed(node.catchAlls.all, p, value, removed);
        return kept == node.catchAlls.all ? node
            : node.with(node.literals, node.param, node.terminals, node.prefixes, node.prefixLengths, PathPlace.of(kept, hk)).orNull();
      }
    }
  }

  /** A copy of the sorted {@code entries} with {@code e} in its place. */
  static <V> Entry<V>[] inserted(Entry<V>[] entries, Entry<V> e) {
    int at = 0;
    while (at < entries.length && PLACE_ORDER.compare(entries[at], e) <= 0) {
      at++;
    }
    Entry<V>[] out = Arrays.copyOf(entries, entries.length + 1);
    System.arraycopy(entries, at, out, at + 1, entries.length - at);
    out[at] = e;
    return out;
  }

  /** {@code entries} without those of pattern {@code p} holding {@code value}; the same array if none. */
  static <V> Entry<V>[] removed(Entry<V>[] entries, PathPattern p, V value, int[] removed) {
    int n = 0;
    for (Entry<V> e : entries) {
      if (e.value == value && e.pattern.text().equals(p.text())) {
        n++;
      }
    }
    if (n == 0) {
      return entries;
    }
    removed[0] += n;
    if (n == entries.length) {
      return PathPlace.noEntries();
    }
    Entry<V>[] out = Arrays.copyOf(entries, entries.length - n);
    int j = 0;
    for (Entry<V> e : entries) {
      if (!(e.value == value && e.pattern.text().equals(p.text()))) {
        out[j++] = e;
      }
    }
    return out;
  }

  /**
   * {@code lengths} (distinct, longest first) with {@code len}: the same array when it is there. An
   * insert into a node with 100,000 prefixes costs no pass over them.
   */
  static int[] withLength(int[] lengths, int len) {
    int i = 0;
    while (i < lengths.length && lengths[i] > len) {
      i++;
    }
    if (i < lengths.length && lengths[i] == len) {
      return lengths;
    }
    int[] out = new int[lengths.length + 1];
    System.arraycopy(lengths, 0, out, 0, i);
    out[i] = len;
    System.arraycopy(lengths, i, out, i + 1, lengths.length - i);
    return out;
  }

  /** {@code lengths} without {@code len} once no key of {@code prefixes} has that length. */
  static int[] withoutLength(int[] lengths, SegmentTable<?> prefixes, int len) {
    if (prefixes.hasKeyOfLength(len)) {
      return lengths;
    }
    int i = 0;
    while (i < lengths.length && lengths[i] != len) {
      i++;
    }
    if (i == lengths.length) {
      return lengths;
    }
    if (lengths.length == 1) {
      return PathNode.NO_LENGTHS;
    }
    int[] out = new int[lengths.length - 1];
    System.arraycopy(lengths, 0, out, 0, i);
    System.arraycopy(lengths, i + 1, out, i, lengths.length - i - 1);
    return out;
  }
}
