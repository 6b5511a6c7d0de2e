package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.json;
import static io.dynconf.core.admin.Responses.kind;
import static io.dynconf.core.admin.Responses.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.Reference;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Validation without a write, by the same pipeline a write goes through (schema, decoder, checker,
 * compile; plugin configurations by the host's catalog):
 *
 * <ul>
 *   <li>{@code POST <pathPrefix>/schema/validate/<type>} (APISIX 3.x): the body is one object of
 *       the type ({@code routes} or APISIX's singular {@code route}). 200 {@code {"valid":true}};
 *       400 with {@code error_msg} naming the field and the reason. Its references are not looked
 *       up (the object is not stored).
 *   <li>{@code POST <pathPrefix>/configs/validate} (APISIX standalone mode): the body is a whole
 *       standalone configuration, {@code {"routes":[...], "upstreams":[...], ...}} ({@code
 *       <type>_conf_version} fields are ignored). Every object is checked, and every reference
 *       must name an object of the same body. 200 {@code {"message":"Configuration is valid",
 *       "valid":true}}; 400 {@code {"error_msg":"Configuration validation failed","valid":false,
 *       "errors":[{"resource_type":..,"resource_id":..,"index":..,"error":..}, ...]}} listing
 *       every problem (at most 100; a duplicate is "found duplicate id r1 in routes", as APISIX).
 *       An object without an id is checked too (it cannot be referenced).
 * </ul>
 */
final class Validations {
  private static final int MAX_ERRORS = 100;
  private final AdminContext c;

  Validations(AdminContext c) {
    this.c = c;
  }

  AdminResponse schema(String typeName, AdminRequest request) {
    ResourceType<?> type = c.typeNamed(typeName);
    if (type == null) {
      type = c.typeNamed(typeName + "s");
    }
    if (type == null) {
      throw new Problem(404, "not found schema: " + typeName);
    }
    ObjectNode body = c.bodyObject(request, type);
    c.validate(type, placeholderKey(type, body), Json.bytes(body), "");
    ObjectNode out = Json.object();
    out.put("valid", true);
    return json(200, out, null);
  }

  AdminResponse configs(AdminRequest request) {
    if (request.bodyLength() == 0) {
      throw Problem.badRequest("invalid request body: empty request body");
    }
    JsonNode body = Json.parse(request.bodyUnsafe());
    if (!body.isObject()) {
      throw Problem.badRequest("invalid request body: a standalone configuration is a JSON object, got " + Json.type(body));
    }
    ArrayNode errors = Json.MAPPER.createArrayNode();
    Set<String> present = new HashSet<>();
    List<Object[]> checked = new ArrayList<>(); // {type, index, item}
    Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String name = f.getKey();
      if (name.endsWith("_conf_version")) {
        continue;
      }
      ResourceType<?> listType = name.indexOf('/') < 0 ? c.typesByPath.get(name) : null;
      if (listType == null) {
        error(errors, name, null, null, "unknown resource type " + quote(name));
        continue;
      }
      if (!f.getValue().isArray()) {
        error(errors, name, null, null, name + " must be an array, got " + Json.type(f.getValue()));
        continue;
      }
      for (int i = 0; i < f.getValue().size(); i++) {
        JsonNode item = f.getValue().get(i);
        if (!item.isObject()) {
          error(errors, name, i, null, "must be a JSON object, got " + Json.type(item));
          continue;
        }
        ResourceType<?> type = listType;
        JsonNode ownId = item.get(listType.idField());
        if ((ownId == null || ownId.isNull() || listType.idField().equals("id")) && item.path("id").isTextual()) {
          // APISIX's standalone format lists a consumer's credentials among the consumers: id <username>/credentials/<id>
          ResourceType<?> nested = c.typesByPath.get(ResourceType.routeOfId(listType.path(), item.path("id").textValue()));
          if (nested != null && nested.nestedSegment() != null) {
            type = nested;
          }
        }
        String id = Json.idText(item.get(type.idField()));
        String resourceId = id != null ? id : Json.idText(item.get("id"));
        if (resourceId == null) {
          resourceId = "";
        }
        if (id == null) {
          // APISIX validates an object without an id too; it just cannot be referenced or collide
          try {
            c.validate(type, placeholderKey(type, (ObjectNode) item), Json.bytes(item), "");
          } catch (Problem p) {
            error(errors, name, i, resourceId, String.valueOf(p.getMessage()));
          }
          continue;
        }
        try {
          ResourceKey key = c.key(type, id);
          if (!present.add(key.toKey())) {
            error(errors, name, i, resourceId, "found duplicate " + duplicateWhat(listType, type) + " " + id + " in " + name);
            continue;
          }
          checked.add(new Object[] {type, i, c.validate(type, key, Json.bytes(item), ""), resourceId});
        } catch (Problem p) {
          error(errors, name, i, resourceId, String.valueOf(p.getMessage()));
        }
      }
    }
    for (Object[] e : checked) {
      ResourceType<?> type = (ResourceType<?>) e[0];
      ConfigItem<?> item = (ConfigItem<?>) e[2];
      for (Reference ref : ReferenceGuard.referencesOf(type, item.value())) {
        ResourceType<?> target = c.typesByName.get(ref.type());
        if (target == null) {
          continue;
        }
        ResourceKey tk = c.tryKey(target, ref.id());
        if (tk == null || !present.contains(tk.toKey())) {
          error(errors, type.path(), (Integer) e[1], (String) e[3], "/" + ref.field().replace('.', '/') + ": " + kind(target) + " " + quote(ref.id())
              + " is not in this configuration");
        }
      }
    }
    ObjectNode out = Json.object();
    if (errors.isEmpty()) {
      out.put("message", "Configuration is valid");
      out.put("valid", true);
      return json(200, out, null);
    }
    out.put("error_msg", "Configuration validation failed");
    out.put("valid", false);
    out.set("errors", errors);
    return json(400, out, null);
  }

  /** APISIX's word for the identifier of a duplicate: {@code id}, {@code username}, {@code credential id}. */
  private static String duplicateWhat(ResourceType<?> listType, ResourceType<?> type) {
    if (type != listType) {
      return "credential id";
    }
    return type.idField().equals("id") ? "id" : type.idField();
  }

  private static void error(ArrayNode errors, String type, @Nullable Integer index, @Nullable String resourceId, String message) {
    if (errors.size() >= MAX_ERRORS) {
      return;
    }
    ObjectNode o = errors.addObject();
    o.put("resource_type", type);
    if (resourceId != null) {
      o.put("resource_id", resourceId); // the object's id (a consumer's username), "" when it has none
    }
    if (index != null) {
      o.put("index", index);
    }
    o.put("error", message);
  }

  /** The key the object would be stored under: its own id when it has one, else a placeholder. */
  private ResourceKey placeholderKey(ResourceType<?> type, ObjectNode body) {
    String id = Json.idText(body.get(type.idField()));
    if (id == null) {
      id = type.idSegments() == 2 ? "vault/1" : "1";
    }
    return c.key(type, id);
  }
}
