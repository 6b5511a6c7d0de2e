package io.dynconf.radix.internal;

import static io.dynconf.radix.internal.PathTree.PLACE_ORDER;

import io.dynconf.core.match.PathPattern;
import io.dynconf.radix.internal.PathTree.Entry;
import io.dynconf.radix.internal.PathTree.Tester;
import io.dynconf.radix.internal.PathTree.Visitor;

import org.jspecify.annotations.Nullable;

/**
 * The route phase of a {@link PathTree}: the depth-first walk that yields a path's candidates in
 * the order the class comment of {@link PathTree} gives, and the offer of one place's entries to
 * the tester (through the place's host index where it has one) or to a visitor. Stateless.
 */
final class PathWalk {

  private PathWalk() {}

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
  static <V> @Nullable Entry<V> walk(
      PathNode<V> node,
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
      PathNode<V> child = null;
      // 1. literal child. A segment that may be a key is read once: the same pass finds its end
      // and hashes it. One that no key starts like (a parameter value, usually) is only searched
      // for its end.
      if (node.mayHaveLiteralAt(path, start) && node.signed()) {
        end = start;
        while (end < len && path.charAt(end) != '/') {
          end++;
        }
        child = node.literalBySignature(path, start, end);
      } else if (node.mayHaveLiteralAt(path, start)) {
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
        child = node.literal(path, start, end, h);
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
          PathPlace<V> entries = node.prefixes.get(path, start, start + l);
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

  /** What {@link #offer} returns when the visitor stops the walk. */
  private static final Entry<?> STOP = new Entry<>(PathPattern.parse("/"), new Object(), 0, 0);

  /**
   * The first entry of {@code place} that the tester accepts, or with a visitor the visit of each
   * entry until it stops ({@link #STOP}); the entry's parameters bound. Null when none.
   */
  static <V> @Nullable Entry<V> offer(
      PathPlace<V> place,
      String path,
      PathParams params,
      @Nullable Tester<Object, Object> tester,
      @Nullable Object context,
      @Nullable Visitor<V> visitor) {
    return visitor == null ? test(place, path, params, tester, context) : visit(place, path, params, visitor);
  }

  /**
   * {@link #offer} for a match: kept small, and without {@link Visitor} in its signature (a
   * class the request path never loads, which would keep the JIT from inlining it), so it is
   * inlined into the exact-path lookup. A place whose entries all have plain masks is decided by
   * the request's method bit; a host-indexed place takes {@link #testByHost}.
   */
  static <V> @Nullable Entry<V> test(
      PathPlace<V> place, String path, PathParams params, @Nullable Tester<Object, Object> tester, @Nullable Object context) {
    int methodBit = params.methodBit;
    Entry<V> sole = place.sole;
    if (sole != null && methodBit != 0) {
      // one entry, whose only condition is the method
      if ((place.soleMask & methodBit) == 0) {
        return null;
      }
      params.bind(sole.names);
      return sole;
    }
    int[] plain = place.plainMasks;
    if (plain != null && methodBit != 0) {
      // every entry's only condition is the method: the first whose mask has the bit wins
      for (int i = 0; i < plain.length; i++) {
        if ((plain[i] & methodBit) != 0) {
          Entry<V> e = place.all[i];
          params.bind(e.names);
          return e;
        }
      }
      return null;
    }
    if (tester == null) {
      return null;
    }
    if (place.byHost != null) {
      return testByHost(place, path, params, tester, context);
    }
    for (Entry<V> e : place.all) {
      params.bind(e.names);
      if (tester.test(e.value, context)) {
        return e;
      }
    }
    return null;
  }

  /** {@link #test} for a host-indexed place. */
  private static <V> @Nullable Entry<V> testByHost(
      PathPlace<V> place, String path, PathParams params, Tester<Object, Object> tester, @Nullable Object context) {
    SegmentTable<Entry<V>[]> byHost = java.util.Objects.requireNonNull(place.byHost);
    // entries bound to this host, merged in place order with those tried for every host
    String host = params.host();
    Entry<V>[] found = host == null ? null : byHost.getAsciiIgnoreCase(host, 0, HostMatcher.hostEnd(host));
    Entry<V>[] bound = found != null ? found : PathPlace.<V>noEntries();
    Entry<V>[] rest = place.rest;
    int i = 0;
    int j = 0;
    int nb = bound.length;
    while (i < nb || j < rest.length) {
      Entry<V> e = j >= rest.length || (i < nb && PLACE_ORDER.compare(bound[i], rest[j]) <= 0)
          ? bound[i++] : rest[j++];
      params.bind(e.names);
      if (tester.test(e.value, context)) {
        return e;
      }
    }
    return null;
  }

  /** {@link #offer} with a visitor: every entry in place order until the visitor stops. */
  private static <V> @Nullable Entry<V> visit(PathPlace<V> place, String path, PathParams params, Visitor<V> visitor) {
    for (Entry<V> e : place.all) {
      params.bind(e.names);
      if (!visitor.visit(e, params)) {
        @SuppressWarnings("unchecked") // callers only test STOP against null, never read it as an Entry<V>
        Entry<V> stop = (Entry<V>) STOP;
        return stop;
      }
    }
    return null;
  }
}
