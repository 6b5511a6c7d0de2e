package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Copy-on-write {@code with}/{@code without} against a {@link HashMap} model, clusters included. */
class SegmentTableTest {

  /** Keys with equal hash codes ("Aa" and "BB" hash alike) force long probe runs and wrap-around. */
  private static String key(SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    int parts = 1 + rnd.nextInt(3);
    for (int i = 0; i < parts; i++) {
      sb.append(rnd.nextBoolean() ? "Aa" : "BB");
    }
    return rnd.nextInt(4) == 0 ? sb.append(rnd.nextInt(40)).toString() : sb.toString();
  }

  @Test
  void withAndWithoutAgreeWithAMapAndNeverChangeOldVersions() {
    long seed = new Random().nextLong();
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int run = 0; run < 500; run++) {
      SegmentTable<Integer> table = SegmentTable.empty();
      Map<String, Integer> model = new HashMap<>();
      List<SegmentTable<Integer>> versions = new ArrayList<>();
      List<Map<String, Integer>> models = new ArrayList<>();
      for (int step = 0; step < 60; step++) {
        String k = key(rnd);
        if (rnd.nextInt(3) == 0) {
          table = table.without(k);
          model.remove(k);
        } else {
          int v = rnd.nextInt(1000);
          table = table.with(k, v);
          model.put(k, v);
        }
        versions.add(table);
        models.add(new HashMap<>(model));
        check(table, model, seed);
      }
      for (int i = 0; i < versions.size(); i++) {
        check(versions.get(i), models.get(i), seed);
      }
    }
  }

  private static void check(SegmentTable<Integer> table, Map<String, Integer> model, long seed) {
    assertThat(table.size()).as("seed %d", seed).isEqualTo(model.size());
    for (String k : List.of("Aa", "BB", "AaBB", "BBAa", "AaAa", "BBBB", "AaAaAa", "BBBBBB", "Aa7", "BB7", "x")) {
      assertThat(table.get(k)).as("seed %d key %s", seed, k).isEqualTo(model.get(k));
      String padded = "[" + k + "]";
      assertThat(table.get(padded, 1, padded.length() - 1)).isEqualTo(model.get(k));
    }
    model.forEach((k, v) -> assertThat(table.get(k)).as("seed %d key %s", seed, k).isEqualTo(v));
    model.forEach((k, v) -> assertThat(table.getWhole(k)).as("seed %d key %s", seed, k).isEqualTo(v));
    for (int len = 0; len <= 10; len++) { // edits pass the filter on: a removed key's length must still be answered right
      int l = len;
      assertThat(table.hasKeyOfLength(len)).as("seed %d length %d", seed, len)
          .isEqualTo(model.keySet().stream().anyMatch(k -> k.length() == l));
    }
  }
}
