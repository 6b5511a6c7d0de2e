package io.dynconf.core.apisix;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.internal.Pipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.everit.json.schema.Schema;
import org.everit.json.schema.loader.SchemaLoader;
import org.json.JSONObject;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a plugin's published schema and its checker agree on sample configurations: each
 * sample the schema accepts the catalog accepts, and each sample the schema rejects the catalog
 * rejects (issue 15: the Dashboard builds its forms from the schema). A host runs it for every
 * plugin with a few valid and invalid samples each (through the test-jar).
 */
public final class PluginSchemaConformance {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PluginSchemaConformance() {}

  /** Asserts, for each sample (a JSON object), that the schema's and the checker's verdicts agree and are {@code expectValid}. */
  public static void assertAgree(PluginCatalog catalog, String plugin, boolean expectValid, String... samples) {
    Schema schema = publishedSchema(catalog, plugin);
    for (String sample : samples) {
      String bySchema = verdict(() -> Pipeline.validate(schema, object(sample)));
      String byChecker = verdict(() -> catalog.check(plugin, map(sample)));
      assertThat(bySchema == null).as("%s: schema on %s (%s)", plugin, sample, bySchema).isEqualTo(expectValid);
      assertThat(byChecker == null).as("%s: checker on %s (%s); the schema says %s", plugin, sample, byChecker,
          bySchema == null ? "valid" : bySchema).isEqualTo(bySchema == null);
    }
  }

  /**
   * As {@link #assertAgree}, for plugin metadata: each sample's verdict by the published {@link
   * PluginInfo#metadataSchema()} and by {@link PluginCatalog#checkMetadata} agree and are {@code
   * expectValid}.
   */
  public static void assertMetadataAgree(PluginCatalog catalog, String plugin, boolean expectValid, String... samples) {
    PluginInfo info = info(catalog, plugin);
    if (info.metadataSchema() == null) {
      throw new AssertionError("plugin " + plugin + " publishes no metadata schema");
    }
    Schema schema = SchemaLoader.builder().schemaJson(new JSONObject(info.metadataSchema())).draftV7Support().build().load().build();
    for (String sample : samples) {
      String bySchema = verdict(() -> Pipeline.validate(schema, object(sample)));
      String byChecker = verdict(() -> catalog.checkMetadata(plugin, map(sample)));
      assertThat(bySchema == null).as("%s metadata: schema on %s (%s)", plugin, sample, bySchema).isEqualTo(expectValid);
      assertThat(byChecker == null).as("%s metadata: checker on %s (%s); the schema says %s", plugin, sample, byChecker,
          bySchema == null ? "valid" : bySchema).isEqualTo(bySchema == null);
    }
  }

  /**
   * The exceptions to {@link #assertAgree}: samples a JSON schema cannot refuse (a key that does not
   * parse, a template naming a group its regex lacks) which the plugin's checker refuses. Listed
   * so the gap is known and stays this narrow.
   */
  public static void assertOnlyTheCheckerRefuses(PluginCatalog catalog, String plugin, String... samples) {
    Schema schema = publishedSchema(catalog, plugin);
    for (String sample : samples) {
      assertThat(verdict(() -> Pipeline.validate(schema, object(sample)))).as("%s: schema on %s", plugin, sample).isNull();
      assertThat(verdict(() -> catalog.check(plugin, map(sample)))).as("%s: checker on %s", plugin, sample).isNotNull();
    }
  }

  private static PluginInfo info(PluginCatalog catalog, String plugin) {
    return catalog.plugins().stream().filter(p -> p.name().equals(plugin)).findFirst()
        .orElseThrow(() -> new AssertionError("the catalog does not publish plugin " + plugin));
  }

  private static Schema publishedSchema(PluginCatalog catalog, String plugin) {
    PluginInfo info = info(catalog, plugin);
    return SchemaLoader.builder().schemaJson(new JSONObject(info.schema())).draftV7Support().build().load().build();
  }

  private static @Nullable String verdict(Runnable r) {
    try {
      r.run();
      return null;
    } catch (InvalidConfigException e) {
      return e.getMessage();
    }
  }

  private static ObjectNode object(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, @Nullable Object> map(String json) {
    try {
      return JSON.readValue(json, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
