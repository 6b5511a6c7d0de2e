package io.dynconf.core.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON for the admin API. Numbers are read as exact decimals and written back as read, so a
 * value is stored as the client sent it ({@code 80.0} stays {@code 80.0}, {@code 1e400} does not
 * become {@code Infinity}); duplicate names and trailing tokens are errors.
 */
final class Json {
  /** The deepest nesting accepted in a request body (configuration is shallow; this keeps every recursion short). */
  static final int MAX_DEPTH = 128;

  static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // APISIX's decoder (cjson) takes raw control characters inside strings (a proto's multi-line
      // content); they are stored escaped, so what the data plane reads is strict JSON
      .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .build();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses a request body; a problem names the position. */
  static JsonNode parse(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw Problem.badRequest("invalid request body: empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
      // Jackson's limits name its own API ("from `StreamReadConstraints.getMaxNestingDepth()`"): not the client's business
      String why = e.getOriginalMessage().replaceAll(",? from `[^`]*`", "");
      throw Problem.badRequest("invalid request body: " + why + where);
    } catch (IOException e) {
      throw Problem.badRequest("invalid request body: " + e.getMessage());
    }
  }

  /** Parses a stored value, or null when it is not a JSON object. */
  static @Nullable ObjectNode parseStored(byte[] value) {
    try {
      JsonNode node = MAPPER.readTree(value);
      return node != null && node.isObject() ? (ObjectNode) node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** A stored value for a response: the JSON, or its text when it is not JSON. */
  static JsonNode storedForResponse(byte[] value) {
    try {
      JsonNode node = MAPPER.readTree(value);
      if (node != null && !node.isMissingNode()) {
        return node;
      }
    } catch (IOException ignored) {
      // fall through: not JSON
    }
    return MAPPER.getNodeFactory().textNode(new String(value, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Jackson's defaults (floats as doubles, so an out-of-range number reads as an infinity); thread-safe, made once. */
  private static final ObjectMapper PLAIN = new ObjectMapper();

  /** The JSON pointer of the first number a double cannot hold (the data plane reads doubles), or null. */
  static @Nullable String firstNonFiniteNumber(byte[] json) {
    try {
      return nonFinite(PLAIN.readTree(json), "");
    } catch (IOException e) {
      return null; // the pipeline reports it
    }
  }

  private static @Nullable String nonFinite(JsonNode node, String pointer) {
    if (node.isNumber()) {
      return Double.isFinite(node.doubleValue()) ? null : pointer;
    }
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String found = nonFinite(f.getValue(), pointer + "/" + f.getKey().replace("~", "~0").replace("/", "~1"));
        if (found != null) {
          return found;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String found = nonFinite(node.get(i), pointer + "/" + i);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** RFC 7386 JSON merge patch: objects merge, {@code null} removes, anything else replaces. */
  static JsonNode mergePatch(@Nullable JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : object();
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (f.getValue().isNull()) {
        result.remove(f.getKey());
      } else {
        result.set(f.getKey(), mergePatch(result.get(f.getKey()), f.getValue()));
      }
    }
    return result;
  }

  /**
   * Replaces the field at {@code segments} (for example {@code [upstream, nodes]}) with {@code
   * value}, creating missing intermediate objects as APISIX does; a JSON {@code null} removes it.
   */
  static void setAt(ObjectNode root, List<String> segments, JsonNode value) {
    ObjectNode current = root;
    List<String> walked = new ArrayList<>();
    for (int i = 0; i < segments.size() - 1; i++) {
      String name = segments.get(i);
      walked.add(name);
      JsonNode child = current.get(name);
      if (child == null || child.isNull()) {
        child = current.putObject(name);
      } else if (!child.isObject()) {
        throw Problem.badRequest("invalid sub-path: /" + String.join("/", walked) + " is not an object");
      }
      current = (ObjectNode) child;
    }
    String last = segments.get(segments.size() - 1);
    if (value.isNull()) {
      current.remove(last);
    } else {
      current.set(last, value.deepCopy());
    }
  }

  static String type(JsonNode node) {
    return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }

  static @Nullable String idText(@Nullable JsonNode id) {
    if (id == null || id.isNull()) {
      return null;
    }
    if (id.isTextual()) {
      return id.textValue();
    }
    if (id.isIntegralNumber()) {
      return id.asText();
    }
    return id.toString();
  }
}
