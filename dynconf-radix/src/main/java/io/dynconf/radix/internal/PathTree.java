package io.dynconf.radix.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
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
 * @param <V> the value type
 */
public final class PathTree<V> {

  /** One pattern with its value, priority and sequence number. Immutable. */
  public static final class Entry<V> {
    private final PathPattern pattern;
    private final V value;
    private final int priority;
    private final long sequence;
    private final String[] names;

    Entry(PathPattern pattern, V value, int priority, long sequence) {
      this.pattern = pattern;
      this.value = value;
      this.priority = priority;
      this.sequence = sequence;
      this.names = pattern.captureNamesShared();
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
    boolean test(V value, C context);
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

  private static final Entry<?>[] NO_ENTRIES = new Entry<?>[0];
  private static final int[] NO_LENGTHS = new int[0];

  private final Node<V> root;
  private final int size;
  private final int maxCaptures;

  private PathTree(Node<V> root, int size, int maxCaptures) {
    this.root = root;
    this.size = size;
    this.maxCaptures = maxCaptures;
  }

  public static <V> Builder<V> builder() {
    return new Builder<>();
  }

  /** An empty tree. */
  public static <V> PathTree<V> empty() {
    return new Builder<V>().build();
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
    return first(path, PREDICATE, predicate, params);
  }

  private static final Tester<Object, Predicate<Object>> PREDICATE_TESTER = (v, p) -> p.test(v);

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Tester<Object, Object> PREDICATE = (Tester) PREDICATE_TESTER;

  /**
   * The first candidate for {@code path} whose value passes {@code tester} with {@code context},
   * or null. On a hit {@code params} holds that candidate's parameters. No allocation when the
   * tree's deepest capture count fits {@code params}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <C> @Nullable Entry<V> first(String path, Tester<? super V, C> tester, C context, PathParams params) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    params.ensureCapacity(maxCaptures + 1);
    return walk(root, path, 1, 0, params, (Tester) tester, context, null);
  }

  /** Visits candidates for {@code path} in order until the visitor returns false. */
  public void forEach(String path, Visitor<V> visitor) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return;
    }
    PathParams params = new PathParams(maxCaptures + 1);
    walk(root, path, 1, 0, params, null, null, visitor);
  }

  /** All candidates for {@code path}, in order, each with its parameters copied. */
  public List<Match<V>> matchAll(String path) {
    List<Match<V>> out = new ArrayList<>();
    forEach(path, (e, p) -> out.add(new Match<>(e, p.toMap())));
    return out;
  }

  /**
   * Depth-first walk. {@code start} is the index of the current segment's first character, or -1
   * when the path has no segment left. Returns the accepted entry, or null to continue.
   */
  private @Nullable Entry<V> walk(
      Node<V> node,
      String path,
      int start,
      int captures,
      PathParams params,
      @Nullable Tester<Object, Object> tester,
      @Nullable Object context,
      @Nullable Visitor<V> visitor) {
    if (start < 0) {
      return offer(node.terminals, path, params, tester, context, visitor);
    }
    int len = path.length();
    int end = path.indexOf('/', start);
    if (end < 0) {
      end = len;
    }
    int next = end == len ? -1 : end + 1;
    // 1. literal child
    Node<V> child = node.literals.get(path, start, end);
    if (child != null) {
      Entry<V> hit = walk(child, path, next, captures, params, tester, context, visitor);
      if (hit != null) {
        return hit;
      }
    }
    // 2. prefix entries, longest literal first (a literal never spans a '/')
    int segLen = end - start;
    for (int l : node.prefixLengths) {
      if (l > segLen) {
        continue;
      }
      Entry<V>[] entries = node.prefixes.get(path, start, start + l);
      if (entries != null) {
        Entry<V> hit = offer(entries, path, params, tester, context, visitor);
        if (hit != null) {
          return hit;
        }
      }
    }
    // 3. parameter child: one non-empty segment
    if (node.param != null && segLen > 0) {
      params.capture(captures, start, end);
      Entry<V> hit = walk(node.param, path, next, captures + 1, params, tester, context, visitor);
      if (hit != null) {
        return hit;
      }
    }
    // 4. catch-alls: the rest of the path from this segment, possibly empty
    if (node.catchAlls.length > 0) {
      params.capture(captures, start, len);
      return offer(node.catchAlls, path, params, tester, context, visitor);
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static final Entry<?> STOP = new Entry<>(PathPattern.parse("/"), new Object(), 0, 0);

  private @Nullable Entry<V> offer(
      Entry<V>[] entries,
      String path,
      PathParams params,
      @Nullable Tester<Object, Object> tester,
      @Nullable Object context,
      @Nullable Visitor<V> visitor) {
    for (Entry<V> e : entries) {
      params.bind(path, e.names);
      if (visitor != null) {
        if (!visitor.visit(e, params)) {
          @SuppressWarnings("unchecked")
          Entry<V> stop = (Entry<V>) STOP;
          return stop;
        }
      } else if (tester != null && tester.test(e.value, context)) {
        return e;
      }
    }
    return null;
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
    Node<V> newRoot = insert(root, entry.pattern, 0, entry);
    return new PathTree<>(newRoot, size + 1, Math.max(maxCaptures, entry.names.length));
  }

  /**
   * A tree without the entries of {@code pattern} whose value is {@code value} (compared by
   * identity), copying only the nodes on the pattern's path and dropping nodes left empty; this
   * tree itself when there is no such entry.
   */
  public PathTree<V> minus(PathPattern pattern, V value) {
    int[] removed = new int[1];
    Node<V> newRoot = remove(root, pattern, 0, value, removed);
    if (removed[0] == 0) {
      return this;
    }
    return new PathTree<>(newRoot != null ? newRoot : emptyNode(), size - removed[0], maxCaptures);
  }

  @SuppressWarnings("unchecked")
  private static <V> Node<V> emptyNode() {
    return (Node<V>) EMPTY_NODE;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Node<?> EMPTY_NODE =
      new Node(SegmentTable.empty(), null, NO_ENTRIES, SegmentTable.empty(), NO_LENGTHS, NO_ENTRIES);

  private static <V> Node<V> insert(Node<V> node, PathPattern p, int i, Entry<V> e) {
    if (i == p.size()) {
      return node.with(node.literals, node.param, inserted(node.terminals, e), node.prefixes,
          node.prefixLengths, node.catchAlls);
    }
    String text = p.segmentText(i);
    switch (p.kind(i)) {
      case LITERAL: {
        Node<V> child = node.literals.get(text);
        Node<V> updated = insert(child != null ? child : emptyNode(), p, i + 1, e);
        return node.with(node.literals.with(text, updated), node.param, node.terminals,
            node.prefixes, node.prefixLengths, node.catchAlls);
      }
      case PARAM: {
        Node<V> updated = insert(node.param != null ? node.param : emptyNode(), p, i + 1, e);
        return node.with(node.literals, updated, node.terminals, node.prefixes,
            node.prefixLengths, node.catchAlls);
      }
      case PREFIX: {
        Entry<V>[] old = node.prefixes.get(text);
        SegmentTable<Entry<V>[]> prefixes = node.prefixes.with(text, inserted(old != null ? old : noEntries(), e));
        return node.with(node.literals, node.param, node.terminals, prefixes,
            old != null ? node.prefixLengths : lengths(prefixes), node.catchAlls);
      }
      default:
        return node.with(node.literals, node.param, node.terminals, node.prefixes,
            node.prefixLengths, inserted(node.catchAlls, e));
    }
  }

  private static <V> @Nullable Node<V> remove(Node<V> node, PathPattern p, int i, V value, int[] removed) {
    if (i == p.size()) {
      Entry<V>[] terminals = removed(node.terminals, p, value, removed);
      return terminals == node.terminals ? node
          : node.with(node.literals, node.param, terminals, node.prefixes, node.prefixLengths, node.catchAlls).orNull();
    }
    String text = p.segmentText(i);
    switch (p.kind(i)) {
      case LITERAL: {
        Node<V> child = node.literals.get(text);
        if (child == null) {
          return node;
        }
        Node<V> updated = remove(child, p, i + 1, value, removed);
        if (updated == child) {
          return node;
        }
        SegmentTable<Node<V>> literals = updated == null ? node.literals.without(text) : node.literals.with(text, updated);
        return node.with(literals, node.param, node.terminals, node.prefixes, node.prefixLengths, node.catchAlls).orNull();
      }
      case PARAM: {
        if (node.param == null) {
          return node;
        }
        Node<V> updated = remove(node.param, p, i + 1, value, removed);
        if (updated == node.param) {
          return node;
        }
        return node.with(node.literals, updated, node.terminals, node.prefixes, node.prefixLengths, node.catchAlls).orNull();
      }
      case PREFIX: {
        Entry<V>[] old = node.prefixes.get(text);
        if (old == null) {
          return node;
        }
        Entry<V>[] kept = removed(old, p, value, removed);
        if (kept == old) {
          return node;
        }
        SegmentTable<Entry<V>[]> prefixes = kept.length == 0 ? node.prefixes.without(text) : node.prefixes.with(text, kept);
        return node.with(node.literals, node.param, node.terminals, prefixes,
            kept.length == 0 ? lengths(prefixes) : node.prefixLengths, node.catchAlls).orNull();
      }
      default: {
        Entry<V>[] kept = removed(node.catchAlls, p, value, removed);
        return kept == node.catchAlls ? node
            : node.with(node.literals, node.param, node.terminals, node.prefixes, node.prefixLengths, kept).orNull();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <V> Entry<V>[] noEntries() {
    return (Entry<V>[]) NO_ENTRIES;
  }

  /** A copy of the sorted {@code entries} with {@code e} in its place. */
  private static <V> Entry<V>[] inserted(Entry<V>[] entries, Entry<V> e) {
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
  private static <V> Entry<V>[] removed(Entry<V>[] entries, PathPattern p, V value, int[] removed) {
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
      return noEntries();
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

  private static int[] lengths(SegmentTable<?> prefixes) {
    TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
    prefixes.forEach((k, v) -> lengths.add(k.length()));
    return lengths.isEmpty() ? NO_LENGTHS : lengths.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Every entry in the tree, in no particular order. */
  public List<Entry<V>> entries() {
    List<Entry<V>> out = new ArrayList<>(size);
    collect(root, out);
    return out;
  }

  private static <V> void collect(Node<V> node, List<Entry<V>> out) {
    out.addAll(Arrays.asList(node.terminals));
    out.addAll(Arrays.asList(node.catchAlls));
    node.prefixes.forEach((k, v) -> out.addAll(Arrays.asList(v)));
    node.literals.forEach((k, c) -> collect(c, out));
    if (node.param != null) {
      collect(node.param, out);
    }
  }

  /** A builder holding this tree's entries, for a changed copy. */
  public Builder<V> toBuilder() {
    Builder<V> b = new Builder<>();
    for (Entry<V> e : entries()) {
      b.add(e);
    }
    return b;
  }

  private static final class Node<V> {
    final SegmentTable<Node<V>> literals;
    final @Nullable Node<V> param;
    final Entry<V>[] terminals;
    final SegmentTable<Entry<V>[]> prefixes;
    final int[] prefixLengths;
    final Entry<V>[] catchAlls;

    Node(
        SegmentTable<Node<V>> literals,
        @Nullable Node<V> param,
        Entry<V>[] terminals,
        SegmentTable<Entry<V>[]> prefixes,
        int[] prefixLengths,
        Entry<V>[] catchAlls) {
      this.literals = literals;
      this.param = param;
      this.terminals = terminals;
      this.prefixes = prefixes;
      this.prefixLengths = prefixLengths;
      this.catchAlls = catchAlls;
    }

    Node<V> with(
        SegmentTable<Node<V>> literals,
        @Nullable Node<V> param,
        Entry<V>[] terminals,
        SegmentTable<Entry<V>[]> prefixes,
        int[] prefixLengths,
        Entry<V>[] catchAlls) {
      return new Node<>(literals, param, terminals, prefixes, prefixLengths, catchAlls);
    }

    /** This node, or null when nothing is left beneath it. */
    @Nullable Node<V> orNull() {
      return literals.size() == 0 && param == null && terminals.length == 0 && prefixes.size() == 0
          && catchAlls.length == 0 ? null : this;
    }
  }

  /** Collects patterns; {@link #build()} compiles them into an immutable tree. Not thread-safe. */
  public static final class Builder<V> {

    private static final class MNode<V> {
      final Map<String, MNode<V>> literals = new HashMap<>();
      @Nullable MNode<V> param;
      final List<Entry<V>> terminals = new ArrayList<>();
      final Map<String, List<Entry<V>>> prefixes = new HashMap<>();
      final List<Entry<V>> catchAlls = new ArrayList<>();
    }

    private final MNode<V> root = new MNode<>();
    private int size;
    private int maxCaptures;

    private Builder() {}

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
      PathPattern p = entry.pattern;
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
      return this;
    }

    /**
     * Removes every entry with this pattern text and sequence number.
     *
     * @return true if one was removed
     */
    public boolean remove(String pattern, long sequence) {
      PathPattern p = PathPattern.parse(pattern);
      MNode<V> node = root;
      List<Entry<V>> list = null;
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

    /** Compiles the entries added so far; the builder stays usable. */
    public PathTree<V> build() {
      Node<V> frozen = freeze(root);
      return new PathTree<>(frozen != null ? frozen : freeze(new MNode<>(), true), size, maxCaptures);
    }

    @SuppressWarnings("unchecked")
    private static <V> Entry<V>[] sorted(List<Entry<V>> list) {
      if (list.isEmpty()) {
        return (Entry<V>[]) NO_ENTRIES;
      }
      Entry<V>[] array = list.toArray((Entry<V>[]) new Entry<?>[0]);
      Arrays.sort(array, PLACE_ORDER);
      return array;
    }

    /** Null for a node without entries beneath it (left behind by {@link #remove}). */
    private static <V> @Nullable Node<V> freeze(MNode<V> m) {
      return freeze(m, false);
    }

    private static <V> @Nullable Node<V> freeze(MNode<V> m, boolean keepEmpty) {
      Map<String, Node<V>> children = new HashMap<>();
      m.literals.forEach(
          (k, c) -> {
            Node<V> child = freeze(c);
            if (child != null) {
              children.put(k, child);
            }
          });
      Node<V> param = m.param == null ? null : freeze(m.param);
      boolean noPrefixes = m.prefixes.values().stream().allMatch(List::isEmpty);
      if (!keepEmpty && children.isEmpty() && param == null && m.terminals.isEmpty()
          && m.catchAlls.isEmpty() && noPrefixes) {
        return null;
      }
      Map<String, Entry<V>[]> prefixes = new HashMap<>();
      TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
      m.prefixes.forEach(
          (k, list) -> {
            if (!list.isEmpty()) {
              prefixes.put(k, sorted(list));
              lengths.add(k.length());
            }
          });
      int[] prefixLengths =
          lengths.isEmpty() ? NO_LENGTHS : lengths.stream().mapToInt(Integer::intValue).toArray();
      return new Node<>(
          SegmentTable.of(children),
          param,
          sorted(m.terminals),
          SegmentTable.of(prefixes),
          prefixLengths,
          sorted(m.catchAlls));
    }
  }
}
