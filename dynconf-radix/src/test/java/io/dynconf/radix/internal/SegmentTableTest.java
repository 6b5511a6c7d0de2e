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
    long seed = Long.getLong("segmenttable.seed", new Random().nextLong()); // replay: -Dsegmenttable.seed=N
    System.out.println("SegmentTableTest seed " + seed);
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

  /**
   * Past {@link SegmentTable#CHUNKED_AT} keys a table splits into chunks: edits, lookups of every
   * kind, old versions and {@code forEach} keep agreeing with the model across the split.
   */
  @Test
  void aTableThatGrowsPastTheChunkThresholdAgreesWithAMapBeforeAndAfterTheSplit() {
    long seed = Long.getLong("segmenttable.seed", new Random().nextLong()); // replay: -Dsegmenttable.seed=N
    System.out.println("SegmentTableTest chunked seed " + seed);
    SplittableRandom rnd = new SplittableRandom(seed);
    SegmentTable<Integer> table = SegmentTable.empty();
    Map<String, Integer> model = new HashMap<>();
    SegmentTable<Integer> beforeSplit = null;
    Map<String, Integer> beforeSplitModel = null;
    int limit = SegmentTable.CHUNKED_AT * 3;
    for (int step = 0; step < limit * 2; step++) {
      String k = "svc" + rnd.nextInt(limit) + (rnd.nextInt(8) == 0 ? "-x" : "");
      if (rnd.nextInt(5) == 0) {
        table = table.without(k);
        model.remove(k);
      } else {
        int v = rnd.nextInt(1_000_000);
        table = table.with(k, v);
        model.put(k, v);
      }
      if (beforeSplit == null && model.size() == SegmentTable.CHUNKED_AT) {
        beforeSplit = table;
        beforeSplitModel = new HashMap<>(model);
      }
      if (step % 997 == 0) {
        checkLarge(table, model, seed);
      }
    }
    checkLarge(table, model, seed);
    assertThat(beforeSplit).as("seed %d: the model reached the threshold", seed).isNotNull();
    checkLarge(beforeSplit, beforeSplitModel, seed);
    Map<String, Integer> built = new HashMap<>(model);
    checkLarge(SegmentTable.of(built), model, seed);
  }

  /**
   * Keys that differ only in their last characters (route sets such as {@code /svc0/*} ..
   * {@code /svc99999/*}) spread over the chunks, whether the table is built whole or edited key by
   * key: an edit copies one chunk, so a chunk holding most keys would make every edit O(n).
   */
  @Test
  void keysThatDifferInTheirLastCharactersSpreadOverTheChunks() {
    for (String family : List.of("svc%d", "user-%05d", "%d", "v1.%d.json")) {
      int n = 20_000;
      Map<String, Integer> model = new HashMap<>();
      SegmentTable<Integer> edited = SegmentTable.empty();
      for (int i = 0; i < n; i++) {
        String k = String.format(java.util.Locale.ROOT, family, i);
        model.put(k, i);
        edited = edited.with(k, i);
      }
      int even = n / 256;
      assertThat(edited.largestChunk()).as("%s, edited: most keys in one chunk (even: %d)", family, even).isLessThan(even * 3);
      assertThat(SegmentTable.of(model).largestChunk()).as("%s, built whole", family).isLessThan(even * 3);
      checkLarge(edited, model, 0);
    }
  }

  private static void checkLarge(SegmentTable<Integer> table, Map<String, Integer> model, long seed) {
    assertThat(table.size()).as("seed %d", seed).isEqualTo(model.size());
    model.forEach((k, v) -> {
      assertThat(table.getWhole(k)).as("seed %d key %s", seed, k).isEqualTo(v);
      String padded = "/" + k + "/";
      assertThat(table.get(padded, 1, padded.length() - 1)).as("seed %d key %s", seed, k).isEqualTo(v);
      assertThat(table.getAsciiIgnoreCase(padded.toUpperCase(java.util.Locale.ROOT), 1, padded.length() - 1))
          .as("seed %d key %s", seed, k).isEqualTo(v);
    });
    for (String absent : List.of("svc-1", "svc" + Integer.MAX_VALUE, "x", "")) {
      assertThat(table.getWhole(absent)).isNull();
    }
    Map<String, Integer> seen = new HashMap<>();
    table.forEach(seen::put);
    assertThat(seen).as("seed %d", seed).isEqualTo(model);
    for (int len = 3; len <= 12; len++) {
      int l = len;
      assertThat(table.hasKeyOfLength(len)).as("seed %d length %d", seed, len)
          .isEqualTo(model.keySet().stream().anyMatch(k -> k.length() == l));
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
