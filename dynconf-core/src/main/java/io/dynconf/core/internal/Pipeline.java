package io.dynconf.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.everit.json.schema.Schema;
import org.everit.json.schema.ValidationException;
import org.json.JSONArray;
import org.json.JSONObject;

/**
 * The validation pipeline every value goes through, the same on the data plane, in the admin API
 * and in the file source: parse → object → id matches the key → schema → decode → check → compile.
 * Stateless and thread-safe.
 */
public final class Pipeline {
  /** APISIX's JSON decoder (lua-cjson) accepts 1,000 levels of nesting. */
  public static final int DEFAULT_MAX_DEPTH = 1000;
  /** etcd's default request size limit ({@code --max-request-bytes}): 1.5 MiB. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1536 * 1024;

  private static final ObjectMapper JSON = mapper(DEFAULT_MAX_DEPTH);

  private Pipeline() {}

  /** A mapper that refuses trailing tokens and nesting deeper than {@code maxDepth}. */
  public static ObjectMapper mapper(int maxDepth) {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
        .build();
    return new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /**
   * Parses {@code json} within the default depth (no size limit here: callers such as the admin API
   * bound their input themselves); the value must be a JSON object.
   */
  public static ObjectNode parseObject(byte[] json) {
    return parseObject(json, JSON, DEFAULT_MAX_DEPTH, Integer.MAX_VALUE);
  }

  /**
   * Parses {@code json} with {@code mapper} (made by {@link #mapper(int)} with {@code maxDepth});
   * a value longer than {@code maxBytes} or nested deeper than {@code maxDepth} is refused with
   * that reason. The value must be a JSON object.
   */
  public static ObjectNode parseObject(byte[] json, ObjectMapper mapper, int maxDepth, int maxBytes) {
    if (json.length > maxBytes) {
      throw new InvalidConfigException("", "the value is " + json.length + " bytes, over the limit of " + maxBytes + " bytes");
    }
    JsonNode node;
    try {
      node = mapper.readTree(json);
    } catch (StreamConstraintsException e) {
      String what = e.getMessage() != null && e.getMessage().contains("nesting depth")
          ? "nested deeper than the limit of " + maxDepth + " levels"
          : "over a JSON limit: " + e.getOriginalMessage();
      throw new InvalidConfigException("", "not accepted: the JSON value is " + what);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new InvalidConfigException("", "not valid JSON: " + e.getOriginalMessage()
          + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr()));
    } catch (IOException e) {
      throw new InvalidConfigException("", "not valid JSON: " + e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      throw new InvalidConfigException("", "empty value, expected a JSON object");
    }
    if (!node.isObject()) {
      throw new InvalidConfigException("", "expected a JSON object, got " + node.getNodeType().toString().toLowerCase());
    }
    return (ObjectNode) node;
  }

  /** Runs the whole pipeline on the raw bytes of one key. */
  public static <T> ConfigItem<T> decode(ResourceType<T> type, ResourceKey key, byte[] json, long createRevision, long modRevision) {
    return decode(type, key, parseObject(json), createRevision, modRevision);
  }

  /** Runs the pipeline from an already parsed object (not modified). */
  public static <T> ConfigItem<T> decode(ResourceType<T> type, ResourceKey key, ObjectNode json, long createRevision, long modRevision) {
    checkId(type, key, json);
    Schema schema = type.schema();
    if (schema != null) {
      validate(schema, json);
    }
    T value;
    try {
      value = type.decoder().decode(key, json);
    } catch (InvalidConfigException e) {
      throw e;
    } catch (JsonMappingException e) {
      throw new InvalidConfigException(pointer(e.getPath()), e.getOriginalMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new InvalidConfigException("", "cannot decode as " + type.javaType().getSimpleName() + ": " + e.getMessage(), e);
    }
    if (value == null) {
      throw new InvalidConfigException("", "the decoder of " + type.name() + " returned nothing");
    }
    type.checker().check(value);
    Object compiled = null;
    if (type.compiler() != null) {
      try {
        compiled = type.compiler().apply(value);
      } catch (InvalidConfigException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new InvalidConfigException("", "cannot compile: " + e.getMessage(), e);
      }
    }
    return new ConfigItem<>(key, value, compiled, createRevision, modRevision);
  }

  private static void checkId(ResourceType<?> type, ResourceKey key, ObjectNode json) {
    JsonNode id = json.get(type.idField());
    if (id == null || id.isNull()) {
      return;
    }
    String text = id.isTextual() ? id.textValue() : id.isIntegralNumber() ? id.asText() : null;
    if (text == null) {
      throw new InvalidConfigException("/" + type.idField(), "must be a string or an integer, got " + id.getNodeType().toString().toLowerCase());
    }
    if (!text.equals(key.id()) && !(type.nestedSegment() != null && text.equals(type.shortId(key)))) {
      throw new InvalidConfigException("/" + type.idField(), "\"" + text + "\" differs from the id in the key (\"" + key.id() + "\")");
    }
  }

  private static final java.util.regex.Pattern JAVA_TYPE = java.util.regex.Pattern.compile(
      "\\b(JSONObject|JSONArray|String|Long|Integer|BigInteger|Double|Float|BigDecimal|Number|Boolean|Null)\\b");

  /**
   * everit's type violations name the Java classes it parsed into ("expected type: JSONObject,
   * found: Long"); a client wrote JSON, so it reads JSON's names ("expected type: object, found:
   * integer").
   */
  static String jsonTypeNames(String message) {
    return JAVA_TYPE.matcher(message).replaceAll(m -> switch (m.group(1)) {
      case "JSONObject" -> "object";
      case "JSONArray" -> "array";
      case "String" -> "string";
      case "Long", "Integer", "BigInteger" -> "integer";
      case "Boolean" -> "boolean";
      case "Null" -> "null";
      default -> "number";
    });
  }

  /** Validates against an everit schema; the first violation (deepest, first in order) is reported. */
  public static void validate(Schema schema, ObjectNode json) {
    try {
      schema.validate(toOrgJson(json));
    } catch (ValidationException e) {
      ValidationException leaf = firstLeaf(e);
      String pointer = leaf.getPointerToViolation();
      String field = pointer == null || pointer.equals("#") ? "" : pointer.startsWith("#") ? pointer.substring(1) : pointer;
      String message = "type".equals(leaf.getKeyword()) ? jsonTypeNames(leaf.getErrorMessage()) : leaf.getErrorMessage();
      int more = e.getViolationCount() - 1;
      throw new InvalidConfigException(field, message + (more > 0 ? " (and " + more + " more violation" + (more > 1 ? "s" : "") + ")" : ""));
    }
  }

  /**
   * The violation to report: the most specific one (deepest pointer), ties broken by pointer and
   * message text, so the same value always gets the same message (everit's order is not stable).
   */
  private static ValidationException firstLeaf(ValidationException e) {
    List<ValidationException> leaves = new java.util.ArrayList<>();
    collectLeaves(e, leaves);
    leaves.sort(java.util.Comparator
        .comparingInt((ValidationException v) -> -depth(v.getPointerToViolation()))
        .thenComparing(v -> String.valueOf(v.getPointerToViolation()))
        .thenComparing(ValidationException::getErrorMessage));
    return leaves.get(0);
  }

  private static void collectLeaves(ValidationException e, List<ValidationException> out) {
    if (e.getCausingExceptions().isEmpty()) {
      out.add(e);
      return;
    }
    for (ValidationException cause : e.getCausingExceptions()) {
      collectLeaves(cause, out);
    }
  }

  private static int depth(String pointer) {
    int n = 0;
    for (int i = 0; pointer != null && i < pointer.length(); i++) {
      if (pointer.charAt(i) == '/') {
        n++;
      }
    }
    return n;
  }

  /** Converts a Jackson tree to org.json for everit; whole-number decimals (80.0) become integers, as APISIX reads them. */
  static Object toOrgJson(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT: {
        JSONObject o = new JSONObject();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> f = fields.next();
          o.put(f.getKey(), toOrgJson(f.getValue()));
        }
        return o;
      }
      case ARRAY: {
        JSONArray a = new JSONArray();
        for (JsonNode e : node) {
          a.put(toOrgJson(e));
        }
        return a;
      }
      case STRING:
        return node.textValue();
      case BOOLEAN:
        return node.booleanValue();
      case NUMBER:
        if (node.isIntegralNumber()) {
          return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        BigDecimal d = node.decimalValue();
        if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) {
          try {
            return d.longValueExact();
          } catch (ArithmeticException tooBig) {
            return d;
          }
        }
        return node.doubleValue();
      case NULL:
      default:
        return JSONObject.NULL;
    }
  }

  private static String pointer(List<JsonMappingException.Reference> path) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      sb.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
    }
    return sb.toString();
  }
}
