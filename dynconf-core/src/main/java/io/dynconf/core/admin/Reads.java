package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.everit.json.schema.Schema;
import org.jspecify.annotations.Nullable;
/** GET of one object, of a listing (paging and filters) and of a schema. */
final class Reads {
  private final AdminContext c;
  private final ConfigSource source;
  private final String prefix;
  private final String pathPrefix;
  private final Map<String, ResourceType<?>> typesByPath;

  Reads(AdminContext c) {
    this.c = c;
    this.source = c.source;
    this.prefix = c.prefix;
    this.pathPrefix = c.pathPrefix;
    this.typesByPath = c.typesByPath;
  }

  AdminResponse getOne(Calls calls, ResourceType<?> type, String id, boolean viewer) {
    ResourceKey key = c.key(type, id);
    KeyValue kv = calls.call("get " + key.toKey(), false, () -> source.get(key.toKey()));
    if (kv == null) {
      throw notFound(type, id);
    }
    ObjectNode item = item(type, kv, true);
    c.fillTimes(type, item);
    if (viewer) {
      Responses.redactCredentials(type, item);
    }
    return json(200, item, kv.modRevision());
  }

  AdminResponse list(Calls calls, ResourceType<?> type, AdminRequest request, boolean viewer) {
    return list(calls, type, request, viewer, null);
  }

  /** The objects of {@code type}, only those whose key starts with {@code within} when given (one consumer's credentials). */
  AdminResponse list(Calls calls, ResourceType<?> type, AdminRequest request, boolean viewer, @Nullable String within) {
    Map<String, String> q = request.query();
    Integer page = integer(q, "page");
    Integer pageSize = integer(q, "page_size");
    Pattern name = regex(q, "name");
    Pattern uri = regex(q, "uri");
    String label = q.get("label");
    Map<String, String> filter = filter(q.get("filter"));
    Listing listing = calls.call("list " + prefix, false, source::list);
    List<KeyValue> matching = new ArrayList<>();
    for (KeyValue kv : listing.kvs()) {
      if ((within == null || kv.key().startsWith(within)) && c.belongs(type, kv.key()) && matches(kv, name, uri, label, filter)) {
        matching.add(kv);
      }
    }
    int total = matching.size();
    if (page != null && pageSize != null) {
      if (pageSize < 10 || pageSize > 500) {
        throw Problem.badRequest("page_size must be between 10 and 500");
      }
      int p = Math.max(page, 1);
      matching.sort(Comparator.comparingLong(KeyValue::createRevision));
      long from = (long) (p - 1) * pageSize;
      matching = from >= matching.size() ? List.of() : matching.subList((int) from, (int) Math.min(matching.size(), from + pageSize));
    }
    ObjectNode body = Json.object();
    body.put("total", total);
    ArrayNode items = body.putArray("list");
    for (KeyValue kv : matching) {
      ObjectNode item = item(type, kv, true);
      c.fillTimes(type, item);
      if (viewer) {
        Responses.redactCredentials(type, item);
      }
      items.add(item);
    }
    return json(200, body, null);
  }

  private static @Nullable Integer integer(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null) {
      return null;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw Problem.badRequest("invalid argument " + name + ": should be an integer, was " + quote(v));
    }
  }

  private static @Nullable Pattern regex(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null) {
      return null;
    }
    try {
      return Pattern.compile(v);
    } catch (PatternSyntaxException e) {
      throw Problem.badRequest("invalid argument " + name + ": not a regular expression: " + e.getDescription());
    }
  }

  /**
   * APISIX's {@code filter} argument: {@code k=v} pairs joined by {@code &} (so URL-encoded once
   * more inside the query: {@code filter=service_id%3D1}); an object is listed when each named
   * top-level field equals the value (a string, or an integer spelled the same).
   */
  private static Map<String, String> filter(@Nullable String v) {
    if (v == null || v.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String pair : v.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw Problem.badRequest("invalid argument filter: expected field=value pairs joined by &, such as service_id=1, was " + quote(v));
      }
      out.put(java.net.URLDecoder.decode(pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
    }
    return out;
  }

  private static boolean matches(KeyValue kv, @Nullable Pattern name, @Nullable Pattern uri, @Nullable String label, Map<String, String> filter) {
    if (name == null && uri == null && label == null && filter.isEmpty()) {
      return true;
    }
    ObjectNode v = Json.parseStored(kv.valueUnsafe());
    if (v == null) {
      return false;
    }
    for (Map.Entry<String, String> f : filter.entrySet()) {
      JsonNode field = v.get(f.getKey());
      if (field == null || !(field.isTextual() || field.isIntegralNumber()) || !f.getValue().equals(Json.idText(field))) {
        return false;
      }
    }
    if (name != null && !(v.path("name").isTextual() && name.matcher(v.path("name").textValue()).find())) {
      return false;
    }
    if (label != null && !(v.path("labels").isObject() && v.path("labels").has(label))) {
      return false;
    }
    if (uri != null) {
      boolean found = v.path("uri").isTextual() && uri.matcher(v.path("uri").textValue()).find();
      for (JsonNode u : v.path("uris")) {
        found |= u.isTextual() && uri.matcher(u.textValue()).find();
      }
      return found;
    }
    return true;
  }

  AdminResponse schema(String method, List<String> segments) {
    if (!method.equals("GET")) { // APISIX answers 404 to a method a resource does not serve
      throw new Problem(404, "not found: the schema is read with GET (and POST " + pathPrefix + "/schema/validate/<type> validates an object)");
    }
    if (segments.size() != 2) {
      throw new Problem(404, "not found: use " + pathPrefix + "/schema/<type>, for example " + pathPrefix + "/schema/routes");
    }
    String name = segments.get(1);
    ResourceType<?> type = c.typeNamed(name);
    if (type == null) {
      type = c.typeNamed(name + "s"); // APISIX's singular names: route, upstream, ssl, ...
    }
    if (type == null) {
      throw Problem.badRequest("not found schema: " + name); // APISIX answers 400
    }
    JsonNode schema = null;
    if (StandardTypes.all().contains(type)) {
      try (InputStream in = StandardTypes.class.getResourceAsStream("schema/" + type.name() + ".json")) {
        if (in != null) {
          schema = Json.MAPPER.readTree(in);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the bundled schema of " + type.name(), e);
      }
    }
    if (schema == null) {
      Schema s = type.schema();
      schema = s == null ? Json.object() : Json.parse(s.toString().getBytes(StandardCharsets.UTF_8));
    }
    return json(200, inlineRefs(schema), null);
  }

  /**
   * {@code schema} with every local {@code $ref} ({@code #/definitions/<name>}) replaced by the
   * definition it names, and the {@code definitions} dropped, as APISIX's {@code /schema} answers
   * (its Lua schemas share tables, so they serialise inline): a client such as its Dashboard reads
   * each property's rules in place. A recursive definition stays a {@code $ref} (and {@code
   * definitions} stays) past {@link #MAX_INLINE_DEPTH} levels.
   */
  static JsonNode inlineRefs(JsonNode schema) {
    JsonNode defs = schema.path("definitions");
    if (!defs.isObject()) {
      return schema;
    }
    boolean[] leftRefs = {false};
    JsonNode out = inline(schema, defs, 0, leftRefs);
    if (out instanceof ObjectNode o && !leftRefs[0]) {
      o.remove("definitions");
    }
    return out;
  }

  static final int MAX_INLINE_DEPTH = 32;

  private static JsonNode inline(JsonNode node, JsonNode defs, int depth, boolean[] leftRefs) {
    if (node.isArray()) {
      com.fasterxml.jackson.databind.node.ArrayNode a = Json.MAPPER.createArrayNode();
      node.forEach(e -> a.add(inline(e, defs, depth, leftRefs)));
      return a;
    }
    if (!node.isObject()) {
      return node;
    }
    JsonNode ref = node.get("$ref");
    if (ref != null && ref.isTextual() && ref.textValue().startsWith("#/definitions/")) {
      JsonNode target = defs.get(ref.textValue().substring("#/definitions/".length()));
      if (target != null && depth < MAX_INLINE_DEPTH) {
        ObjectNode merged = Json.object();
        JsonNode inlined = inline(target, defs, depth + 1, leftRefs);
        inlined.properties().forEach(e -> merged.set(e.getKey(), e.getValue()));
        node.properties().forEach(e -> {
          if (!e.getKey().equals("$ref") && !merged.has(e.getKey())) {
            merged.set(e.getKey(), inline(e.getValue(), defs, depth, leftRefs));
          }
        });
        return merged;
      }
      leftRefs[0] = true;
    }
    ObjectNode o = Json.object();
    node.properties().forEach(e -> o.set(e.getKey(), e.getKey().equals("definitions") && depth == 0 ? e.getValue()
        : inline(e.getValue(), defs, depth, leftRefs)));
    return o;
  }
}
