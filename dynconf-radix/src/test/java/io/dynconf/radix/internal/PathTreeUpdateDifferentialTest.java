package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Copy-on-write updates: a tree changed by random {@link PathTree#plus} and {@link PathTree#minus}
 * calls must yield the same candidates, in the same order, as a tree built from scratch from the
 * same entries; and every earlier version must stay unchanged (readers holding it see no change).
 * Re-run one failure with {@code -Dpathtree.seed=<seed>}.
 */
class PathTreeUpdateDifferentialTest {

  private record Live(PathPattern pattern, Object value, int priority, long sequence) {}

  @Test
  void pathCopyingUpdatesAgreeWithAFreshBuildAndLeaveOldVersionsIntact() {
    long seed = Long.getLong("pathtree.seed", new Random().nextLong());
    SplittableRandom master = new SplittableRandom(seed);
    int checks = 0;
    for (int run = 0; run < 300; run++) {
      long runSeed = master.nextLong();
      SplittableRandom rnd = new SplittableRandom(runSeed);
      PathTree<Object> tree = PathTree.empty();
      List<Live> live = new ArrayList<>();
      List<String> patterns = new ArrayList<>();
      PathTree<Object> frozen = null;
      List<String> frozenAnswers = null;
      List<String> probe = new ArrayList<>();
      for (int step = 0; step < 60; step++) {
        if (live.isEmpty() || rnd.nextInt(3) > 0) {
          String p = !patterns.isEmpty() && rnd.nextInt(5) == 0
              ? patterns.get(rnd.nextInt(patterns.size()))
              : PathTreeDifferentialTest.randomPattern(rnd);
          patterns.add(p);
          Live e = new Live(PathPattern.parse(p), new Object(), rnd.nextInt(3), rnd.nextInt(50));
          live.add(e);
          tree = tree.plus(e.pattern(), e.value(), e.priority(), e.sequence());
        } else {
          Live e = live.remove(rnd.nextInt(live.size()));
          PathTree<Object> before = tree;
          tree = tree.minus(e.pattern(), e.value());
          assertThat(tree.size()).isEqualTo(before.size() - 1);
          assertThat(tree.minus(e.pattern(), e.value())).as("removing twice is a no-op").isSameAs(tree);
        }
        assertThat(tree.size()).isEqualTo(live.size());
        if (step == 20) {
          frozen = tree;
          for (int k = 0; k < 20; k++) {
            probe.add(rnd.nextBoolean() ? PathTreeDifferentialTest.randomPath(rnd)
                : PathTreeDifferentialTest.instantiate(patterns.get(rnd.nextInt(patterns.size())), rnd));
          }
          frozenAnswers = answers(frozen, probe);
        }
        PathTree.Builder<Object> fresh = PathTree.builder();
        for (Live e : live) {
          fresh.add(e.pattern(), e.value(), e.priority(), e.sequence());
        }
        PathTree<Object> built = fresh.build();
        for (int k = 0; k < 8; k++) {
          String path = rnd.nextInt(3) == 0 || patterns.isEmpty() ? PathTreeDifferentialTest.randomPath(rnd)
              : PathTreeDifferentialTest.instantiate(patterns.get(rnd.nextInt(patterns.size())), rnd);
          assertThat(answers(tree, List.of(path)))
              .as("seed %d run seed %d step %d path %s", seed, runSeed, step, path)
              .isEqualTo(answers(built, List.of(path)));
          checks++;
        }
      }
      if (frozen != null) {
        assertThat(answers(frozen, probe)).as("seed %d: an old version changed", seed).isEqualTo(frozenAnswers);
      }
    }
    assertThat(checks).isGreaterThanOrEqualTo(100_000);
  }

  private static List<String> answers(PathTree<Object> tree, List<String> paths) {
    List<String> out = new ArrayList<>();
    for (String path : paths) {
      for (PathTree.Match<Object> m : tree.matchAll(path)) {
        out.add(path + " " + m.pattern() + "@" + System.identityHashCode(m.value()) + m.params()
            + "/" + m.entry().priority() + "/" + m.entry().sequence());
      }
      out.add("|");
    }
    return out;
  }
}
