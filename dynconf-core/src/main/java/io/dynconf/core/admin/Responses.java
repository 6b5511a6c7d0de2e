package io.dynconf.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.KeyValue;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The admin API's response shapes and message helpers (APISIX's bodies, headers and wording). */
final class Responses {
  private Responses() {}

  static ObjectNode item(ResourceType<?> type, KeyValue kv, boolean hideSecrets) {
    ObjectNode o = Json.object();
    o.put("key", kv.key());
    JsonNode value = Json.storedForResponse(kv.valueUnsafe());
    if (hideSecrets && type == StandardTypes.SSLS && value.isObject()) {
      ((ObjectNode) value).remove("key"); // APISIX never returns private keys
      ((ObjectNode) value).remove("keys");
    }
    if (type.nestedSegment() != null && value instanceof ObjectNode v && v.path(type.idField()).isTextual()) {
      // a nested object's id is the key's last segment, as APISIX stores a credential: a source
      // that holds APISIX's standalone format spells the whole id (jack/credentials/a), and clients
      // such as APISIX's Dashboard build the object's path from this id
      String id = v.get(type.idField()).textValue();
      v.put(type.idField(), id.substring(id.lastIndexOf('/') + 1));
    }
    o.set("value", value);
    o.put("createdIndex", kv.createRevision());
    o.put("modifiedIndex", kv.modRevision());
    return o;
  }

  /** Fields of a plugin configuration that are a credential (key-auth's key, basic-auth's password, jwt-auth's secret, ...). */
  private static final java.util.Set<String> CREDENTIAL_FIELDS = java.util.Set.of("key", "password", "secret", "private_key",
      "token", "client_secret", "access_key_id", "secret_access_key");
  static final String REDACTED = "******";

  /**
   * What a viewer (read-only key) sees: credentials masked — in consumers' and credentials'
   * plugin configurations, an upstream's TLS client key, and every field of a secret manager
   * but its id — so a read-only key cannot act as any consumer or reach the secret stores.
   */
  static void redactCredentials(ResourceType<?> type, ObjectNode item) {
    if (!(item.get("value") instanceof ObjectNode value)) {
      return;
    }
    switch (type.name()) {
      case "consumers", "credentials" -> {
        if (value.get("plugins") instanceof ObjectNode plugins) {
          plugins.fields().forEachRemaining(p -> {
            if (p.getValue() instanceof ObjectNode conf) {
              for (String f : CREDENTIAL_FIELDS) {
                if (conf.has(f)) {
                  conf.put(f, REDACTED);
                }
              }
            }
          });
        }
      }
      default -> { }
    }
    if (type.name().equals("secrets")) {
      java.util.List<String> names = new java.util.ArrayList<>();
      value.fieldNames().forEachRemaining(names::add);
      for (String f : names) {
        if (!f.equals("id") && !f.equals("create_time") && !f.equals("update_time")) {
          value.put(f, REDACTED);
        }
      }
    }
    if (value.get("tls") instanceof ObjectNode tls && tls.has("client_key")) {
      tls.put("client_key", REDACTED);
    }
  }

  static ObjectNode dryRun(ResourceKey key, ObjectNode value) {
    ObjectNode o = Json.object();
    o.put("dry_run", true);
    o.put("key", key.toKey());
    o.set("value", value);
    return o;
  }

  static ObjectNode deleted(String k) {
    ObjectNode o = Json.object();
    o.put("deleted", "1");
    o.put("key", k);
    return o;
  }

  static Problem notFound(ResourceType<?> type, String id) {
    return new Problem(404, kind(type) + " " + id + " not found", Map.of(), Map.of("message", "Key not found"));
  }

  static String wrongId(ResourceType<?> type, String bodyId, String pathId) {
    String what = type.idField().equals("id") ? kind(type) + " id" : type.idField();
    return "wrong " + what + ": the body says " + quote(bodyId) + ", the path " + quote(pathId);
  }

  static long modRevision(@Nullable KeyValue kv) {
    return kv == null ? 0 : kv.modRevision();
  }

  /** APISIX's name for a type in messages: {@code route}, {@code plugin config}, {@code ssl}. */
  static String kind(ResourceType<?> type) {
    String n = type.name();
    if (n.endsWith("s")) {
      n = n.substring(0, n.length() - 1);
    }
    return n.replace('_', ' ');
  }

  static AdminResponse json(int status, JsonNode body, @Nullable Long etag) {
    return json(status, body, etag, null);
  }

  /** A JSON answer; {@code written}: the source revision of a successful write ({@link AdminApi#REVISION_HEADER}). */
  static AdminResponse json(int status, JsonNode body, @Nullable Long etag, @Nullable Long written) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("X-API-VERSION", "v3");
    if (etag != null) {
      headers.put("ETag", "\"" + etag + "\"");
    }
    if (written != null) {
      headers.put(AdminApi.REVISION_HEADER, Long.toString(written));
    }
    return new AdminResponse(status, headers, Json.bytes(body));
  }

  static AdminResponse error(Problem p) {
    ObjectNode body = Json.object();
    body.put("error_msg", p.getMessage());
    p.extra.forEach(body::put);
    Map<String, String> headers = new LinkedHashMap<>(p.headers);
    headers.put("Content-Type", "application/json");
    headers.put("X-API-VERSION", "v3");
    return new AdminResponse(p.status, headers, Json.bytes(body));
  }

  static String quote(String s) {
    String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return io.dynconf.core.internal.Quote.quote(cut);
  }
}
