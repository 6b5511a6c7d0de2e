package io.dynconf.core.apisix;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.internal.Pipeline;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.everit.json.schema.Schema;
import org.everit.json.schema.loader.SchemaLoader;
import org.json.JSONObject;
import org.jspecify.annotations.Nullable;

/** {@link PluginCatalog#fromSchemas}: the checker is the published schema, so the two cannot disagree. */
final class SchemaPluginCatalog implements PluginCatalog {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<PluginInfo> plugins;
  private final Map<String, Schema> schemas;
  private final Map<String, Schema> metadataSchemas;

  SchemaPluginCatalog(List<PluginInfo> given) {
    Map<String, Schema> byName = new LinkedHashMap<>();
    Map<String, Schema> metadata = new LinkedHashMap<>();
    List<PluginInfo> sorted = new ArrayList<>(given);
    sorted.sort(Comparator.comparingInt(PluginInfo::priority).reversed().thenComparing(PluginInfo::name));
    for (PluginInfo p : sorted) {
      if (byName.put(p.name(), load(p.name(), "schema", p.schema())) != null) {
        throw new IllegalArgumentException("two plugins are named \"" + p.name() + "\"");
      }
      if (p.consumerSchema() != null) {
        load(p.name(), "consumer_schema", p.consumerSchema());
      }
      if (p.metadataSchema() != null) {
        metadata.put(p.name(), load(p.name(), "metadata_schema", p.metadataSchema()));
      }
    }
    this.plugins = List.copyOf(sorted);
    this.schemas = Map.copyOf(byName);
    this.metadataSchemas = Map.copyOf(metadata);
  }

  /** Loads a draft-7 schema. */
  static Schema load(String plugin, String which, String json) {
    try {
      return SchemaLoader.builder().schemaJson(new JSONObject(json)).draftV7Support().build().load().build();
    } catch (RuntimeException e) { // JSONException, SchemaException: the text is not a schema
      throw new IllegalArgumentException("plugin " + plugin + ": its " + which + " is not a JSON Schema: " + e.getMessage(), e);
    }
  }

  @Override
  public void check(String name, Map<String, @Nullable Object> config) {
    Schema s = schemas.get(name);
    if (s == null) {
      throw new InvalidConfigException("", "unknown plugin [" + name + "]");
    }
    Pipeline.validate(s, (ObjectNode) MAPPER.valueToTree(config));
  }

  /** By the plugin's metadata schema; nothing for an unknown plugin or one without a metadata schema. */
  @Override
  public void checkMetadata(String name, Map<String, @Nullable Object> metadata) {
    Schema s = metadataSchemas.get(name);
    if (s != null) {
      Pipeline.validate(s, (ObjectNode) MAPPER.valueToTree(metadata));
    }
  }

  @Override
  public List<PluginInfo> plugins() {
    return plugins;
  }
}
