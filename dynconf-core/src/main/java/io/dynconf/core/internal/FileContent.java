package io.dynconf.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.spi.Txn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The content of an APISIX standalone file ({@code apisix.yaml} or {@code apisix.json}) as keys
 * and values: parsed and validated as a whole, edited by transactions, rendered back. Immutable.
 *
 * <p>The form: a top-level mapping from a type's key segment ({@code routes}, {@code
 * plugin_metadata}, ...) to a list of objects, each carrying its id in the type's {@link
 * ResourceType#idField() id field}; a trailing {@code #END} line is ignored. Each item becomes key
 * {@code <prefix>/<path>/<id>} with the item's compact JSON as its value. Items keep the file's
 * order when rendered; new items go to the end of their type's list.
 */
public final class FileContent {
  /** The file's syntax. */
  public enum Format {
    YAML,
    JSON;

    /** By extension: {@code .json} is JSON; {@code .yaml} and {@code .yml} are YAML. */
    public static Format of(String fileName) {
      String lower = fileName.toLowerCase(java.util.Locale.ROOT);
      if (lower.endsWith(".json")) {
        return JSON;
      }
      if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
        return YAML;
      }
      throw new IllegalArgumentException("file " + fileName + ": expected a .yaml, .yml or .json extension");
    }
  }

  /** The whole file was rejected; the message names the file, the item, the field and the reason. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  /**
   * One item: its type, its JSON, its stored bytes, and (rendered once, on first need) its YAML
   * block as it appears in the file ({@code - id: ...} lines), so that a write re-renders only the
   * items it changed and the file is assembled from cached blocks.
   */
  public record Entry(ResourceType<?> type, ObjectNode item, byte[] value, byte[][] yamlBlock) {
    public Entry(ResourceType<?> type, ObjectNode item, byte[] value) {
      this(type, item, value, new byte[1][]);
    }

    /** The item's block as UTF-8 bytes (the encoding of the whole file is the blocks' encodings end to end). */
    byte[] yaml() {
      byte[] y = yamlBlock[0];
      if (y == null) {
        try {
          y = YAML_WRITER.writeValueAsString(COMPACT.createArrayNode().add(item)).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        yamlBlock[0] = y; // a benign race: every thread computes the same text
      }
      return y;
    }
  }

  private static final ObjectMapper COMPACT = new ObjectMapper();
  private static final ObjectMapper JSON_READER = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(
          Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("").withArrayEmptySeparator(""))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n"));
  private static final ObjectMapper YAML_READER;
  private static final ObjectMapper YAML_WRITER;
  private static final byte[] END = "#END\n".getBytes(StandardCharsets.UTF_8);
  private static final Pattern END_MARKER = Pattern.compile("(?m)^#END[ \\t]*(\\r?\\n)?\\s*\\z");

  static {
    LoaderOptions loader = new LoaderOptions();
    loader.setCodePointLimit(64 * 1024 * 1024);
    YAMLFactory factory = YAMLFactory.builder()
        .loaderOptions(loader)
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER) // strings stay quoted: MINIMIZE_QUOTES does not round-trip "0x10"
        .build();
    YAML_READER = new ObjectMapper(factory)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS); // a second document is an error, not ignored
    YAML_WRITER = new ObjectMapper(factory);
  }

  /** Whether {@code bytes} end with APISIX's {@code #END} line (then trailing whitespace only). */
  public static boolean hasEndMarker(byte[] bytes) {
    int from = Math.max(0, bytes.length - 64);
    var m = END_MARKER.matcher(new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1));
    return m.find() && (from == 0 || m.start() > 0); // "^" at the window's start is no line start
  }

  private final String prefix;
  private final Map<String, ResourceType<?>> types;
  private final LinkedHashMap<String, Entry> entries;

  private FileContent(String prefix, Map<String, ResourceType<?>> types, LinkedHashMap<String, Entry> entries) {
    this.prefix = prefix;
    this.types = types;
    this.entries = entries;
  }

  /** No items. */
  public static FileContent empty(String prefix, Map<String, ResourceType<?>> typesByPath) {
    return new FileContent(prefix, typesByPath, new LinkedHashMap<>());
  }

  /**
   * Parses and validates a whole file: syntax, known top-level keys, lists of objects, ids
   * (present, valid, unique) and {@link Pipeline#decode} of every item.
   *
   * @param typesByPath the known types by {@link ResourceType#path()}
   * @throws Invalid with a message such as {@code apisix.yaml: routes[2] (id "r3"): /methods/0: GETX
   *     is not a valid enum value}
   */
  public static FileContent parse(String fileName, Format format, byte[] bytes, String prefix, Map<String, ResourceType<?>> typesByPath)
      throws Invalid {
    String text = END_MARKER.matcher(new String(bytes, StandardCharsets.UTF_8)).replaceFirst("");
    JsonNode root;
    try {
      root = (format == Format.YAML ? YAML_READER : JSON_READER).readTree(text);
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      throw new Invalid(fileName + ": not valid " + format + ": " + e.getOriginalMessage()
          + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr()));
    } catch (RuntimeException e) {
      throw new Invalid(fileName + ": not valid " + format + ": " + e.getMessage());
    }
    LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new FileContent(prefix, typesByPath, entries);
    }
    if (!root.isObject()) {
      throw new Invalid(fileName + ": expected a mapping of resource lists at the top level, got " + kind(root));
    }
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      ResourceType<?> listType = field.getKey().indexOf('/') < 0 ? typesByPath.get(field.getKey()) : null;
      if (listType == null) {
        throw new Invalid(fileName + ": unknown top-level key " + quote(field.getKey()) + " (known: "
            + String.join(", ", typesByPath.keySet().stream().filter(k -> k.indexOf('/') < 0).toList()) + ")");
      }
      JsonNode list = field.getValue();
      if (list.isNull()) {
        continue;
      }
      if (!list.isArray()) {
        throw new Invalid(fileName + ": " + field.getKey() + ": expected a list, got " + kind(list));
      }
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < list.size(); i++) {
        String where = fileName + ": " + field.getKey() + "[" + i + "]";
        JsonNode node = list.get(i);
        if (!node.isObject()) {
          throw new Invalid(where + ": expected an object, got " + kind(node));
        }
        ObjectNode item = (ObjectNode) node;
        ResourceType<?> type = nestedTypeOf(typesByPath, listType, item);
        String idPointer = "/" + type.idField();
        JsonNode idNode = item.get(type.idField());
        if (idNode == null || idNode.isNull()) {
          throw new Invalid(where + ": " + idPointer + ": missing; every item needs its " + quote(type.idField()));
        }
        if (!idNode.isTextual() && !idNode.isIntegralNumber()) {
          throw new Invalid(where + ": " + idPointer + ": must be a string or an integer, got " + kind(idNode));
        }
        String id = idNode.asText();
        where += " (id " + quote(id) + ")";
        ResourceKey key;
        try {
          key = key(prefix, type, id);
        } catch (IllegalArgumentException e) {
          throw new Invalid(where + ": " + idPointer + ": " + e.getMessage());
        }
        Integer before = seen.putIfAbsent(id, i);
        if (before != null) {
          throw new Invalid(where + ": " + idPointer + ": duplicate id, also at " + field.getKey() + "[" + before + "]");
        }
        try {
          Pipeline.decode(type, key, item, 1, 1);
        } catch (InvalidConfigException e) {
          throw new Invalid(where + ": " + e.getMessage());
        } catch (RuntimeException e) {
          throw new Invalid(where + ": " + e);
        }
        entries.put(key.toKey(), new Entry(type, item, compact(item)));
      }
    }
    return new FileContent(prefix, typesByPath, entries);
  }

  /**
   * The type of an item of the list of {@code listType}: a type nested under it when the item
   * lacks the list type's id field and its {@code id} routes there (APISIX's standalone file lists
   * a consumer's credentials among the consumers, as {@code id: jack/credentials/a}).
   */
  private static ResourceType<?> nestedTypeOf(Map<String, ResourceType<?>> typesByPath, ResourceType<?> listType, ObjectNode item) {
    JsonNode own = item.get(listType.idField());
    JsonNode id = item.get("id");
    if ((own == null || own.isNull() || listType.idField().equals("id")) && id != null && id.isTextual()) {
      String route = ResourceType.routeOfId(listType.path(), id.textValue());
      ResourceType<?> nested = typesByPath.get(route);
      if (nested != null && nested.nestedSegment() != null) {
        return nested;
      }
    }
    return listType;
  }

  /** The key of {@code id} of {@code type}; throws {@link IllegalArgumentException} naming the problem. */
  private static ResourceKey key(String prefix, ResourceType<?> type, String id) {
    int segments = id.split("/", -1).length;
    if (segments > type.idSegments()) {
      throw new IllegalArgumentException("id " + quote(id) + " has " + segments + " segments; " + type.name() + " allows " + type.idSegments());
    }
    return ResourceKey.of(prefix, type.path(), id);
  }

  /**
   * The entry a put of {@code value} at {@code key} would store: {@code value} must be a JSON
   * object; the id field is inserted first when absent and must equal the key's id when present;
   * the stored value is the object's compact JSON.
   *
   * @throws IllegalArgumentException when the key is outside the prefix, of no known type or has
   *     an invalid id, or when the value is not a JSON object or names another id
   */
  public Entry prepare(String key, byte[] value) {
    ResourceType<?> type = typeOf(key);
    ObjectNode item;
    try {
      item = Pipeline.parseObject(value);
    } catch (InvalidConfigException e) {
      throw new IllegalArgumentException("value of " + key + ": " + e.getMessage(), e);
    }
    String id = key.substring(prefix.length() + type.path().length() + 2);
    JsonNode idNode = item.get(type.idField());
    if (idNode == null || idNode.isNull()) {
      ObjectNode withId = COMPACT.createObjectNode();
      withId.set(type.idField(), TextNode.valueOf(id));
      for (Map.Entry<String, JsonNode> f : item.properties()) {
        if (!f.getKey().equals(type.idField())) {
          withId.set(f.getKey(), f.getValue());
        }
      }
      item = withId;
    } else if (!(idNode.isTextual() || idNode.isIntegralNumber())
        || !(idNode.asText().equals(id) || (type.nestedSegment() != null && idNode.asText().equals(id.substring(id.lastIndexOf('/') + 1))))) {
      throw new IllegalArgumentException("value of " + key + ": /" + type.idField() + ": " + idNode + " differs from the id in the key (" + quote(id) + ")");
    } else if (type.nestedSegment() != null && !idNode.asText().equals(id)) {
      item.put(type.idField(), id); // the file spells a nested object's whole id (APISIX's standalone format)
    }
    return new Entry(type, item, compact(item));
  }

  /** Checks that {@code key} may be written: under the prefix, of a known type, with a valid id. */
  public ResourceType<?> typeOf(String key) {
    if (!key.startsWith(prefix + "/")) {
      throw new IllegalArgumentException("key " + quote(key) + " is outside the prefix " + quote(prefix));
    }
    String rest = key.substring(prefix.length() + 1);
    int slash = rest.indexOf('/');
    String route = ResourceType.routeOf(prefix, key);
    ResourceType<?> type = route == null ? null : types.get(route);
    if (type == null) {
      throw new IllegalArgumentException("key " + quote(key) + " is not under a known type (" + String.join(", ", types.keySet()) + ")");
    }
    key(prefix, type, rest.substring(slash + 1));
    return type;
  }

  /** The items by key, in file order (read-only). */
  public Map<String, Entry> entries() {
    return java.util.Collections.unmodifiableMap(entries);
  }

  /**
   * A change of a content by a transaction, made in place: {@link #next()} is the content after
   * it, sharing (and having changed) the map of the content it was made from, which must not be
   * used again unless the edit is {@link #rollback() rolled back} (then it is as it was, order
   * included). The caller serialises edits (the file source's lock).
   */
  public static final class Edit {
    private final FileContent from;
    private final FileContent next;
    private final List<Map.Entry<String, @Nullable Entry>> undo;

    private Edit(FileContent from, FileContent next, List<Map.Entry<String, @Nullable Entry>> undo) {
      this.from = from;
      this.next = next;
      this.undo = undo;
    }

    /** The content after the transaction; the original content when nothing changed. */
    public FileContent next() {
      return next;
    }

    public boolean changed() {
      return next != from;
    }

    /** Restores the original content (keys, values and order). */
    public void rollback() {
      if (next.entries != from.entries) {
        return; // a copy was made: the original is untouched
      }
      for (int i = undo.size() - 1; i >= 0; i--) {
        Map.Entry<String, @Nullable Entry> u = undo.get(i);
        if (u.getValue() == null) {
          from.entries.remove(u.getKey());
        } else {
          from.entries.put(u.getKey(), u.getValue()); // an existing key keeps its place
        }
      }
    }
  }

  /**
   * Applies {@code ops}, whose puts were {@link #prepare prepared}, in place when they are all puts
   * (no copy of the whole map per write: each put either replaces a value, keeping its place, or
   * appends, and both are undone exactly); a transaction with a delete works on a copy, as
   * re-inserting a deleted key would not restore its place.
   */
  public Edit edit(List<Txn.Op> ops, Map<String, Entry> prepared) {
    for (Txn.Op op : ops) {
      if (op.isDelete()) {
        return new Edit(this, with(ops, prepared), List.of());
      }
    }
    if (ops.isEmpty()) {
      return new Edit(this, this, List.of());
    }
    List<Map.Entry<String, @Nullable Entry>> undo = new java.util.ArrayList<>(ops.size());
    for (Txn.Op op : ops) {
      Entry before = entries.put(op.key(), Objects.requireNonNull(prepared.get(op.key())));
      undo.add(new java.util.AbstractMap.SimpleImmutableEntry<>(op.key(), before));
    }
    return new Edit(this, new FileContent(prefix, types, entries), undo);
  }

  /** The content after {@code ops}, whose puts were {@link #prepare prepared}, as a copy; {@code this} when nothing changes. */
  public FileContent with(List<Txn.Op> ops, Map<String, Entry> prepared) {
    LinkedHashMap<String, Entry> next = new LinkedHashMap<>(entries);
    boolean changed = false;
    for (Txn.Op op : ops) {
      if (op.isDelete()) {
        changed |= next.remove(op.key()) != null;
      } else {
        next.put(op.key(), Objects.requireNonNull(prepared.get(op.key())));
        changed = true;
      }
    }
    return changed ? new FileContent(prefix, types, next) : this;
  }

  /** The known types by path, in rendering order. */
  public Map<String, ResourceType<?>> types() {
    return types;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The operations that turn {@code before} into this content: puts of new or changed values, deletes of missing keys. */
  public Txn.@Nullable Builder diff(FileContent before) {
    Txn.Builder txn = Txn.builder();
    boolean any = false;
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      Entry old = before.entries.get(e.getKey());
      if (old == null || !Arrays.equals(old.value(), e.getValue().value())) {
        txn.put(e.getKey(), e.getValue().value());
        any = true;
      }
    }
    for (String key : before.entries.keySet()) {
      if (!entries.containsKey(key)) {
        txn.delete(key);
        any = true;
      }
    }
    return any ? txn : null;
  }

  /**
   * The file's bytes: top-level keys in the order they first appear (the file's order, new types
   * last), items in order; YAML strings are always quoted (so {@code "0x10"} stays a string) and
   * the text ends with APISIX's {@code #END}; JSON is indented by two spaces.
   */
  public byte[] render(Format format) {
    if (format == Format.YAML) {
      // the same text YAML_WRITER makes for the whole tree, assembled from each item's cached block
      // (as UTF-8 bytes, copied once into the file's bytes)
      Map<String, List<byte[]>> groups = new LinkedHashMap<>(); // by path: nested types share their parent's list
      int length = END.length;
      for (Entry e : entries.values()) {
        byte[] block = e.yaml();
        groups.computeIfAbsent(e.type().path(), k -> new java.util.ArrayList<>()).add(block);
        length += block.length;
      }
      if (groups.isEmpty()) {
        return "{}\n#END\n".getBytes(StandardCharsets.UTF_8);
      }
      List<byte[]> heads = new java.util.ArrayList<>(groups.size());
      for (String path : groups.keySet()) {
        byte[] head = (path + ":\n").getBytes(StandardCharsets.UTF_8);
        heads.add(head);
        length += head.length;
      }
      byte[] out = new byte[length];
      int at = 0;
      int g = 0;
      for (List<byte[]> blocks : groups.values()) {
        byte[] head = heads.get(g++);
        System.arraycopy(head, 0, out, at, head.length);
        at += head.length;
        for (byte[] block : blocks) {
          System.arraycopy(block, 0, out, at, block.length);
          at += block.length;
        }
      }
      System.arraycopy(END, 0, out, at, END.length);
      return out;
    }
    ObjectNode root = COMPACT.createObjectNode();
    entries.values().forEach(e -> {
      JsonNode list = root.get(e.type().path());
      (list == null ? root.putArray(e.type().path()) : (ArrayNode) list).add(e.item());
    });
    try {
      if (format == Format.YAML) {
        return (YAML_WRITER.writeValueAsString(root) + "#END\n").getBytes(StandardCharsets.UTF_8);
      }
      return (COMPACT.writer(PRETTY).writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] compact(ObjectNode item) {
    try {
      return COMPACT.writeValueAsBytes(item);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> "null";
    };
  }

  static String quote(String s) {
    return Quote.quote(s);
  }
}
