package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.apisix.StandardTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The published JSON Schemas of the built-in plugins, bundled as {@code schema/<name>.json} next to this class. */
final class Schemas {
  private Schemas() {}

  /** The schema text of plugin {@code name}; fails at once when it is not bundled (a build error, not a runtime condition). */
  static String load(String name) {
    try (InputStream in = Schemas.class.getResourceAsStream("schema/" + name + ".json")) {
      if (in == null) {
        throw new IllegalStateException("no bundled schema for plugin " + name + " (schema/" + name + ".json)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled schema of plugin " + name, e);
    }
  }

  /**
   * {@code schema} (traffic-split's) with the bundled upstream schema of the admin API as
   * {@code rules[].weighted_upstreams[].upstream}, its definitions moved to the root (so its
   * {@code $ref}s resolve), and nodes required and not empty (no service discovery there, as in APISIX).
   */
  static String withUpstream(String schema) {
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = StandardTypes.class.getResourceAsStream("schema/upstreams.json")) {
      if (in == null) {
        throw new IllegalStateException("no bundled upstream schema (io/dynconf/core/apisix/schema/upstreams.json)");
      }
      ObjectNode upstream = (ObjectNode) json.readTree(in);
      ObjectNode root = (ObjectNode) json.readTree(schema);
      JsonNode definitions = upstream.remove("definitions");
      upstream.remove("$schema");
      if (definitions != null) {
        root.set("definitions", definitions);
      }
      ObjectNode nonEmptyNodes = json.createObjectNode();
      nonEmptyNodes.putArray("required").add("nodes");
      nonEmptyNodes.putObject("properties").putObject("nodes").putArray("anyOf")
          .add(json.createObjectNode().put("type", "object").put("minProperties", 1))
          .add(json.createObjectNode().put("type", "array").put("minItems", 1));
      ObjectNode slot = (ObjectNode) root.at("/properties/rules/items/properties/weighted_upstreams/items/properties");
      ObjectNode inline = json.createObjectNode();
      inline.putArray("allOf").add(upstream).add(nonEmptyNodes);
      slot.set("upstream", inline);
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the schema of traffic-split", e);
    }
  }
}
