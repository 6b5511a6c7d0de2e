package io.dynconf.radix.internal;

import io.dynconf.core.match.PathPattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference for {@link PathTree}: a linear scan over every pattern with the same semantics and
 * candidate order, written as directly as possible (split the path, compare segment by segment,
 * sort the candidates by an explicit key). For tests; far too slow for serving.
 *
 * <p>Order key of a candidate: per pattern segment a rank (literal 0, prefix 1, parameter 2,
 * catch-all 3; prefixes with a longer literal first), compared lexicographically; then higher
 * priority, longer pattern text, lower sequence.
 */
public final class NaivePathMatcher<V> {

  /** One candidate: pattern text, value, priority, sequence and the parameters it bound. */
  public record Candidate<V>(
      String pattern, V value, int priority, long sequence, Map<String, String> params) {}

  private record Route<V>(PathPattern pattern, V value, int priority, long sequence) {}

  private final List<Route<V>> routes = new ArrayList<>();

  public NaivePathMatcher<V> add(String pattern, V value, int priority, long sequence) {
    routes.add(new Route<>(PathPattern.parse(pattern), value, priority, sequence));
    return this;
  }

  /** All candidates for {@code path}, in order. */
  public List<Candidate<V>> match(String path) {
    record Hit<V>(Route<V> route, long[] key, Map<String, String> params) {}
    List<Hit<V>> hits = new ArrayList<>();
    if (path.isEmpty() || path.charAt(0) != '/') {
      return List.of();
    }
    String[] segs = path.substring(1).split("/", -1);
    for (Route<V> r : routes) {
      PathPattern p = r.pattern();
      Map<String, String> params = new LinkedHashMap<>();
      long[] key = new long[p.size()];
      boolean ok = true;
      boolean open = false; // ends in a prefix or catch-all
      for (int i = 0; i < p.size() && ok; i++) {
        String text = p.segmentText(i);
        if (i >= segs.length) {
          ok = false;
          break;
        }
        switch (p.kind(i)) {
          case LITERAL -> {
            ok = segs[i].equals(text);
            key[i] = 0;
          }
          case PARAM -> {
            ok = !segs[i].isEmpty();
            params.put(text, segs[i]);
            key[i] = 2L << 32;
          }
          case PREFIX -> {
            String rest = String.join("/", Arrays.asList(segs).subList(i, segs.length));
            ok = rest.startsWith(text);
            key[i] = (1L << 32) + (Integer.MAX_VALUE - text.length());
            open = true;
          }
          case CATCH_ALL -> {
            String rest = String.join("/", Arrays.asList(segs).subList(i, segs.length));
            if (!text.isEmpty()) {
              params.put(text, rest);
            }
            key[i] = 3L << 32;
            open = true;
          }
        }
      }
      if (ok && !open && segs.length != p.size()) {
        ok = false;
      }
      if (ok) {
        hits.add(new Hit<>(r, key, params));
      }
    }
    Comparator<Hit<V>> order =
        Comparator.<Hit<V>, long[]>comparing(Hit::key, Arrays::compare)
            .thenComparingInt(h -> -h.route().priority())
            .thenComparingInt(h -> -h.route().pattern().text().length())
            .thenComparingLong(h -> h.route().sequence());
    hits.sort(order);
    List<Candidate<V>> out = new ArrayList<>(hits.size());
    for (Hit<V> h : hits) {
      Route<V> r = h.route();
      out.add(new Candidate<>(r.pattern().text(), r.value(), r.priority(), r.sequence(), h.params()));
    }
    return out;
  }
}
