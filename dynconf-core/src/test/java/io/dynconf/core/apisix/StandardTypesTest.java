package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;


import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.internal.Pipeline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StandardTypesTest {

  /** Runs {@code json} through the pipeline as {@code /apisix/<type>/<id>} and returns the value. */
  static <T> T decode(ResourceType<T> type, String id, String json) {
    return Pipeline.decode(type, ResourceKey.of("/apisix", type.path(), id), json.getBytes(UTF_8), 3, 7).value();
  }

  /** Runs {@code json} through the pipeline and returns the rejection it must cause. */
  static InvalidConfigException rejection(ResourceType<?> type, String id, String json) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> decode(type, id, json));
    assertThat(e).as("expected %s/%s to be rejected: %s", type.name(), id, json).isNotNull();
    return e;
  }

  /** JSON text of a Java string (for PEM blocks and other multi-line values). */
  static String quote(String text) {
    return new ObjectMapper().getNodeFactory().textNode(text).toString();
  }

  @Test
  void listsTheThirteenApisixTypesEachAfterTheTypesItReferences() {
    List<ResourceType<?>> all = StandardTypes.all();

    assertThat(all).extracting(ResourceType::name).containsExactly("ssls", "upstreams", "services", "plugin_configs",
        "routes", "consumer_groups", "consumers", "credentials", "global_rules", "plugin_metadata", "stream_routes", "protos", "secrets");
    for (int i = 0; i < all.size(); i++) {
      Set<String> earlier = all.subList(0, i).stream().map(ResourceType::name).collect(Collectors.toSet());
      assertThat(earlier).as("types before %s", all.get(i).name()).containsAll(all.get(i).referencedTypes());
    }
  }

  @Test
  void everyTypeHasItsSchemaAndItsApisixPath() {
    for (ResourceType<?> type : StandardTypes.all()) {
      assertThat(type.schema()).as(type.name()).isNotNull();
      if (type != StandardTypes.CREDENTIALS) {
        assertThat(type.path()).isEqualTo(type.name());
        assertThat(type.routeKey()).isEqualTo(type.name());
      }
    }
    // APISIX keeps a consumer's credentials under it: /apisix/consumers/<username>/credentials/<id>
    assertThat(StandardTypes.CREDENTIALS.path()).isEqualTo("consumers");
    assertThat(StandardTypes.CREDENTIALS.routeKey()).isEqualTo("consumers/*/credentials");
    assertThat(ResourceType.routeOf("/apisix", "/apisix/consumers/jack/credentials/a")).isEqualTo("consumers/*/credentials");
    assertThat(ResourceType.routeOf("/apisix", "/apisix/consumers/jack")).isEqualTo("consumers");
    assertThat(ResourceType.routeOf("/apisix", "/apisix/secrets/vault/1")).isEqualTo("secrets");
    assertThat(ResourceType.routeOf("/apisix", "/apisix/consumers/jack/credentials/a/b")).isEqualTo("consumers");
  }

  @Test
  void declaresTheReferencedTypes() {
    assertThat(StandardTypes.ROUTES.referencedTypes()).containsExactlyInAnyOrder("upstreams", "services", "plugin_configs", "ssls");
    assertThat(StandardTypes.SERVICES.referencedTypes()).containsExactlyInAnyOrder("upstreams", "ssls");
    assertThat(StandardTypes.UPSTREAMS.referencedTypes()).containsExactly("ssls");
    assertThat(StandardTypes.STREAM_ROUTES.referencedTypes()).containsExactlyInAnyOrder("upstreams", "services");
    assertThat(StandardTypes.CONSUMERS.referencedTypes()).containsExactly("consumer_groups");
    assertThat(StandardTypes.CREDENTIALS.referencedTypes()).containsExactly("consumers");
    assertThat(List.of(StandardTypes.SSLS, StandardTypes.PLUGIN_CONFIGS, StandardTypes.CONSUMER_GROUPS, StandardTypes.GLOBAL_RULES,
        StandardTypes.PLUGIN_METADATA, StandardTypes.PROTOS, StandardTypes.SECRETS))
        .allSatisfy(type -> assertThat(type.referencedTypes()).isEmpty());
  }

  @Test
  void consumersAreKeyedByUsernameAndSecretsByTwoSegments() {
    assertThat(StandardTypes.CONSUMERS.idField()).isEqualTo("username");
    assertThat(StandardTypes.SECRETS.idSegments()).isEqualTo(2);
    assertThat(StandardTypes.all()).filteredOn(t -> t != StandardTypes.CONSUMERS).allSatisfy(t -> assertThat(t.idField()).isEqualTo("id"));
    assertThat(StandardTypes.CREDENTIALS.idSegments()).isEqualTo(3);
    assertThat(StandardTypes.all()).filteredOn(t -> t != StandardTypes.SECRETS && t != StandardTypes.CREDENTIALS).allSatisfy(t -> assertThat(t.idSegments()).isEqualTo(1));
  }

  @Test
  void decodingLeavesTheInputUntouched() throws Exception {
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(
        "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1}},\"vars\":[[\"arg_a\",\"==\",\"1\"]]}");
    ObjectNode before = json.deepCopy();

    Pipeline.decode(StandardTypes.ROUTES, ResourceKey.of("/apisix", "routes", "1"), json, 1, 1);

    assertThat(json).isEqualTo(before);
  }

  @Test
  void freeFormJsonBecomesDeepImmutableJavaTrees() {
    Route route = decode(StandardTypes.ROUTES, "1", """
        {"uri": "/a", "plugins": {"demo": {"n": 80.0, "ratio": 0.5, "on": true, "none": null,
          "list": [1, "two", {"three": 3}]}}}""");

    Map<String, Object> demo = route.plugins().get("demo");
    assertThat(demo).containsEntry("n", 80L).containsEntry("ratio", 0.5).containsEntry("on", true).containsEntry("none", null);
    assertThat(demo.get("list")).isEqualTo(List.of(1L, "two", Map.of("three", 3L)));
    assertThat(demo.keySet()).containsExactly("n", "ratio", "on", "none", "list");
    assertThatThrownBy(() -> demo.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<?>) demo.get("list")).clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> route.plugins().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void recordsBuiltInJavaCopyTheirCollections() {
    ArrayList<String> uris = new ArrayList<>(List.of("/a"));
    HashMap<String, Object> conf = new HashMap<>(Map.of("count", 2));
    Route route = new Route("1", null, null, Map.of(), uris, 0, List.of(), List.of(), List.of(), null, List.of(), null,
        null, null, Map.of("limit-count", conf), null, null, "1", null, null, 1, null, null);

    uris.add("/b");
    conf.put("count", 3);

    assertThat(route.uris()).containsExactly("/a");
    assertThat(route.plugins().get("limit-count")).containsExactly(Map.entry("count", 2L));
  }
}
