package io.dynconf.radix.internal;

import io.dynconf.radix.internal.PathTree.Entry;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One node of a {@link PathTree}: the position after a run of complete segments. It holds the
 * literal children by segment, the one parameter child, the entries ending here
 * ({@code terminals}), the prefix entries by literal with the distinct literal lengths descending,
 * and the catch-all entries. Immutable: an edit copies the nodes on its path ({@link PathEdits}).
 */
final class PathNode<V> {

  static final int[] NO_LENGTHS = new int[0];

  @SuppressWarnings({"unchecked", "rawtypes"}) // one shared empty node serves every value type
  private static final PathNode<?> EMPTY =
      new PathNode(SegmentTable.empty(), null, PathPlace.EMPTY, SegmentTable.empty(), NO_LENGTHS, PathPlace.EMPTY);

  final SegmentTable<PathNode<V>> literals;
  final @Nullable PathNode<V> param;
  final PathPlace<V> terminals;
  final SegmentTable<PathPlace<V>> prefixes;
  final int[] prefixLengths;
  final PathPlace<V> catchAlls;
  /**
   * Whether {@code prefixes} and {@code catchAlls} have entries: most nodes have neither, and a
   * walk that reads these flags leaves the (empty) arrays and places untouched.
   */
  final boolean hasPrefixes;
  final boolean hasCatchAlls;
  /**
   * Whether anything but a literal child can match here (prefixes, a parameter child,
   * catch-alls): if not, the walk's descent to a literal child is a tail call.
   */
  final boolean alternatives;

  /*
   * The literal table's arrays and first-character filter in this node's own fields (null keys: the table is
   * chunked, and is read through literals): a walk finds a literal child without the load through
   * the table object, one dependent load less per literal segment.
   */
  private final @Nullable String @Nullable [] litKeys;
  private final int[] litHashes;
  private final @Nullable Object[] litValues;
  /** The first-character filter; both 0 for an empty table, so that nothing passes it. */
  private final long litFirstLo;
  private final long litFirstHi;

  PathNode(
      SegmentTable<PathNode<V>> literals,
      @Nullable PathNode<V> param,
      PathPlace<V> terminals,
      SegmentTable<PathPlace<V>> prefixes,
      int[] prefixLengths,
      PathPlace<V> catchAlls) {
    this.literals = literals;
    this.param = param;
    this.terminals = terminals;
    this.prefixes = prefixes;
    this.prefixLengths = prefixLengths;
    this.catchAlls = catchAlls;
    this.hasPrefixes = prefixLengths.length > 0;
    this.hasCatchAlls = catchAlls.all.length > 0;
    this.alternatives = hasPrefixes || param != null || hasCatchAlls;
    boolean own = !literals.isChunked();
    this.litKeys = own ? literals.keysArray() : null;
    this.litHashes = literals.hashesArray();
    this.litValues = literals.valuesArray();
    boolean empty = literals.size() == 0; // (a table's filter may keep a removed key's bits)
    this.litFirstLo = empty ? 0 : literals.firstLoFilter();
    this.litFirstHi = empty ? 0 : literals.firstHiFilter();
  }

  /** {@link SegmentTable#mayHaveSegmentAt} of {@code literals}, from this node's fields. */
  boolean mayHaveLiteralAt(String s, int from) {
    if (litKeys == null) {
      return literals.mayHaveSegmentAt(s, from);
    }
    char c = from == s.length() ? 0 : s.charAt(from);
    if (c == '/' || c >= 128) {
      c = 0;
    }
    return c < 64 ? (litFirstLo & (1L << c)) != 0 : (litFirstHi & (1L << (c - 64))) != 0;
  }

  /** {@link SegmentTable#getHashed} of {@code literals}, from this node's fields. */
  @SuppressWarnings("unchecked")
  @Nullable PathNode<V> literal(String s, int from, int to, int hash) {
    @Nullable String[] keys = litKeys;
    if (keys == null) {
      return literals.getHashed(s, from, to, hash);
    }
    int len = to - from;
    if (!literals.mayHaveLength(len)) { // the table's own field: loaded while the segment is hashed
      return null;
    }
    int[] hashes = litHashes;
    int mask = keys.length - 1;
    for (int i = (hash ^ (hash >>> 16)) & mask; ; i = (i + 1) & mask) { // SegmentTable's slot of a hash
      String k = keys[i];
      if (k == null) {
        return null;
      }
      if (hashes[i] == hash && k.length() == len && SegmentTable.sameChars(k, s, from, len)) {
        return (PathNode<V>) litValues[i];
      }
    }
  }

  /** The shared node without children or entries. */
  @SuppressWarnings("unchecked") // EMPTY holds no entries of any type
  static <V> PathNode<V> empty() {
    return (PathNode<V>) EMPTY;
  }

  PathNode<V> with(
      SegmentTable<PathNode<V>> literals,
      @Nullable PathNode<V> param,
      PathPlace<V> terminals,
      SegmentTable<PathPlace<V>> prefixes,
      int[] prefixLengths,
      PathPlace<V> catchAlls) {
    return new PathNode<>(literals, param, terminals, prefixes, prefixLengths, catchAlls);
  }

  /** This node, or null when nothing is left beneath it. */
  @Nullable PathNode<V> orNull() {
    return literals.size() == 0 && param == null && terminals.all.length == 0 && prefixes.size() == 0
        && catchAlls.all.length == 0 ? null : this;
  }

  /** Adds every entry at or beneath this node to {@code out}. */
  void collect(List<Entry<V>> out) {
    out.addAll(Arrays.asList(terminals.all));
    out.addAll(Arrays.asList(catchAlls.all));
    prefixes.forEach((k, v) -> out.addAll(Arrays.asList(v.all)));
    literals.forEach((k, c) -> c.collect(out));
    if (param != null) {
      param.collect(out);
    }
  }
}
