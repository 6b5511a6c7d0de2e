package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node's literal children found by signature (length, first, middle and last character) where
 * every key gets a slot of its own, by hash otherwise: both ways find each key and nothing else,
 * including keys that differ only where the signature does not look.
 */
class PathNodeTest {

  private static PathTree<String> tree(List<String> segments) {
    PathTree.Builder<String> b = PathTree.builder();
    long seq = 0;
    for (String s : segments) {
      b.add("/" + s + "/:id", s, 0, seq++); // a parameter: exact paths go to the exact-path table, not the nodes
    }
    return b.build();
  }

  private static String found(PathTree<String> tree, String segment) {
    PathTree.Entry<String> e = tree.first("/" + segment + "/42", v -> true, new PathParams());
    return e == null ? null : e.value;
  }

  @Test
  void smallTablesAreSignedAndFindEachKeyWhole() {
    List<String> keys = List.of("users", "login", "roles", "files", "push", "installations", "", "é", "\u4e2d\u6587");
    PathTree<String> t = tree(keys);
    assertThat(t.root().signed()).isTrue();
    for (String k : keys) {
      assertThat(found(t, k)).as(k).isEqualTo(k);
    }
    // same signature as a key, different inside; a prefix; a longer one; another case
    for (String miss : List.of("uxers", "user", "userss", "Users", "pus", "installation", "x")) {
      assertThat(found(t, miss)).as(miss).isNull();
    }
  }

  @Test
  void keysWithOneSignatureFallBackToTheHashedTable() {
    List<String> keys = List.of("abcd", "axcd", "cats", "cuts");
    PathTree<String> t = tree(keys);
    assertThat(t.root().signed()).isFalse();
    for (String k : keys) {
      assertThat(found(t, k)).as(k).isEqualTo(k);
    }
    assertThat(found(t, "aycd")).isNull();
  }

  @Test
  void largeTablesUseTheHashedTable() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i <= PathNode.SIGNED_MAX; i++) {
      keys.add("k" + i);
    }
    PathTree<String> t = tree(keys);
    assertThat(t.root().signed()).isFalse();
    for (String k : keys) {
      assertThat(found(t, k)).as(k).isEqualTo(k);
    }
    assertThat(tree(keys.subList(0, PathNode.SIGNED_MAX)).root().signed()).isTrue();
  }
}
