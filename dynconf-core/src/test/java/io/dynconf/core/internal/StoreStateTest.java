package io.dynconf.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A store version made by {@link StoreState#with} holds exactly what a plain map holds after the
 * same changes, through growth and shrinkage (resharding), and older versions stay as they were.
 */
class StoreStateTest {
  private static final ResourceType<ObjectNode> TYPE = ResourceType.builder("upstreams", ObjectNode.class).build();

  @Test
  void versionsMatchAPlainMapThroughGrowthAndShrinkage() {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("StoreStateTest.versionsMatchAPlainMapThroughGrowthAndShrinkage: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random rnd = new Random(seed);
    StoreState<ObjectNode> state = StoreState.empty(TYPE);
    Map<String, ConfigItem<ObjectNode>> model = new HashMap<>();
    List<StoreState<ObjectNode>> versions = new ArrayList<>();
    List<Map<String, ConfigItem<ObjectNode>>> models = new ArrayList<>();
    long rev = 0;
    for (int phase = 0; phase < 6; phase++) {
      boolean grow = phase % 2 == 0;
      int space = phase < 2 ? 300 : 5_000;
      for (int batch = 0; batch < 200; batch++) {
        Map<String, ConfigItem<ObjectNode>> changes = new HashMap<>();
        int n = 1 + rnd.nextInt(grow ? 60 : 80);
        for (int j = 0; j < n; j++) {
          String id = "u" + rnd.nextInt(space);
          boolean put = grow ? rnd.nextInt(10) < 8 : rnd.nextInt(10) < 2;
          changes.put(id, put ? item(id, ++rev) : null);
        }
        state = state.with(changes, ++rev);
        changes.forEach((id, item) -> {
          if (item == null) {
            model.remove(id);
          } else {
            model.put(id, item);
          }
        });
        if (batch % 25 == 0) {
          check(state, model);
        } else {
          assertThat(state.size()).isEqualTo(model.size());
          for (String id : changes.keySet()) {
            assertThat(state.item(id)).isSameAs(model.get(id));
          }
        }
        if (batch % 50 == 0) {
          versions.add(state);
          models.add(new HashMap<>(model));
        }
      }
    }
    for (int i = 0; i < versions.size(); i++) {
      check(versions.get(i), models.get(i));
    }
    assertThat(state.version()).isEqualTo(1200);
  }

  /**
   * A batch copies the shards it touches, so the items per shard bound a batch's cost: a store grown
   * by batches (as a bulk seeding grows it) to 100,000 items keeps shards of at most 32 items on
   * average below the shard cap, and at the cap as many shards as the cap allows.
   */
  @Test
  void shardsStaySmallAsTheStoreGrowsInBatches() {
    StoreState<ObjectNode> state = StoreState.empty(TYPE);
    long rev = 0;
    for (int next = 0; next < 100_000; ) {
      Map<String, ConfigItem<ObjectNode>> changes = new HashMap<>();
      for (int j = 0; j < 128 && next < 100_000; j++, next++) {
        changes.put("r" + next, item("r" + next, rev + 1));
      }
      state = state.with(changes, ++rev);
      int perShard = state.size() / state.shards();
      assertThat(perShard).as("%d items in %d shards", state.size(), state.shards()).isLessThanOrEqualTo(state.shards() == 4096 ? 64 : 32);
    }
    assertThat(state.shards()).isEqualTo(4096);
    for (int batch = 0; batch < 780; batch++) { // and back down: a shrinking store sheds shards
      Map<String, ConfigItem<ObjectNode>> changes = new HashMap<>();
      for (int j = 0; j < 128; j++) {
        changes.put("r" + (batch * 128 + j), null);
      }
      state = state.with(changes, ++rev);
    }
    assertThat(state.size()).isEqualTo(160);
    assertThat(state.shards()).isLessThanOrEqualTo(32);
  }

  private static void check(StoreState<ObjectNode> state, Map<String, ConfigItem<ObjectNode>> model) {
    assertThat(state.size()).isEqualTo(model.size());
    assertThat(new java.util.HashSet<>(state.ids())).hasSize(model.size()).isEqualTo(model.keySet());
    assertThat(state.ids()).hasSize(model.size());
    List<ConfigItem<ObjectNode>> sorted = new ArrayList<>(model.values());
    sorted.sort(Comparator.comparing(ConfigItem::id));
    assertThat(state.items()).isEqualTo(sorted);
    for (int i = 0; i < 20; i++) {
      String id = "u" + i;
      assertThat(state.item(id)).isSameAs(model.get(id));
      assertThat(state.ids().contains(id)).isEqualTo(model.containsKey(id));
    }
  }

  private static ConfigItem<ObjectNode> item(String id, long rev) {
    ObjectNode u = JsonNodeFactory.instance.objectNode().put("rev", rev);
    return new ConfigItem<>(ResourceKey.of("/apisix", TYPE.path(), id), u, null, rev, rev);
  }
}
