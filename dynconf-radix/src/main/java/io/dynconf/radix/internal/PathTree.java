package io.dynconf.radix.internal;

import io.dynconf.core.match.PathPattern;

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
      this.names = pattern.captureNames();
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

  private static final Entry<?>[] NO_ENTRIES = new Entry<?>[0];
  private static final int[] NO_LENGTHS = new int[0];

  /**
   * The exact hosts a value is bound to, for the per-place host index: lower-case names without
   * port, or null when the value must be tried for every request host (no host condition, or a
   * wildcard). A value is tried only for requests whose host (without port, ASCII
   * case-insensitively) is one of its names; its own predicate still decides.
   */
  @FunctionalInterface
  public interface HostKeys<V> {
    String @Nullable [] of(V value);
  }

  /**
   * Places with at least this many entries, of which at least half this many are bound to exact
   * hosts, get a host index: a lookup by the request's host then skips every entry bound to
   * other hosts (thousands of tenants on one path cost one probe, not a scan).
   */
  static final int HOST_INDEX_MIN = 8;

  private final Node<V> root;
  /** Exact (all-literal) patterns by their whole text: looked up before the walk, never walked. */
  private final ExactTable<Place<V>> exact;
  /**
   * {@code exact.flat()}: a lookup in a flat exact table (up to 1,024 exact paths) reads it from
   * here, without the load through the {@code ExactTable} (3–10 ns per lookup on the GitHub set in
   * JMH).
   */
  private final @Nullable SegmentTable<Place<V>> exactFlat;
  private final int size;
  private final int maxCaptures;
  private final @Nullable HostKeys<? super V> hostKeys;

  private PathTree(Node<V> root, ExactTable<Place<V>> exact, int size, int maxCaptures,
      @Nullable HostKeys<? super V> hostKeys) {
    this.root = root;
    this.exact = exact;
    this.exactFlat = exact.flat();
    this.size = size;
    this.maxCaptures = maxCaptures;
    this.hostKeys = hostKeys;
  }

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

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Tester<Object, Object> PREDICATE = (Tester) PREDICATE_TESTER;

  /**
   * The first candidate for {@code path} whose value passes {@code tester} with {@code context},
   * or null. {@code host} is the request's host (with or without port; null when none): in a
   * host-indexed place only entries bound to it or to no exact host are tried. On a hit {@code params} holds that candidate's parameters. No allocation when the
   * tree's deepest capture count fits {@code params}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <C> @Nullable Entry<V> first(
      String path, @Nullable String host, Tester<? super V, C> tester, C context, PathParams params) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    params.ensureCapacity(maxCaptures + 1);
    params.host(host, host == null ? 0 : HostMatcher.hostEnd(host));
    SegmentTable<Place<V>> flat = exactFlat;
    if (flat == null || flat.size() > 0) {
      Place<V> place = flat != null ? flat.getWhole(path) : exact.getWhole(path);
      if (place != null) {
        Entry<V> hit = offer(place, path, params, (Tester) tester, context, null);
        if (hit != null) {
          return hit;
        }
      }
    }
    return walk(root, path, 1, 0, params, (Tester) tester, context, null);
  }

  /** Visits candidates for {@code path} in order until the visitor returns false. */
  public void forEach(String path, Visitor<V> visitor) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return;
    }
    PathParams params = new PathParams(maxCaptures + 1);
    params.host(null, 0);
    Place<V> place = exact.getWhole(path);
    if (place != null && offer(place, path, params, null, null, visitor) != null) {
      return;
    }
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
   *
   * <p>It recurses only where a dead end below could still be followed by something at this node:
   * a descent with nothing left to try after it (a literal child at a node without prefixes,
   * parameter child or catch-alls; a parameter child at a node without catch-alls) is a tail call,
   * made as the next turn of the loop. Most levels of most walks are such descents, and a loop
   * turn costs less than a call.
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
    int len = path.length();
    for (;;) {
      if (start < 0) {
        return offer(node.terminals, path, params, tester, context, visitor);
      }
      int end;
      Node<V> child = null;
      // 1. literal child. A segment that may be a key is read once: the same pass finds its end
      // and hashes it. One that no key starts like (a parameter value, usually) is only searched
      // for its end.
      SegmentTable<Node<V>> literals = node.literals;
      if (literals.mayHaveSegmentAt(path, start)) {
        int h = 0;
        end = start;
        while (end < len) {
          char c = path.charAt(end);
          if (c == '/') {
            break;
          }
          h = 31 * h + c;
          end++;
        }
        child = literals.getHashed(path, start, end, h);
      } else {
        end = path.indexOf('/', start);
        if (end < 0) {
          end = len;
        }
      }
      int next = end == len ? -1 : end + 1;
      if (child != null) {
        if (!node.alternatives) {
          node = child;
          start = next;
          continue;
        }
        Entry<V> hit = walk(child, path, next, captures, params, tester, context, visitor);
        if (hit != null) {
          return hit;
        }
      }
      // 2. prefix entries, longest literal first (a literal never spans a '/')
      int segLen = end - start;
      if (node.hasPrefixes) {
        for (int l : node.prefixLengths) {
          if (l > segLen) {
            continue;
          }
          Place<V> entries = node.prefixes.get(path, start, start + l);
          if (entries != null) {
            Entry<V> hit = offer(entries, path, params, tester, context, visitor);
            if (hit != null) {
              return hit;
            }
          }
        }
      }
      // 3. parameter child: one non-empty segment
      if (node.param != null && segLen > 0) {
        params.capture(captures, start, end);
        if (!node.hasCatchAlls) {
          node = node.param;
          start = next;
          captures++;
          continue;
        }
        Entry<V> hit = walk(node.param, path, next, captures + 1, params, tester, context, visitor);
        if (hit != null) {
          return hit;
        }
      }
      // 4. catch-alls: the rest of the path from this segment, possibly empty
      if (node.hasCatchAlls) {
        params.capture(captures, start, len);
        return offer(node.catchAlls, path, params, tester, context, visitor);
      }
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  private static final Entry<?> STOP = new Entry<>(PathPattern.parse("/"), new Object(), 0, 0);

  private @Nullable Entry<V> offer(
      Place<V> place,
      String path,
      PathParams params,
      @Nullable Tester<Object, Object> tester,
      @Nullable Object context,
      @Nullable Visitor<V> visitor) {
    SegmentTable<Entry<V>[]> byHost = place.byHost;
    if (byHost != null && visitor == null && tester != null) {
      // entries bound to this host, merged in place order with those tried for every host
      String host = params.host();
      Entry<V>[] found = host == null ? null : byHost.getAsciiIgnoreCase(host, 0, params.hostEnd());
      @SuppressWarnings("unchecked")
      Entry<V>[] bound = found != null ? found : (Entry<V>[]) NO_ENTRIES;
      Entry<V>[] rest = place.rest;
      int i = 0;
      int j = 0;
      int nb = bound.length;
      while (i < nb || j < rest.length) {
        Entry<V> e = j >= rest.length || (i < nb && PLACE_ORDER.compare(bound[i], rest[j]) <= 0)
            ? bound[i++] : rest[j++];
        params.bind(path, e.names);
        if (tester.test(e.value, context)) {
          return e;
        }
      }
      return null;
    }
    for (Entry<V> e : place.all) {
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
    if (entry.pattern.isExact()) {
      String text = entry.pattern.text();
      Place<V> old = exact.get(text);
      Place<V> place = Place.of(inserted(old != null ? old.all : noEntries(), entry), hostKeys);
      return new PathTree<>(root, exact.with(text, place), size + 1, maxCaptures, hostKeys);
    }
    Node<V> newRoot = insert(root, entry.pattern, 0, entry, hostKeys);
    return new PathTree<>(newRoot, exact, size + 1, Math.max(maxCaptures, entry.names.length), hostKeys);
  }

  /**
   * A tree without the entries of {@code pattern} whose value is {@code value} (compared by
   * identity), copying only the nodes on the pattern's path and dropping nodes left empty; this
   * tree itself when there is no such entry.
   */
  public PathTree<V> minus(PathPattern pattern, V value) {
    int[] removed = new int[1];
    if (pattern.isExact()) {
      Place<V> old = exact.get(pattern.text());
      if (old == null) {
        return this;
      }
      Entry<V>[] kept = removed(old.all, pattern, value, removed);
      if (kept == old.all) {
        return this;
      }
      ExactTable<Place<V>> table = kept.length == 0 ? exact.without(pattern.text())
          : exact.with(pattern.text(), Place.of(kept, hostKeys));
      return new PathTree<>(root, table, size - removed[0], maxCaptures, hostKeys);
    }
    Node<V> newRoot = remove(root, pattern, 0, value, removed, hostKeys);
    if (removed[0] == 0) {
      return this;
    }
    return new PathTree<>(newRoot != null ? newRoot : emptyNode(), exact, size - removed[0], maxCaptures, hostKeys);
  }

  @SuppressWarnings("unchecked")
  private static <V> Node<V> emptyNode() {
    return (Node<V>) EMPTY_NODE;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Node<?> EMPTY_NODE =
      new Node(SegmentTable.empty(), null, Place.EMPTY, SegmentTable.empty(), NO_LENGTHS, Place.EMPTY);

  private static <V> Node<V> insert(Node<V> node, PathPattern p, int i, Entry<V> e, @Nullable HostKeys<? super V> hk) {
    if (i == p.size()) {
      return node.with(node.literals, node.param, Place.of(inserted(node.terminals.all, e), hk), node.prefixes,
          node.prefixLengths, node.catchAlls);
    }
    String text = p.segmentText(i);
    switch (p.kind(i)) {
      case LITERAL: {
        Node<V> child = node.literals.get(text);
        Node<V> updated = insert(child != null ? child : emptyNode(), p, i + 1, e, hk);
        return node.with(node.literals.with(text, updated), node.param, node.terminals,
            node.prefixes, node.prefixLengths, node.catchAlls);
      }
      case PARAM: {
        Node<V> updated = insert(node.param != null ? node.param : emptyNode(), p, i + 1, e, hk);
        return node.with(node.literals, updated, node.terminals, node.prefixes,
            node.prefixLengths, node.catchAlls);
      }
      case PREFIX: {
        Place<V> old = node.prefixes.get(text);
        SegmentTable<Place<V>> prefixes = node.prefixes.with(text, Place.of(inserted(old != null ? old.all : noEntries(), e), hk));
        return node.with(node.literals, node.param, node.terminals, prefixes,
            old != null ? node.prefixLengths : lengths(prefixes), node.catchAlls);
      }
      default:
        return node.with(node.literals, node.param, node.terminals, node.prefixes,
            node.prefixLengths, Place.of(inserted(node.catchAlls.all, e), hk));
    }
  }

  private static <V> @Nullable Node<V> remove(
      Node<V> node, PathPattern p, int i, V value, int[] removed, @Nullable HostKeys<? super V> hk) {
    if (i == p.size()) {
      Entry<V>[] terminals = removed(node.terminals.all, p, value, removed);
      return terminals == node.terminals.all ? node
          : node.with(node.literals, node.param, Place.of(terminals, hk), node.prefixes, node.prefixLengths, node.catchAlls).orNull();
    }
    String text = p.segmentText(i);
    switch (p.kind(i)) {
      case LITERAL: {
        Node<V> child = node.literals.get(text);
        if (child == null) {
          return node;
        }
        Node<V> updated = remove(child, p, i + 1, value, removed, hk);
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
        Node<V> updated = remove(node.param, p, i + 1, value, removed, hk);
        if (updated == node.param) {
          return node;
        }
        return node.with(node.literals, updated, node.terminals, node.prefixes, node.prefixLengths, node.catchAlls).orNull();
      }
      case PREFIX: {
        Place<V> old = node.prefixes.get(text);
        if (old == null) {
          return node;
        }
        Entry<V>[] kept = removed(old.all, p, value, removed);
        if (kept == old.all) {
          return node;
        }
        SegmentTable<Place<V>> prefixes = kept.length == 0 ? node.prefixes.without(text) : node.prefixes.with(text, Place.of(kept, hk));
        return node.with(node.literals, node.param, node.terminals, prefixes,
            kept.length == 0 ? lengths(prefixes) : node.prefixLengths, node.catchAlls).orNull();
      }
      default: {
        Entry<V>[] kept = removed(node.catchAlls.all, p, value, removed);
        return kept == node.catchAlls.all ? node
            : node.with(node.literals, node.param, node.terminals, node.prefixes, node.prefixLengths, Place.of(kept, hk)).orNull();
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
    exact.forEach((k, place) -> out.addAll(Arrays.asList(place.all)));
    return out;
  }

  private static <V> void collect(Node<V> node, List<Entry<V>> out) {
    out.addAll(Arrays.asList(node.terminals.all));
    out.addAll(Arrays.asList(node.catchAlls.all));
    node.prefixes.forEach((k, v) -> out.addAll(Arrays.asList(v.all)));
    node.literals.forEach((k, c) -> collect(c, out));
    if (node.param != null) {
      collect(node.param, out);
    }
  }

  /** A builder holding this tree's entries, for a changed copy. */
  public Builder<V> toBuilder() {
    Builder<V> b = new Builder<>(hostKeys);
    for (Entry<V> e : entries()) {
      b.add(e);
    }
    return b;
  }

  /**
   * The entries at one place, sorted in place order, and for a crowded place a host index: the
   * entries bound to each exact host, and the rest (tried for every host), both sorted.
   */
  static final class Place<V> {
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final Place EMPTY = new Place(NO_ENTRIES, null, NO_ENTRIES);

    final Entry<V>[] all;
    final @Nullable SegmentTable<Entry<V>[]> byHost;
    final Entry<V>[] rest;

    private Place(Entry<V>[] all, @Nullable SegmentTable<Entry<V>[]> byHost, Entry<V>[] rest) {
      this.all = all;
      this.byHost = byHost;
      this.rest = rest;
    }

    @SuppressWarnings("unchecked")
    static <V> Place<V> of(Entry<V>[] sorted, @Nullable HostKeys<? super V> hostKeys) {
      if (sorted.length == 0) {
        return (Place<V>) EMPTY;
      }
      if (hostKeys == null || sorted.length < HOST_INDEX_MIN) {
        return new Place<>(sorted, null, sorted);
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
          for (String h : new java.util.LinkedHashSet<>(Arrays.asList(hosts))) {
            bound.computeIfAbsent(h, k -> new ArrayList<>()).add(e);
          }
        }
      }
      if (boundCount < HOST_INDEX_MIN / 2) {
        return new Place<>(sorted, null, sorted);
      }
      Map<String, Entry<V>[]> table = new HashMap<>();
      bound.forEach((h, list) -> table.put(h, list.toArray((Entry<V>[]) new Entry<?>[0])));
      return new Place<>(sorted, SegmentTable.of(table), rest.toArray((Entry<V>[]) new Entry<?>[0]));
    }
  }

  private static final class Node<V> {
    final SegmentTable<Node<V>> literals;
    final @Nullable Node<V> param;
    final Place<V> terminals;
    final SegmentTable<Place<V>> prefixes;
    final int[] prefixLengths;
    final Place<V> catchAlls;
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

    Node(
        SegmentTable<Node<V>> literals,
        @Nullable Node<V> param,
        Place<V> terminals,
        SegmentTable<Place<V>> prefixes,
        int[] prefixLengths,
        Place<V> catchAlls) {
      this.literals = literals;
      this.param = param;
      this.terminals = terminals;
      this.prefixes = prefixes;
      this.prefixLengths = prefixLengths;
      this.catchAlls = catchAlls;
      this.hasPrefixes = prefixLengths.length > 0;
      this.hasCatchAlls = catchAlls.all.length > 0;
      this.alternatives = hasPrefixes || param != null || hasCatchAlls;
    }

    Node<V> with(
        SegmentTable<Node<V>> literals,
        @Nullable Node<V> param,
        Place<V> terminals,
        SegmentTable<Place<V>> prefixes,
        int[] prefixLengths,
        Place<V> catchAlls) {
      return new Node<>(literals, param, terminals, prefixes, prefixLengths, catchAlls);
    }

    /** This node, or null when nothing is left beneath it. */
    @Nullable Node<V> orNull() {
      return literals.size() == 0 && param == null && terminals.all.length == 0 && prefixes.size() == 0
          && catchAlls.all.length == 0 ? null : this;
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
    private final Map<String, List<Entry<V>>> exact = new HashMap<>();
    private final @Nullable HostKeys<? super V> hostKeys;
    private int size;
    private int maxCaptures;

    private Builder(@Nullable HostKeys<? super V> hostKeys) {
      this.hostKeys = hostKeys;
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
      PathPattern p = entry.pattern;
      if (p.isExact()) {
        exact.computeIfAbsent(p.text(), k -> new ArrayList<>()).add(entry);
        size++;
        return this;
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

    /** Compiles the entries added so far; the builder stays usable. */
    public PathTree<V> build() {
      Node<V> frozen = freeze(root, false, hostKeys);
      Map<String, Place<V>> places = new HashMap<>();
      exact.forEach((text, list) -> {
        if (!list.isEmpty()) {
          places.put(text, Place.of(sorted(list), hostKeys));
        }
      });
      Node<V> top = frozen != null ? frozen : freeze(new MNode<>(), true, hostKeys);
      return new PathTree<>(Objects.requireNonNull(top, "an empty root freezes to a node"), ExactTable.of(places),
          size, maxCaptures, hostKeys);
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

    /** Null for a node without entries beneath it (left behind by {@link #remove}), unless {@code keepEmpty}. */
    private static <V> @Nullable Node<V> freeze(MNode<V> m, boolean keepEmpty, @Nullable HostKeys<? super V> hk) {
      Map<String, Node<V>> children = new HashMap<>();
      m.literals.forEach(
          (k, c) -> {
            Node<V> child = freeze(c, false, hk);
            if (child != null) {
              children.put(k, child);
            }
          });
      Node<V> param = m.param == null ? null : freeze(m.param, false, hk);
      boolean noPrefixes = m.prefixes.values().stream().allMatch(List::isEmpty);
      if (!keepEmpty && children.isEmpty() && param == null && m.terminals.isEmpty()
          && m.catchAlls.isEmpty() && noPrefixes) {
        return null;
      }
      Map<String, Place<V>> prefixes = new HashMap<>();
      TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
      m.prefixes.forEach(
          (k, list) -> {
            if (!list.isEmpty()) {
              prefixes.put(k, Place.of(sorted(list), hk));
              lengths.add(k.length());
            }
          });
      int[] prefixLengths =
          lengths.isEmpty() ? NO_LENGTHS : lengths.stream().mapToInt(Integer::intValue).toArray();
      return new Node<>(
          SegmentTable.of(children),
          param,
          Place.of(sorted(m.terminals), hk),
          SegmentTable.of(prefixes),
          prefixLengths,
          Place.of(sorted(m.catchAlls), hk));
    }
  }
}
