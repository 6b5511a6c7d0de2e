package io.dynconf.core.apisix;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceType;

import io.dynconf.core.source.InMemorySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The standard types with a plugin catalog: unknown plugins and bad configurations are rejected. */
class PluginCatalogTest {

  /** Knows one plugin, "limit", whose "count" must be a positive number. */
  static final PluginCatalog CATALOG = (name, config) -> {
    if (!name.equals("limit")) {
      throw new InvalidConfigException("", "unknown plugin \"" + name + "\" (known: limit)");
    }
    if (!(config.get("count") instanceof Number n) || n.doubleValue() <= 0) {
      throw new InvalidConfigException("/count", "a positive number is required");
    }
  };

  @Test
  void theRegistryRejectsUnknownPluginsAndBadConfigsNamingThePluginAndField() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix")) {
      source.put("/apisix/routes/ok", "{\"uri\":\"/ok\",\"plugins\":{\"limit\":{\"count\":5}}}");
      source.put("/apisix/routes/unknown", "{\"uri\":\"/u\",\"plugins\":{\"nope\":{}}}");
      source.put("/apisix/services/bad", "{\"plugins\":{\"limit\":{\"count\":-1}}}");
      ConfigRegistry registry = ConfigRegistry.builder(source).types(StandardTypes.withPlugins(CATALOG)).build().start();
      try (registry) {
        registry.awaitReady(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.snapshot().rejections().size() == 2);
        ConfigSnapshot s = registry.snapshot();
        assertThat(s.store(StandardTypes.ROUTES).get("ok")).as("found with the standard constant").isNotNull();
        assertThat(s.rejections().get("/apisix/routes/unknown").message())
            .contains("/plugins/nope").contains("unknown plugin \"nope\"");
        assertThat(s.rejections().get("/apisix/services/bad").message())
            .contains("/plugins/limit/count").contains("positive");
      }
    }
  }

  @Test
  void theRegistryChecksPluginMetadataWithThePluginsMetadataSchema() throws Exception {
    PluginCatalog catalog = PluginCatalog.fromSchemas(java.util.List.of(
        new PluginInfo("shared", 1, 0.1, null, "{\"type\":\"object\"}", null,
            "{\"type\":\"object\",\"properties\":{\"names\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}}}"),
        PluginInfo.of("plain", 2, "{\"type\":\"object\"}")));
    try (InMemorySource source = new InMemorySource("/apisix")) {
      source.put("/apisix/plugin_metadata/shared", "{\"id\":\"shared\",\"names\":{\"a\":\"x\"},\"other\":1}");
      source.put("/apisix/plugin_metadata/plain", "{\"id\":\"plain\",\"anything\":[1]}");
      source.put("/apisix/plugin_metadata/elsewhere", "{\"id\":\"elsewhere\",\"anything\":true}");
      ConfigRegistry registry = ConfigRegistry.builder(source).types(StandardTypes.withPlugins(catalog)).build().start();
      try (registry) {
        registry.awaitReady(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.snapshot().store(StandardTypes.PLUGIN_METADATA).size() == 3);
        assertThat(registry.snapshot().rejections()).as("no metadata schema, or an unknown plugin: kept as given (APISIX's data plane)").isEmpty();

        source.put("/apisix/plugin_metadata/shared", "{\"id\":\"shared\",\"names\":{\"a\":7}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.snapshot().rejections().containsKey("/apisix/plugin_metadata/shared"));
        assertThat(registry.snapshot().rejections().get("/apisix/plugin_metadata/shared").message()).contains("/names/a").contains("string");
      }
    }
  }

  @Test
  void variantsKeepTheStandardTypesNamesAndChecks() {
    assertThat(StandardTypes.withPlugins(CATALOG)).extracting(ResourceType::name)
        .containsExactlyElementsOf(StandardTypes.all().stream().map(ResourceType::name).toList());
    assertThat(Map.of()).isEmpty();
  }
}
