package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.json;
import static io.dynconf.core.admin.Responses.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.apisix.PluginInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code <pathPrefix>/plugins...}: what the host's plugins are ({@link
 * io.dynconf.core.apisix.PluginCatalog#plugins()}), in APISIX's shapes.
 *
 * <ul>
 *   <li>{@code GET plugins/list}: the names, highest priority first.
 *   <li>{@code GET plugins?all=true}: an object, per name, of {@code name}, {@code priority},
 *       {@code version}, {@code schema} and, where the plugin has them, {@code type}, {@code
 *       consumer_schema} and {@code metadata_schema}.
 *   <li>{@code GET plugins/<name>}: its schema (with what APISIX injects into every plugin's
 *       schema: its {@code $comment} mark and {@code _meta}); {@code ?schema_type=consumer} its consumer schema
 *       (400 "not found schema" when it has none); any other {@code schema_type}, {@code metadata}
 *       included, its schema, as APISIX 3.18 answers (its metadata schema is in {@code
 *       plugins?all=true}); 404 "plugin not found" for an unknown plugin.
 *   <li>{@code PUT plugins/reload}: 200 {@code "done"}. Here the plugins are compiled into the host
 *       and their catalog is fixed when the admin API is built, so there is nothing to load again;
 *       it answers as APISIX does so that tools that call it after a change work.
 * </ul>
 *
 * <p>{@code subsystem=stream} lists no plugins (no stream plugins here); another subsystem is a 400.
 */
final class PluginEndpoints {
  private final Map<String, PluginInfo> plugins;

  PluginEndpoints(AdminContext c) {
    this.plugins = c.plugins;
  }

  AdminResponse handle(String method, List<String> segments, Map<String, String> query) {
    String subsystem = query.getOrDefault("subsystem", "http");
    if (!subsystem.equals("http") && !subsystem.equals("stream")) {
      throw Problem.badRequest("unsupported subsystem: " + subsystem);
    }
    boolean stream = subsystem.equals("stream");
    if (segments.size() == 2 && segments.get(1).equals("reload")) {
      if (!method.equals("PUT")) {
        throw new Problem(404, "not found: use PUT for plugins/reload");
      }
      return json(200, Json.MAPPER.getNodeFactory().textNode("done"), null);
    }
    if (!method.equals("GET")) {
      throw new Problem(404, "not found: the plugins are read with GET (and reloaded with PUT plugins/reload)");
    }
    if (segments.size() == 2 && segments.get(1).equals("list")) {
      ArrayNode names = Json.MAPPER.createArrayNode();
      if (!stream) {
        plugins.keySet().forEach(names::add);
      }
      return json(200, names, null);
    }
    if ("true".equals(query.get("all"))) {
      ObjectNode all = Json.object();
      if (!stream) {
        for (PluginInfo p : plugins.values()) {
          all.set(p.name(), describe(p));
        }
      }
      return json(200, all, null);
    }
    if (segments.size() != 2) {
      throw new Problem(404, "plugin not found");
    }
    PluginInfo p = stream ? null : plugins.get(segments.get(1));
    if (p == null) {
      throw new Problem(404, "plugin not found in subsystem " + subsystem, Map.of(), Map.of("description", "no plugin " + quote(segments.get(1))));
    }
    // APISIX 3.18 (apisix/admin/plugins.lua): only schema_type=consumer selects another schema; any
    // other value, metadata included, serves the plugin's own schema (metadata schemas are published
    // by plugins?all=true, which is where the Dashboard reads them)
    boolean consumer = "consumer".equals(query.get("schema_type"));
    String schema = consumer ? p.consumerSchema() : p.schema();
    if (schema == null) {
      throw Problem.badRequest("not found schema");
    }
    return json(200, consumer ? parse(schema) : injected(parse(schema)), null);
  }

  /** APISIX's schema_def.lua plugin_injected_schema: the mark and {@code _meta}, which the route and service schemas enforce here. */
  private static final String INJECTED_MARK = "this is a mark for our injected plugin schema";
  private static final String INJECTED_META = """
      {"type":"object","properties":{"disable":{"type":"boolean"},"error_response":{"oneOf":[{"type":"string"},{"type":"object"}]},
       "priority":{"description":"priority of plugins by customized order","type":"integer"},
       "filter":{"description":"filter determines whether the plugin needs to be executed at runtime","type":"array"},
       "pre_function":{"description":"function to be executed in each phase before execution of plugins. The pre_function will have access to two arguments: `conf` and `ctx`.","type":"string"}},
       "additionalProperties":false}""";

  /**
   * {@code schema} as APISIX publishes a plugin's schema (apisix/plugin.lua injects it when it loads
   * a plugin): {@code $comment} set to its mark and {@code properties._meta} to the injected
   * {@code _meta} schema (priority, filter, disable, ...), which the route, service, plugin config
   * and global rule schemas enforce on every plugin here.
   */
  static JsonNode injected(JsonNode schema) {
    if (!(schema instanceof ObjectNode o) || !"object".equals(o.path("type").asText())) {
      return schema;
    }
    o.put("$comment", INJECTED_MARK);
    JsonNode props = o.get("properties");
    ObjectNode properties = props instanceof ObjectNode po ? po : o.putObject("properties");
    properties.set("_meta", parse(INJECTED_META));
    return o;
  }

  private static ObjectNode describe(PluginInfo p) {
    ObjectNode o = Json.object();
    o.put("name", p.name());
    o.put("priority", p.priority());
    o.put("version", p.version());
    if (p.type() != null) {
      o.put("type", p.type());
    }
    o.set("schema", injected(parse(p.schema())));
    putSchema(o, "consumer_schema", p.consumerSchema());
    putSchema(o, "metadata_schema", p.metadataSchema());
    return o;
  }

  private static void putSchema(ObjectNode o, String field, @Nullable String schema) {
    if (schema != null) {
      o.set(field, parse(schema));
    }
  }

  private static JsonNode parse(String schema) {
    return Json.parse(schema.getBytes(StandardCharsets.UTF_8));
  }
}
