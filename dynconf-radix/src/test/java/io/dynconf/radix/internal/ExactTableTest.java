package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Copy-on-write {@code with}/{@code without} against a {@link HashMap}, flat and bucketed alike. */
class ExactTableTest {

  @Test
  void agreesWithAMapAcrossTheFlatLimitAndNeverChangesOldVersions() {
    long seed = new Random().nextLong();
    SplittableRandom rnd = new SplittableRandom(seed);
    int keys = ExactTable.FLAT_MAX * 3;
    ExactTable<Integer> table = ExactTable.empty();
    Map<String, Integer> model = new HashMap<>();
    List<ExactTable<Integer>> versions = new ArrayList<>();
    List<Map<String, Integer>> models = new ArrayList<>();
    for (int step = 0; step < keys * 3; step++) {
      String k = "/p/" + rnd.nextInt(keys);
      // grow past the flat limit first, then churn
      if (step > keys * 2 && rnd.nextInt(3) == 0) {
        table = table.without(k);
        model.remove(k);
      } else {
        int v = rnd.nextInt(1000);
        table = table.with(k, v);
        model.put(k, v);
      }
      if (step % 500 == 0) {
        versions.add(table);
        models.add(new HashMap<>(model));
      }
    }
    versions.add(table);
    models.add(new HashMap<>(model));
    versions.add(ExactTable.of(model));
    models.add(new HashMap<>(model));
    for (int i = 0; i < versions.size(); i++) {
      ExactTable<Integer> t = versions.get(i);
      Map<String, Integer> m = models.get(i);
      assertThat(t.size()).as("seed %d version %d", seed, i).isEqualTo(m.size());
      for (int k = 0; k < keys; k++) {
        String key = "/p/" + k;
        assertThat(t.getWhole(new String(key))).as("seed %d version %d key %s", seed, i, key).isEqualTo(m.get(key));
      }
      Map<String, Integer> seen = new HashMap<>();
      t.forEach(seen::put);
      assertThat(seen).as("seed %d version %d", seed, i).isEqualTo(m);
    }
  }
}
