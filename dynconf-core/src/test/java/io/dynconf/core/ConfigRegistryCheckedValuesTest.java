package io.dynconf.core;

import static io.dynconf.core.TestTypes.UPSTREAMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.source.InMemorySource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CheckedValues}: a value a writer on this node checked is taken instead of checked again
 * only when the watch delivers the very bytes offered, within the registry's own limits; any other
 * bytes are checked as always.
 */
class ConfigRegistryCheckedValuesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ResourceType<ObjectNode> ANY = ResourceType.builder("any", ObjectNode.class).build();

  private final InMemorySource source = new InMemorySource("/apisix");
  private ConfigRegistry registry;

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  /** A checked item whose value no decoder would make from the bytes: seeing it served proves it was taken. */
  private static ConfigItem<ObjectNode> marker(ResourceType<?> type, String id) {
    ObjectNode v = JsonNodeFactory.instance.objectNode().put("marker", id);
    return new ConfigItem<>(ResourceKey.of("/apisix", type.path(), id), v, null, 1, 1);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void putAndAwait(String key, String value) {
    long rev = source.put(key, value);
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= rev);
  }

  @Test
  void theOfferedItemIsTakenForTheSameBytesOnlyAndOnce() throws Exception {
    registry = ConfigRegistry.builder(source).types(List.of(ANY, UPSTREAMS)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    CheckedValues checked = registry.checkedValues();

    checked.offer("/apisix/any/a", utf8("{\"v\":1}"), marker(ANY, "a"));
    putAndAwait("/apisix/any/a", "{\"v\":1}");
    ConfigItem<ObjectNode> a = registry.snapshot().store(ANY).item("a");
    assertThat(a.value().path("marker").asText()).as("taken, not decoded again").isEqualTo("a");
    assertThat(a.modRevision()).as("with the event's revisions").isEqualTo(registry.snapshot().revision());
    assertThat(checked.counts()).containsEntry("offered", 1L).containsEntry("taken", 1L);

    // other bytes at the key: checked as always, and the offer is gone
    checked.offer("/apisix/any/b", utf8("{\"v\":1}"), marker(ANY, "b"));
    putAndAwait("/apisix/any/b", "{\"v\":2}");
    assertThat(registry.snapshot().store(ANY).get("b").path("v").asInt()).isEqualTo(2);
    putAndAwait("/apisix/any/b", "{\"v\":1}");
    assertThat(registry.snapshot().store(ANY).get("b").has("marker")).as("consumed by the first event").isFalse();
    assertThat(checked.size()).isZero();
    assertThat(checked.counts()).containsEntry("offered", 2L).containsEntry("mismatched", 1L).containsEntry("held", 0L);

    // an invalid value is rejected even when a valid one was offered for its key
    checked.offer("/apisix/upstreams/u", utf8("{\"nodes\":{}}"), marker(UPSTREAMS, "u"));
    putAndAwait("/apisix/upstreams/u", "{\"nodes\":1}");
    assertThat(registry.snapshot().rejections()).containsKey("/apisix/upstreams/u");
    assertThat(checked.counts()).containsEntry("taken", 1L);

    assertThatThrownBy(() -> checked.offer("/apisix/any/other", utf8("{}"), marker(ANY, "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/apisix/any/a");
  }

  @Test
  void theRegistrysOwnLimitsAreCheckedBeforeAnOfferIsTaken() throws Exception {
    registry = ConfigRegistry.builder(source).types(List.of(ANY)).jsonLimits(4, 64).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    CheckedValues checked = registry.checkedValues();

    String deep = "{\"a\":[[[[[]]]]]}";
    checked.offer("/apisix/any/deep", utf8(deep), marker(ANY, "deep"));
    putAndAwait("/apisix/any/deep", deep);
    assertThat(registry.snapshot().rejections().get("/apisix/any/deep").reason()).contains("deeper than the limit of 4");

    String big = "{\"a\":\"" + "x".repeat(80) + "\"}";
    checked.offer("/apisix/any/big", utf8(big), marker(ANY, "big"));
    putAndAwait("/apisix/any/big", big);
    assertThat(registry.snapshot().rejections()).containsKey("/apisix/any/big");
    assertThat(registry.snapshot().store(ANY).get("big")).isNull();
    assertThat(checked.counts()).containsEntry("taken", 0L);
  }

  @Test
  void depthIsCountedOutsideStringsOnly() {
    // brackets inside strings do not count; an escaped backslash ends before the closing quote
    assertThat(Validator.depthBelow(utf8("{\"s\":\"[[[[[[\\\"[[\"}"), 2)).isTrue();
    String v = "{\"s\":\"\\\\\",\"d\":[[[[]]]]}"; // depth 5 after a string holding one backslash
    assertThat(Validator.depthBelow(utf8(v), 5)).isFalse();
    assertThat(Validator.depthBelow(utf8(v), 6)).isTrue();
    assertThat(Validator.depthBelow(utf8("[]"), 1)).as("at the limit: checked in full").isFalse();
  }

  @Test
  void offersAreBoundedOldestFirst() {
    CheckedValues checked = new CheckedValues(3, 1_000);
    for (int i = 0; i < 5; i++) {
      checked.offer("/apisix/any/" + i, utf8("{}"), marker(ANY, String.valueOf(i)));
    }
    assertThat(checked.size()).isEqualTo(3);
    assertThat(checked.counts()).containsEntry("offered", 5L).containsEntry("dropped", 2L).containsEntry("held", 3L);
    assertThat(checked.take("/apisix/any/0", utf8("{}"), 2, 2)).as("dropped").isNull();
    assertThat(checked.take("/apisix/any/4", utf8("{}"), 2, 2)).isNotNull();

    CheckedValues small = new CheckedValues(100, 10);
    small.offer("/apisix/any/x", utf8("{\"a\":\"0123456789\"}"), marker(ANY, "x"));
    assertThat(small.size()).as("larger than all the bytes allowed: not kept").isZero();
    small.offer("/apisix/any/p", utf8("{\"a\":1}"), marker(ANY, "p"));
    small.offer("/apisix/any/q", utf8("{\"a\":2}"), marker(ANY, "q"));
    assertThat(small.size()).as("7 + 7 bytes > 10: the oldest goes").isEqualTo(1);
    assertThat(small.take("/apisix/any/q", utf8("{\"a\":2}"), 3, 3)).isNotNull();
    assertThat(small.counts()).containsEntry("offered", 3L).containsEntry("dropped", 2L).containsEntry("taken", 1L)
        .containsEntry("held", 0L);
  }
}
