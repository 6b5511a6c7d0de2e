package io.dynconf.radix.internal;

import io.dynconf.core.match.PathPattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, segment-aware radix tree from path patterns (see {@link PathPattern}) to values,
 * with lua-resty-radixtree's path semantics. For one path it yields every matching pattern as a
 * <em>candidate</em>, in the order the router tests its predicates, so the router takes the first
 * candidate whose predicates pass ({@link #first}).
 *
 * <h2>Structure</h2>
 *
 * One node per position after a run of complete segments. Each node holds: literal children in a
 * hash table looked up by the path's segment in place (no substring, no scan); one parameter
 * child shared by every {@code :name} at that position (names are kept per entry, so
 * {@code /u/:id} and {@code /u/:name/x} share it); the entries ending at the node
 * ({@code terminals}); prefix entries ({@code /foo*}) keyed by their literal in a second table, with
 * the distinct literal lengths kept descending so a lookup probes once per length; and catch-all
 * entries ({@code /foo/*}, {@code /foo/*rest}). No regular expressions are involved and routes
 * that merely share a prefix are never scanned.
 *
 * <h2>Candidate order</h2>
 *
 * Candidates come out of a depth-first walk that, at every node and for the path's next segment,
 * tries in this order:
 *
 * <ol>
 *   <li>the literal child equal to the segment (and everything beneath it);
 *   <li>prefix entries whose literal the rest of the path starts with, longest literal first;
 *   <li>the parameter child (and everything beneath it), if the segment is non-empty;
 *   <li>catch-all entries.
 * </ol>
 *
 * When the path is used up, the node's terminal entries are candidates. Equivalently: compare two
 * candidates segment by segment, literal before prefix (longer first) before parameter before
 * catch-all; the first difference decides. Candidates at the same place (same node and kind, same
 * prefix literal) are ordered by higher priority, then longer pattern text, then lower sequence
 * number (insertion order).
 *
 * <p>Where this follows lua-resty-radixtree (lib/resty/radixtree.lua, {@code match_route},
 * {@code sort_route}): exact paths are tried before anything else (its {@code hash_path}); then
 * prefix and parameter patterns with the longest literal prefix first (its {@code radix_tree_up}
 * walk from the longest stored prefix back to the root); within one place higher priority, then
 * longer pattern text, then insertion order ({@code sort_route} with a stable insert). A pattern's
 * literal prefix in lua is the text before the first {@code :} or {@code *}; every pair of
 * candidates that lua puts in different buckets is ordered here the same way.
 *
 * <p>Where it deliberately differs: lua keeps all patterns with the same literal prefix in one
 * bucket ordered only by priority and length, so for {@code /users/5} it may try
 * {@code /users/*rest} (longer text, or higher priority) before {@code /users/:id}, and
 * {@code /users/:a/:b} vs {@code /users/:id/*} by length alone. Here the structure decides first:
 * an exact literal ({@code /users/new}) beats a parameter ({@code /users/:id}) beats a catch-all
 * ({@code /users/*}) at every segment, and priority only orders candidates at the same place.
 * Other differences: a {@code :} inside a segment ({@code /a/b:c}) is literal (lua makes the
 * pattern a regex candidate); an unnamed {@code *} binds nothing (lua binds {@code ":ext"}); a
 * {@code *} anywhere but the end is rejected (lua compiles it into a broken regex).
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * <h2>Where the code is</h2>
 *
 * This class is the API and the tree's root state. The rest of the tree is package-private:
 * {@link PathNode} and {@link PathPlace} are the immutable nodes and the entries at one place
 * (with the host index); {@link PathWalk} is the route phase (the walk and the offer of a place's
 * entries); {@link PathBuild} collects a {@link Builder}'s patterns and freezes them into a tree;
 * {@link PathEdits} makes the path-copying changes of {@link #plus} and {@link #minus}.
 *
 * @param <V> the value type
 */
public final class PathTree<V> {

  /** One pattern with its value, priority and sequence number. Immutable. */
  public static final class Entry<V> {
    private static final String[] NO_NAMES = new String[0];

    // package-private: the walk, the edits and the build read these directly
    final PathPattern pattern;
    final V value;
    private final int priority;
    final long sequence;
    final String[] names;

    Entry(PathPattern pattern, V value, int priority, long sequence) {
      this.pattern = pattern;
      this.value = value;
      this.priority = priority;
      this.sequence = sequence;
      String[] n = pattern.captureNames();
      this.names = n.length == 0 ? NO_NAMES : n; // shared: binding it again stores nothing
    }

    public String pattern() {
      return pattern.text();
    }

    public PathPattern parsedPattern() {
      return pattern;
    }

    public V value() {
      return value;
    }

    public int priority() {
      return priority;
    }

    public long sequence() {
      return sequence;
    }

    @Override
    public String toString() {
      return pattern.text() + " (priority " + priority + ", #" + sequence + ") -> " + value;
    }
  }

  /** One candidate of {@link #matchAll}: an entry and a copy of its parameters. */
  public record Match<V>(Entry<V> entry, Map<String, String> params) {
    public V value() {
      return entry.value();
    }

    public String pattern() {
      return entry.pattern();
    }
  }

  /**
   * Tests one candidate's value against a request context; the router's predicates. Stateless
   * testers with an explicit context let a match run without allocating a capturing lambda.
   */
  @FunctionalInterface
  public interface Tester<V, C> {
    boolean test(V value, @Nullable C context);
  }

  /** Receives candidates in order; returns false to stop the walk. */
  @FunctionalInterface
  public interface Visitor<V> {
    /**
     * @param params valid only during this call (copy what you keep)
     * @return true to continue with the next candidate, false to stop
     */
    boolean visit(Entry<V> entry, PathParams params);
  }

  /**
   * Order of entries at one place: higher priority, then longer pattern text, then lower sequence.
   */
  public static final Comparator<Entry<?>> PLACE_ORDER =
      Comparator.<Entry<?>>comparingInt(e -> -e.priority())
          .thenComparingInt(e -> -e.pattern().length())
          .thenComparingLong(Entry::sequence);

  /**
   * The exact hosts a value is bound to, for the per-place host index: lower-case names without
   * port, or null when the value must be tried for every request host (no host condition, or a
   * wildcard). A value is tried only for requests whose host (without port, ASCII
   * case-insensitively) is one of its names; its own predicate still decides.
   */
  @FunctionalInterface
  public interface HostKeys<V> {
    String @Nullable [] of(V value);

    /**
     * The method mask of a value whose only condition the request's method is (nonzero), or 0
     * when it has any other: then a {@link #first} call with a nonzero method bit (see {@link
     * PathParams}) decides such values by {@code (mask & methodBit) != 0} without the tester. The
     * tester must agree: for such a value it must pass exactly when the mask has the bit.
     */
    default int plainMask(V value) {
      return 0;
    }
  }

  private final PathNode<V> root;
  /** Exact (all-literal) patterns by their whole text: looked up before the walk, never walked. */
  private final ExactTable<PathPlace<V>> exact;
  /**
   * {@code exact.flat()}: a lookup in a flat exact table (up to 1,024 exact paths) reads it from
   * here, without the load through the {@code ExactTable} (3–10 ns per lookup on the GitHub set in
   * JMH).
   */
  private final @Nullable SegmentTable<PathPlace<V>> exactFlat;
  private final int size;
  private final int maxCaptures;
  private final @Nullable HostKeys<? super V> hostKeys;

  PathTree(PathNode<V> root, ExactTable<PathPlace<V>> exact, int size, int maxCaptures,
      @Nullable HostKeys<? super V> hostKeys) {
    this(root, exact, size, maxCaptures, hostKeys, null);
  }

  /**
   * A tree; {@code previous}, when it holds the same exact table, lends its exact-path index
   * (so an edit off the exact paths does not rebuild it).
   */
  @SuppressWarnings("unchecked")
  private PathTree(PathNode<V> root, ExactTable<PathPlace<V>> exact, int size, int maxCaptures,
      @Nullable HostKeys<? super V> hostKeys, @Nullable PathTree<V> previous) {
    this.root = root;
    this.exact = exact;
    this.exactFlat = exact.flat();
    this.size = size;
    this.maxCaptures = maxCaptures;
    this.hostKeys = hostKeys;
    SegmentTable<PathPlace<V>> flat = exactFlat;
    if (previous != null && previous.exact == exact) {
      this.exactKeys = previous.exactKeys;
      this.exactHashes = previous.exactHashes;
      this.exactPlaces = previous.exactPlaces;
      this.exactSole = previous.exactSole;
      this.exactSoleMasks = previous.exactSoleMasks;
      this.exactMask = previous.exactMask;
      this.exactLengths = previous.exactLengths;
    } else if (flat != null && !flat.isChunked()) {
      @Nullable String[] keys = flat.keysArray();
      @Nullable Object[] places = flat.valuesArray();
      Entry<V>[] sole = (Entry<V>[]) new Entry<?>[keys.length];
      int[] soleMasks = new int[keys.length];
      for (int i = 0; i < keys.length; i++) {
        PathPlace<V> place = (PathPlace<V>) places[i];
        if (place != null && place.sole != null) {
          sole[i] = place.sole;
          soleMasks[i] = place.soleMask;
        }
      }
      this.exactKeys = keys;
      this.exactHashes = flat.hashesArray();
      this.exactPlaces = places;
      this.exactSole = sole;
      this.exactSoleMasks = soleMasks;
      this.exactMask = flat.maskValue();
      this.exactLengths = flat.size() == 0 ? 0 : flat.lengthsFilter();
    } else {
      this.exactKeys = null;
      this.exactHashes = NO_HASHES;
      this.exactPlaces = NO_PLACES;
      this.exactSole = (Entry<V>[]) NO_SOLE;
      this.exactSoleMasks = NO_HASHES;
      this.exactMask = 0;
      this.exactLengths = 0;
    }
  }

  private static final int[] NO_HASHES = new int[0];
  private static final Object[] NO_PLACES = new Object[0];
  private static final Entry<?>[] NO_SOLE = new Entry<?>[0];

  /**
   * The flat exact table's arrays in this tree's own fields (null keys: the table is bucketed, or
   * chunked), with each slot's sole plain entry and its mask beside it: the exact fast path
   * ({@link #exactPlain}) reads a slot's answer without loading the table or the place. Built
   * once per exact table (O(its capacity, at most 2,048 slots), like the table's own copy on an
   * edit), shared with later trees while the exact table stays the same.
   */
  private final @Nullable String @Nullable [] exactKeys;
  private final int[] exactHashes;
  private final @Nullable Object[] exactPlaces;
  private final @Nullable Entry<V>[] exactSole;
  private final int[] exactSoleMasks;
  private final int exactMask;
  /** The exact keys' length filter (bit n: some key has length n; bit 63: 63 or more). */
  private final long exactLengths;

  public static <V> Builder<V> builder() {
    return new Builder<>(null);
  }

  /** A builder whose tree indexes crowded places by host (see {@link HostKeys}). */
  public static <V> Builder<V> builder(@Nullable HostKeys<? super V> hostKeys) {
    return new Builder<>(hostKeys);
  }

  /** An empty tree. */
  public static <V> PathTree<V> empty() {
    return new Builder<V>(null).build();
  }

  /** An empty tree that indexes crowded places by host. */
  public static <V> PathTree<V> empty(@Nullable HostKeys<? super V> hostKeys) {
    return new Builder<V>(hostKeys).build();
  }

  /** The root node (for tests of the node's tables). */
  PathNode<V> root() {
    return root;
  }

  /** Number of entries. */
  public int size() {
    return size;
  }

  /** The most parameters any pattern binds (sizes a {@link PathParams}). */
  public int maxCaptures() {
    return maxCaptures;
  }

  /**
   * The first candidate for {@code path} whose value passes {@code predicate}, or null. On a hit
   * {@code params} holds that candidate's parameters (on a miss its content is unspecified). No
   * allocation when the tree's deepest capture count fits {@code params} (always on an exact hit).
   */
  public @Nullable Entry<V> first(String path, Predicate<? super V> predicate, PathParams params) {
    return first(path, null, PREDICATE, predicate, params);
  }

  private static final Tester<Object, Predicate<Object>> PREDICATE_TESTER = (v, p) -> p != null && p.test(v);

  @SuppressWarnings({"unchecked", "rawtypes"}) // PREDICATE_TESTER only ever gets a Predicate as its context
  private static final Tester<Object, Object> PREDICATE = (Tester) PREDICATE_TESTER;

  /**
   * The first candidate for {@code path} whose value passes {@code tester} with {@code context},
   * or null. {@code host} is the request's host (with or without port; null when none): in a
   * host-indexed place only entries bound to it or to no exact host are tried. On a hit {@code params} holds that candidate's parameters. No allocation when the
   * tree's deepest capture count fits {@code params}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"}) // the walk passes tester only values of V and context
  public <C> @Nullable Entry<V> first(
      String path, @Nullable String host, Tester<? super V, C> tester, C context, PathParams params) {
    return first(path, host, 0, tester, context, params);
  }

  /**
   * {@link #first(String, String, Tester, Object, PathParams)} for a request whose method has bit
   * {@code methodBit}: values with a {@linkplain HostKeys#plainMask plain mask} are decided by the
   * mask, without the tester (0: every value goes to the tester).
   */
  @SuppressWarnings({"unchecked", "rawtypes"}) // the walk passes tester only values of V and context
  public <C> @Nullable Entry<V> first(String path, @Nullable String host, int methodBit,
      Tester<? super V, C> tester, C context, PathParams params) {
    params.start(path, host);
    params.methodBit = methodBit;
    // exact paths first; every key starts with '/', so a path that does not is a miss here too
    SegmentTable<PathPlace<V>> flat = exactFlat;
    if (flat == null || flat.size() > 0) {
      PathPlace<V> place = flat != null ? flat.getWhole(path) : exact.getWhole(path);
      if (place != null) {
        Entry<V> hit = PathWalk.test(place, path, params, (Tester) tester, context);
        if (hit != null) {
          return hit;
        }
      }
    }
    if (path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    params.ensureCapacity(maxCaptures + 1);
    return PathWalk.walk(root, path, 1, 0, params, (Tester) tester, context, null);
  }

  /**
   * What {@link #exactPlain} returns when {@code path} is an exact path whose entries it cannot
   * decide by the method alone (an entry with other conditions): the caller must call {@link
   * #first} with {@code exactProbed} false. Never a candidate.
   */
  public static final Entry<?> UNDECIDED = new Entry<>(PathPattern.parse("/"), new Object(), 0, 0);

  /**
   * The exact-path fast path of a match: the first entry of {@code path}'s exact place when all of
   * that place's entries have {@linkplain HostKeys#plainMask plain masks} and one has {@code
   * methodBit}; null when {@code path} has no exact place, or its plain entries all refuse the
   * method (either way {@link #first} with {@code exactProbed} true continues with the walk);
   * {@link #UNDECIDED} otherwise. Small, so that it is compiled into the caller's match.
   */
  @SuppressWarnings("unchecked") // UNDECIDED is only compared, never read as an Entry<V>
  public @Nullable Entry<V> exactPlain(String path, int methodBit) {
    @Nullable String[] keys = exactKeys;
    PathPlace<V> place;
    if (keys != null) {
      int len = path.length();
      if ((exactLengths & (1L << Math.min(63, len))) == 0) {
        return null;
      }
      int h = path.hashCode();
      int[] hashes = exactHashes;
      int mask = exactMask;
      int i = (h ^ (h >>> 16)) & mask; // SegmentTable's slot of a hash
      for (;;) {
        String k = keys[i];
        if (k == null) {
          return null;
        }
        if (hashes[i] == h && k.equals(path)) {
          break;
        }
        i = (i + 1) & mask;
      }
      Entry<V> sole = exactSole[i];
      if (sole != null) {
        return (exactSoleMasks[i] & methodBit) != 0 ? sole : null;
      }
      place = (PathPlace<V>) java.util.Objects.requireNonNull(exactPlaces[i]);
    } else {
      PathPlace<V> found = exact.getWhole(path);
      if (found == null) {
        return null;
      }
      place = found;
      Entry<V> sole = place.sole;
      if (sole != null) {
        return (place.soleMask & methodBit) != 0 ? sole : null;
      }
    }
    int[] plain = place.plainMasks;
    if (plain == null) {
      return (Entry<V>) UNDECIDED;
    }
    for (int i = 0; i < plain.length; i++) {
      if ((plain[i] & methodBit) != 0) {
        return place.all[i];
      }
    }
    return null;
  }

  /**
   * {@link #first(String, String, int, Tester, Object, PathParams)} after {@link #exactPlain}:
   * {@code exactProbed} skips the exact-path table (already probed, nothing there admits the
   * request), so the walk follows at once.
   */
  @SuppressWarnings({"unchecked", "rawtypes"}) // the walk passes tester only values of V and context
  public <C> @Nullable Entry<V> first(String path, @Nullable String host, int methodBit, boolean exactProbed,
      Tester<? super V, C> tester, C context, PathParams params) {
    if (!exactProbed) {
      return first(path, host, methodBit, tester, context, params);
    }
    params.start(path, host);
    params.methodBit = methodBit;
    if (path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    params.ensureCapacity(maxCaptures + 1);
    return PathWalk.walk(root, path, 1, 0, params, (Tester) tester, context, null);
  }

  /** Visits candidates for {@code path} in order until the visitor returns false. */
  public void forEach(String path, Visitor<V> visitor) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return;
    }
    PathParams params = new PathParams(maxCaptures + 1);
    params.start(path, null);
    PathPlace<V> place = exact.getWhole(path);
    if (place != null && PathWalk.offer(place, path, params, null, null, visitor) != null) {
      return;
    }
    PathWalk.walk(root, path, 1, 0, params, null, null, visitor);
  }

  /** All candidates for {@code path}, in order, each with its parameters copied. */
  public List<Match<V>> matchAll(String path) {
    List<Match<V>> out = new ArrayList<>();
    forEach(path, (e, p) -> out.add(new Match<>(e, p.toMap())));
    return out;
  }

  /**
   * A tree with {@code pattern} added, sharing every node off the pattern's path with this one:
   * only the nodes from the root to the pattern's place are copied, so the cost grows with the
   * pattern's depth and those nodes' fan-out, not with the tree's size. This tree is unchanged.
   *
   * @throws IllegalArgumentException if the pattern is invalid
   */
  public PathTree<V> plus(String pattern, V value, int priority, long sequence) {
    Objects.requireNonNull(value, "value");
    return plus(new Entry<>(PathPattern.parse(pattern), value, priority, sequence));
  }

  /** {@link #plus(String, Object, int, long)} for a parsed pattern. */
  public PathTree<V> plus(PathPattern pattern, V value, int priority, long sequence) {
    Objects.requireNonNull(value, "value");
    return plus(new Entry<>(pattern, value, priority, sequence));
  }

  PathTree<V> plus(Entry<V> entry) {
    if (entry.pattern.isExact()) {
      String text = entry.pattern.text();
      PathPlace<V> old = exact.get(text);
      PathPlace<V> place = PathPlace.of(PathEdits.inserted(old != null ? old.all : PathPlace.noEntries(), entry), hostKeys);
      return new PathTree<>(root, exact.with(text, place), size + 1, maxCaptures, hostKeys);
    }
    PathNode<V> newRoot = PathEdits.insert(root, entry.pattern, 0, entry, hostKeys);
    return new PathTree<>(newRoot, exact, size + 1, Math.max(maxCaptures, entry.names.length), hostKeys, this);
  }

  /**
   * A tree without the entries of {@code pattern} whose value is {@code value} (compared by
   * identity), copying only the nodes on the pattern's path and dropping nodes left empty; this
   * tree itself when there is no such entry.
   */
  public PathTree<V> minus(PathPattern pattern, V value) {
    int[] removed = new int[1];
    if (pattern.isExact()) {
      PathPlace<V> old = exact.get(pattern.text());
      if (old == null) {
        return this;
      }
      Entry<V>[] kept = PathEdits.removed(old.all, pattern, value, removed);
      if (kept == old.all) {
        return this;
      }
      ExactTable<PathPlace<V>> table = kept.length == 0 ? exact.without(pattern.text())
          : exact.with(pattern.text(), PathPlace.of(kept, hostKeys));
      return new PathTree<>(root, table, size - removed[0], maxCaptures, hostKeys);
    }
    PathNode<V> newRoot = PathEdits.remove(root, pattern, 0, value, removed, hostKeys);
    if (removed[0] == 0) {
      return this;
    }
    return new PathTree<>(newRoot != null ? newRoot : PathNode.empty(), exact, size - removed[0], maxCaptures, hostKeys,
        this);
  }

  /** Every entry in the tree, in no particular order. */
  public List<Entry<V>> entries() {
    List<Entry<V>> out = new ArrayList<>(size);
    root.collect(out);
    exact.forEach((k, place) -> out.addAll(Arrays.asList(place.all)));
    return out;
  }

  /** A builder holding this tree's entries, for a changed copy. */
  public Builder<V> toBuilder() {
    Builder<V> b = new Builder<>(hostKeys);
    for (Entry<V> e : entries()) {
      b.add(e);
    }
    return b;
  }

  /** Collects patterns; {@link #build()} compiles them into an immutable tree. Not thread-safe. */
  public static final class Builder<V> {

    private final PathBuild<V> build;

    private Builder(@Nullable HostKeys<? super V> hostKeys) {
      this.build = new PathBuild<>(hostKeys);
    }

    /**
     * Adds {@code pattern}. The same pattern may be added several times (e.g. by different
     * routes); all are candidates.
     *
     * @param priority higher is tried first among candidates at the same place
     * @param sequence insertion order; lower is tried first among otherwise equal candidates
     * @throws IllegalArgumentException if the pattern is invalid (see {@link PathPattern})
     */
    public Builder<V> add(String pattern, V value, int priority, long sequence) {
      Objects.requireNonNull(value, "value");
      return add(new Entry<>(PathPattern.parse(pattern), value, priority, sequence));
    }

    /** {@link #add(String, Object, int, long)} for a parsed pattern. */
    public Builder<V> add(PathPattern pattern, V value, int priority, long sequence) {
      Objects.requireNonNull(value, "value");
      return add(new Entry<>(pattern, value, priority, sequence));
    }

    Builder<V> add(Entry<V> entry) {
      build.add(entry);
      return this;
    }

    /**
     * Removes every entry with this pattern text and sequence number.
     *
     * @return true if one was removed
     */
    public boolean remove(String pattern, long sequence) {
      return build.remove(pattern, sequence);
    }

    /** Compiles the entries added so far; the builder stays usable. */
    public PathTree<V> build() {
      return build.build();
    }
  }
}
