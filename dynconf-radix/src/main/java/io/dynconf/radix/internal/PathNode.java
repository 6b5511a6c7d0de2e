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

  /*
   * A small literal table (at most SIGNED_MAX keys) again, slotted by each key's signature (its
   * length and its first, middle and last characters) instead of its hash: a segment's signature is
   * four reads, where its hash is a chain of one multiply per character that the walk waits for. A
   * signature says nothing of the other characters, so a slot holds one key, compared whole. Built
   * only when a multiplier puts every key in a slot of its own; null otherwise (the hashed table).
   */
  private final @Nullable String @Nullable [] sigKeys;
  private final @Nullable Object @Nullable [] sigValues;
  private final int sigMultiplier;
  private final int sigShift;
  /** The most keys a node's literal table has for a signature table of its own. */
  static final int SIGNED_MAX = 32;
  /** Odd multipliers tried in turn for a signature table without two keys in one slot. */
  private static final int[] SIG_MULTIPLIERS = {0x9E3779B9, 0x85EBCA6B, 0xC2B2AE35, 0x27D4EB2F, 0x165667B1, 0xD3A2646D,
      0xFD7046C5, 0xB55A4F09};

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
    @Nullable String[] ownKeys = litKeys;
    @Nullable Object[] signed = ownKeys != null && !empty && literals.size() <= SIGNED_MAX ? signatureTable(ownKeys, litValues) : null;
    this.sigKeys = signed == null ? null : (String[]) signed[0];
    this.sigValues = signed == null ? null : (Object[]) signed[1];
    this.sigMultiplier = signed == null ? 0 : (Integer) signed[2];
    this.sigShift = signed == null ? 0 : (Integer) signed[3];
  }

  /** The signature of {@code s}'s characters {@code [from, to)}: see {@link #sigKeys}. */
  static int signature(String s, int from, int to) {
    int len = to - from;
    if (len == 0) {
      return 0x5BD1E995;
    }
    return len * 0x01000193 + (s.charAt(from) << 20) + (s.charAt(from + (len >>> 1)) << 10) + s.charAt(to - 1);
  }

  /**
   * {keys, values, multiplier, shift} of a signature table holding the non-null keys of {@code
   * keys} with their values (at most 4 slots per key), or null when no multiplier tried gives every
   * key a slot of its own.
   */
  private static @Nullable Object @Nullable [] signatureTable(@Nullable String[] keys, @Nullable Object[] values) {
    int n = 0;
    for (String k : keys) {
      if (k != null) {
        n++;
      }
    }
    for (int bits = 32 - Integer.numberOfLeadingZeros(n - 1) + 1; bits <= 32 - Integer.numberOfLeadingZeros(n - 1) + 2; bits++) {
      int shift = 32 - Math.max(bits, 1);
      next:
      for (int m : SIG_MULTIPLIERS) {
        String[] slotted = new String[1 << (32 - shift)];
        Object[] slottedValues = new Object[slotted.length];
        for (int i = 0; i < keys.length; i++) {
          String k = keys[i];
          if (k == null) {
            continue;
          }
          int slot = (signature(k, 0, k.length()) * m) >>> shift;
          if (slotted[slot] != null) {
            continue next;
          }
          slotted[slot] = k;
          slottedValues[slot] = values[i];
        }
        return new Object[] {slotted, slottedValues, m, shift};
      }
    }
    return null;
  }

  /** Whether this node finds a literal child by {@link #literalBySignature} (else by {@link #literal}). */
  boolean signed() {
    return sigKeys != null;
  }

  /** The literal child for the segment {@code s[from, to)} through the signature table; see {@link #signed}. */
  @SuppressWarnings({"unchecked", "NullAway"}) // signed() was checked by the caller: both arrays are set
  @Nullable PathNode<V> literalBySignature(String s, int from, int to) {
    int slot = (signature(s, from, to) * sigMultiplier) >>> sigShift;
    String k = sigKeys[slot];
    int len = to - from;
    if (k != null && k.length() == len && SegmentTable.sameChars(k, s, from, len)) {
      return (PathNode<V>) sigValues[slot];
    }
    return null;
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
