package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random pattern sets and random paths: {@link PathTree} must yield exactly the candidates, order
 * and parameters of {@link NaivePathMatcher}. Re-run one failure with
 * {@code -Dpathtree.seed=<seed from the message>}.
 */
class PathTreeDifferentialTest {

  // "abcd" and "axcd" share a signature (length, first, middle and last character): a node holding
  // both finds its literal children by hash, one holding either by signature (PathNode)
  private static final String[] LITERALS = {"a", "b", "ab", "abc", "x", "", "a:b", "abcd", "axcd"};
  private static final String[] PREFIX_LITERALS = {"a", "ab", "abc", "b", "x", "a:"};
  private static final String[] PATH_SEGMENTS = {"a", "b", "ab", "abc", "abcd", "axcd", "x", "", "y", "a:b", "ba"};
  private static final int TREES = 2_500;
  private static final int PATHS_PER_TREE = 50;

  record Spec(String pattern, int value, int priority, long sequence) {}

  @Test
  void treeAgreesWithNaiveReferenceOnRandomPatternsAndPaths() {
    long seed = Long.getLong("dynconf.seed", Long.getLong("pathtree.seed", new SecureRandom().nextLong()));
    System.out.println("PathTreeDifferentialTest.treeAgreesWithNaiveReferenceOnRandomPatternsAndPaths: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    SplittableRandom master = new SplittableRandom(seed);
    int[] stats = new int[3]; // cases, with >= 1 candidate, with >= 2 candidates
    for (int t = 0; t < TREES; t++) {
      long treeSeed = master.nextLong();
      runOne(seed, treeSeed, stats);
    }
    assertThat(stats[0]).isGreaterThanOrEqualTo(100_000);
    // the generator must keep producing hits and ordering decisions, or the test proves little
    assertThat(stats[1]).as("seed %d: cases with a candidate", seed).isGreaterThan(stats[0] / 2);
    assertThat(stats[2]).as("seed %d: cases with several candidates", seed).isGreaterThan(stats[0] / 5);
  }

  private static void runOne(long seed, long treeSeed, int[] stats) {
    SplittableRandom rnd = new SplittableRandom(treeSeed);
    int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 40);
    List<Spec> specs = new ArrayList<>();
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String p = rnd.nextInt(6) == 0 && !patterns.isEmpty()
          ? patterns.get(rnd.nextInt(patterns.size())) // duplicates: same place, ties
          : randomPattern(rnd);
      patterns.add(p);
      // distinct, shuffled sequence numbers
      specs.add(new Spec(p, i, rnd.nextInt(3), (long) rnd.nextInt(1_000) * 64 + i));
    }
    PathTree.Builder<Integer> builder = PathTree.builder();
    NaivePathMatcher<Integer> naive = new NaivePathMatcher<>();
    for (Spec s : specs) {
      builder.add(s.pattern(), s.value(), s.priority(), s.sequence());
      naive.add(s.pattern(), s.value(), s.priority(), s.sequence());
    }
    PathTree<Integer> tree = builder.build();
    PathParams params = new PathParams(0);
    for (int k = 0; k < PATHS_PER_TREE; k++) {
      String path = rnd.nextInt(3) == 0
          ? randomPath(rnd)
          : instantiate(patterns.get(rnd.nextInt(patterns.size())), rnd);
      String where = "seed " + seed + " (tree seed " + treeSeed + "), path '" + path + "', patterns " + specs;
      List<NaivePathMatcher.Candidate<Integer>> expected = naive.match(path);
      stats[0]++;
      stats[1] += expected.isEmpty() ? 0 : 1;
      stats[2] += expected.size() > 1 ? 1 : 0;
      List<String> exp = expected.stream().map(c -> c.pattern() + "=" + c.value() + c.params()).toList();
      List<String> got = tree.matchAll(path).stream()
          .map(m -> m.pattern() + "=" + m.value() + m.params()).toList();
      assertThat(got).as(where).containsExactlyElementsOf(exp);
      // first() with a predicate that skips some candidates
      int mod = 1 + rnd.nextInt(3);
      int rem = rnd.nextInt(mod);
      NaivePathMatcher.Candidate<Integer> want = null;
      for (NaivePathMatcher.Candidate<Integer> c : expected) {
        if (c.value() % mod == rem) {
          want = c;
          break;
        }
      }
      PathTree.Entry<Integer> hit = tree.first(path, v -> v % mod == rem, params);
      if (want == null) {
        assertThat(hit).as(where + ", first(v %% %d == %d)", mod, rem).isNull();
      } else {
        assertThat(hit).as(where + ", first(v %% %d == %d)", mod, rem).isNotNull();
        assertThat(hit.value()).as(where).isEqualTo(want.value());
        assertThat(params.toMap()).as(where).containsExactlyEntriesOf(want.params());
      }
    }
  }

  static String randomPattern(SplittableRandom rnd) {
    int segments = 1 + rnd.nextInt(4);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < segments; i++) {
      boolean last = i == segments - 1;
      sb.append('/');
      int r = rnd.nextInt(last ? 10 : 6);
      String name = (rnd.nextBoolean() ? "p" : "param") + i;
      switch (r) {
        case 0, 1, 2, 3 -> sb.append(LITERALS[rnd.nextInt(LITERALS.length)]);
        case 4, 5 -> sb.append(':').append(name);
        case 6, 7 -> sb.append(PREFIX_LITERALS[rnd.nextInt(PREFIX_LITERALS.length)]).append('*');
        case 8 -> sb.append('*');
        default -> sb.append('*').append(rnd.nextBoolean() ? "rest" : "r");
      }
    }
    return sb.toString();
  }

  static String randomPath(SplittableRandom rnd) {
    int segments = 1 + rnd.nextInt(5);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < segments; i++) {
      sb.append('/').append(PATH_SEGMENTS[rnd.nextInt(PATH_SEGMENTS.length)]);
    }
    return sb.toString();
  }

  /** A path the pattern (probably) matches, sometimes perturbed. */
  static String instantiate(String pattern, SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    String[] segs = pattern.substring(1).split("/", -1);
    for (String seg : segs) {
      sb.append('/');
      if (seg.startsWith(":")) {
        sb.append(rnd.nextInt(8) == 0 ? "" : PATH_SEGMENTS[rnd.nextInt(PATH_SEGMENTS.length)]);
      } else if (seg.startsWith("*")) {
        sb.append(randomPath(rnd).substring(rnd.nextBoolean() ? 1 : 0));
        if (rnd.nextInt(4) == 0) {
          sb.setLength(sb.length() - 1); // e.g. "/x/" -> "/x": catch-all needs the slash
        }
      } else if (seg.endsWith("*")) {
        sb.append(seg, 0, seg.length() - 1);
        if (rnd.nextBoolean()) {
          sb.append(PATH_SEGMENTS[rnd.nextInt(PATH_SEGMENTS.length)]);
        }
        if (rnd.nextBoolean()) {
          sb.append(randomPath(rnd));
        }
      } else {
        sb.append(seg);
      }
    }
    switch (rnd.nextInt(8)) {
      case 0 -> sb.append('/');
      case 1 -> sb.append("/").append(PATH_SEGMENTS[rnd.nextInt(PATH_SEGMENTS.length)]);
      case 2 -> {
        if (sb.length() > 1) {
          sb.setLength(sb.length() - 1);
        }
      }
      default -> {}
    }
    return sb.toString();
  }

  @Test
  void repeatedStaticAndParamHitsReuseOneParamsHolder() {
    // Allocation on these paths is measured with JMH (-prof gc), not here.
    PathTree.Builder<Integer> b = PathTree.builder();
    for (int i = 0; i < 1000; i++) {
      b.add("/static/" + i + "/leaf", i, 0, i);
      b.add("/param/" + i + "/:id", i, 0, 10_000 + i);
    }
    PathTree<Integer> tree = b.build();
    PathParams params = new PathParams();
    java.util.function.Predicate<Integer> any = v -> true;
    int sum = 0;
    for (int i = 0; i < 1_000; i++) {
      sum += tree.first("/static/517/leaf", any, params).value();
      sum += tree.first("/param/3/x" + (i % 2), any, params).value();
    }
    assertThat(sum).isEqualTo(1_000 * (517 + 3));
    assertThat(params.toMap()).isEqualTo(Map.of("id", "x1"));
  }
}
