package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.PluginInfo;
import io.dynconf.core.apisix.PluginMetadata;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.everit.json.schema.ObjectSchema;
import org.everit.json.schema.Schema;
import org.jspecify.annotations.Nullable;

/**
 * What every part of the admin API shares: the source, the types served (by path and by name, who
 * references whom, which take timestamps), the request deadline and executor, and the helpers that
 * name keys, validate values with the data plane's pipeline and stamp times. Immutable.
 */
final class AdminContext {
  final ConfigSource source;
  final String prefix;
  final String pathPrefix;
  final List<ResourceType<?>> types;
  final Map<String, ResourceType<?>> typesByPath;
  final Map<String, ResourceType<?>> typesByName;
  final Map<String, List<ResourceType<?>>> referrers;
  final Set<ResourceType<?>> timestamped;
  final Clock clock;
  final Duration requestTimeout;
  final ExecutorService executor;
  final boolean ownsExecutor;
  final int maxTxnOps;
  final java.util.function.LongSupplier unstampedTime;
  /** Where a write's first attempt reads the key and what it references (null: the source). */
  final java.util.function.@Nullable Function<String, io.dynconf.core.spi.@Nullable KeyValue> nodeView;
  /** Where a write hands the values it checked to this node's registry (null: nowhere). */
  private final io.dynconf.core.@Nullable CheckedValues checkedValues;
  /** The plugins published and checked (empty when the host registered no catalog listing them), by name, highest priority first. */
  final Map<String, PluginInfo> plugins;
  private final Map<String, org.everit.json.schema.Schema> metadataSchemas;
  /** Types refused with a reason ({@code AdminApi.Builder#disable}), by route key. */
  private final Map<String, String> disabled;

  AdminContext(AdminApi.Builder b) {
    this.source = b.source;
    this.nodeView = b.nodeView;
    this.checkedValues = b.checkedValues;
    this.disabled = Map.copyOf(b.disabled);
    this.prefix = ResourceKey.normalizePrefix(source.prefix());
    this.pathPrefix = b.pathPrefix;
    this.types = List.copyOf(b.types);
    Map<String, ResourceType<?>> byPath = new LinkedHashMap<>();
    Map<String, ResourceType<?>> byName = new LinkedHashMap<>();
    for (ResourceType<?> t : types) {
      if (t.path().equals("schema") || t.path().equals("bulk")) {
        throw new IllegalArgumentException("resource type " + t.name() + ": path \"" + t.path() + "\" is reserved by the admin API");
      }
      if (byPath.put(t.routeKey(), t) != null) {
        throw new IllegalArgumentException("two resource types use the path \"" + t.routeKey() + "\"");
      }
      byName.put(t.name(), t);
    }
    this.typesByPath = Map.copyOf(byPath);
    this.typesByName = Map.copyOf(byName);
    Map<String, List<ResourceType<?>>> refs = new HashMap<>();
    for (ResourceType<?> t : types) {
      for (String target : t.referencedTypes()) {
        refs.computeIfAbsent(target, k -> new ArrayList<>()).add(t);
      }
    }
    refs.replaceAll((k, v) -> List.copyOf(v));
    this.referrers = Map.copyOf(refs);
    Set<ResourceType<?>> stamped = new HashSet<>();
    for (ResourceType<?> t : types) {
      if (takesTimestamps(t)) {
        stamped.add(t);
      }
    }
    this.timestamped = Set.copyOf(stamped);
    this.clock = b.clock;
    this.requestTimeout = b.requestTimeout;
    this.maxTxnOps = b.maxTxnOps;
    if (b.unstampedTime != null) {
      this.unstampedTime = b.unstampedTime;
    } else {
      long built = clock.instant().getEpochSecond();
      this.unstampedTime = () -> built;
    }
    Map<String, PluginInfo> ps = new LinkedHashMap<>();
    Map<String, org.everit.json.schema.Schema> meta = new HashMap<>();
    if (b.catalog != null) {
      for (PluginInfo p : b.catalog.plugins()) {
        ps.put(p.name(), p);
        String m = p.metadataSchema();
        if (m != null) {
          meta.put(p.name(), org.everit.json.schema.loader.SchemaLoader.builder().schemaJson(new org.json.JSONObject(m))
              .draftV7Support().build().load().build());
        }
      }
    }
    this.plugins = java.util.Collections.unmodifiableMap(ps);
    this.metadataSchemas = Map.copyOf(meta);
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownsExecutor = false;
    } else {
      AtomicInteger n = new AtomicInteger();
      this.executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "dynconf-admin-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      this.ownsExecutor = true;
    }
  }

  /** Before writing {@code bytes} at {@code key}: hands their checked {@code item} to the node's registry. */
  void offerChecked(String key, byte[] bytes, ConfigItem<?> item) {
    if (checkedValues != null) {
      checkedValues.offer(key, bytes, item);
    }
  }

  ConfigItem<?> validate(ResourceType<?> type, ResourceKey key, byte[] bytes, String context) {
    String outOfRange = Json.firstNonFiniteNumber(bytes);
    if (outOfRange != null) {
      throw Problem.badRequest(context + "invalid configuration: " + outOfRange + ": number out of range (beyond a 64-bit float)");
    }
    try {
      ConfigItem<?> item = Pipeline.decode(type, key, bytes, 1, 1);
      if (type.name().equals(StandardTypes.PLUGIN_METADATA.name())) {
        checkPluginMetadata(key.id(), bytes);
      }
      return item;
    } catch (InvalidConfigException e) {
      throw Problem.badRequest(context + "invalid configuration: " + e.getMessage());
    } catch (RuntimeException e) { // a node's registry rejects the value in the same way
      throw Problem.badRequest(context + "invalid configuration: " + type.name() + " checker failed: " + e);
    }
  }

  /**
   * Plugin metadata names a plugin the host knows and matches its metadata schema, any object for a
   * plugin without one (APISIX's plugin_metadata check_conf), when the host published its plugins ({@link
   * io.dynconf.core.apisix.PluginCatalog#plugins()}); otherwise only the envelope is checked.
   */
  private void checkPluginMetadata(String name, byte[] bytes) {
    if (plugins.isEmpty()) {
      return;
    }
    if (!plugins.containsKey(name)) {
      throw new InvalidConfigException("/id", "unknown plugin [" + name + "]");
    }
    org.everit.json.schema.Schema schema = metadataSchemas.get(name);
    if (schema == null) {
      return; // APISIX gives such a plugin an empty object schema: any object (the envelope checked that)
    }
    ObjectNode value = Objects.requireNonNull(Json.parseStored(bytes), "validated above");
    value.remove("id");
    Pipeline.validate(schema, value);
  }

  ResourceKey key(ResourceType<?> type, String id) {
    try {
      ResourceKey key = ResourceKey.of(prefix, type.path(), id);
      if (id.indexOf('/') >= 0 && type.idSegments() == 1) {
        throw new IllegalArgumentException("id " + quote(id) + " must be one path segment");
      }
      if (type.nestedSegment() != null && !ResourceType.routeOfId(type.path(), id).equals(type.routeKey())) {
        throw new IllegalArgumentException("id " + quote(id) + " must look like <parent>/" + type.nestedSegment() + "/<id>");
      }
      return key;
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("invalid " + kind(type) + " id: " + e.getMessage());
    }
  }

  @Nullable ResourceKey tryKey(ResourceType<?> type, String id) {
    long slashes = id.chars().filter(c -> c == '/').count();
    if (slashes >= type.idSegments()) {
      return null;
    }
    try {
      return ResourceKey.of(prefix, type.path(), id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  boolean belongs(ResourceType<?> type, String k) {
    String dir = prefix + "/" + type.path() + "/";
    if (!k.startsWith(dir)) {
      return false;
    }
    return type.routeKey().equals(ResourceType.routeOf(prefix, k)) && ResourceKey.tryParse(prefix, k, type.idSegments()).isPresent();
  }

  /** The type named {@code name} by its path (APISIX's URL name) or, for a nested type, by its name. */
  /** A 400 with the reason {@code type} (or the type it is nested under) was disabled for, if it was. */
  void refuseIfDisabled(ResourceType<?> type, String where) {
    if (disabled.isEmpty()) {
      return;
    }
    String reason = disabled.get(type.routeKey());
    if (reason == null && type.nestedSegment() != null) {
      reason = disabled.get(type.path()); // a nested type's path is its parent's
    }
    if (reason != null) {
      throw Problem.badRequest(where + reason);
    }
  }

  @Nullable ResourceType<?> typeNamed(String name) {
    ResourceType<?> t = typesByPath.get(name);
    if (t == null) {
      ResourceType<?> byName = typesByName.get(name);
      if (byName != null && byName.nestedSegment() != null) {
        t = byName;
      }
    }
    return t;
  }

  /** The type nested under {@code parent}'s objects below the segment {@code segment}, if served. */
  @Nullable ResourceType<?> nested(ResourceType<?> parent, String segment) {
    ResourceType<?> t = typesByPath.get(parent.path() + "/*/" + segment);
    return t != null && t.nestedSegment() != null ? t : null;
  }

  /** The types nested under {@code parent}'s objects (consumers: credentials). */
  List<ResourceType<?>> children(ResourceType<?> parent) {
    List<ResourceType<?>> out = new ArrayList<>();
    for (ResourceType<?> t : types) {
      if (t.nestedSegment() != null && t.path().equals(parent.path()) && parent.nestedSegment() == null) {
        out.add(t);
      }
    }
    return out;
  }

  @Nullable ResourceType<?> typeOfKey(String k) {
    int start = prefix.length() + 1;
    if (!k.startsWith(prefix + "/")) {
      return null;
    }
    String route = ResourceType.routeOf(prefix, k);
    return route == null ? null : typesByPath.get(route);
  }

  static @Nullable KeyValue find(Listing listing, String k) {
    List<KeyValue> kvs = listing.kvs();
    int lo = 0;
    int hi = kvs.size() - 1;
    while (lo <= hi) { // the listing is sorted by key
      int mid = (lo + hi) >>> 1;
      int c = kvs.get(mid).key().compareTo(k);
      if (c == 0) {
        return kvs.get(mid);
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    for (KeyValue kv : kvs) { // in case a source sorts differently
      if (kv.key().equals(k)) {
        return kv;
      }
    }
    return null;
  }

  ObjectNode bodyObject(AdminRequest request, ResourceType<?> type) {
    if (request.bodyLength() == 0) {
      throw Problem.badRequest("missing configurations");
    }
    JsonNode body = Json.parse(request.bodyUnsafe());
    if (!body.isObject()) {
      throw Problem.badRequest("invalid configuration: a " + kind(type) + " is a JSON object, got " + Json.type(body));
    }
    return (ObjectNode) body;
  }

  /** APISIX forbids the server-set times in PUT and POST bodies (also in {@code upstream} and {@code plugins}). */
  static void forbidTimestamps(ObjectNode body) {
    for (String where : new String[] {"", "upstream", "plugins"}) {
      JsonNode node = where.isEmpty() ? body : body.get(where);
      if (node == null || !node.isObject()) {
        continue;
      }
      for (String f : new String[] {"create_time", "update_time"}) {
        if (node.has(f) && !node.get(f).isNull()) {
          throw Problem.badRequest("the property is forbidden: " + (where.isEmpty() ? "" : where + ".") + f + " (the server sets it)");
        }
      }
    }
  }

  static void injectId(ResourceType<?> type, ObjectNode value, String fullId) {
    // a nested object stores its own id, the key's last segment (as APISIX stores a credential)
    String id = type.nestedSegment() == null ? fullId : fullId.substring(fullId.lastIndexOf('/') + 1);
    if (type.idField().equals("id")) {
      JsonNode given = value.get("id");
      if (given != null && given.isIntegralNumber() && given.asText().equals(id)) {
        return; // APISIX keeps (and echoes) an integer id as given; the schema wants it at least 1
      }
      value.put("id", id);
    }
  }

  void stamp(ResourceType<?> type, ObjectNode value, @Nullable ObjectNode prevJson, boolean update) {
    if (!timestamped.contains(type)) {
      return;
    }
    JsonNode created = prevJson == null ? null : prevJson.get("create_time");
    if (created != null && created.isIntegralNumber()) {
      value.set("create_time", created);
    } else if (prevJson != null) {
      value.put("create_time", unstampedTime.getAsLong()); // what a GET showed for it
    } else {
      value.put("create_time", now());
    }
    if (update) {
      value.put("update_time", now());
    }
  }

  /**
   * Gives a stored object without {@code create_time}/{@code update_time} (one loaded from a
   * standalone file, or written by another tool) the {@linkplain AdminApi.Builder#unstampedTime
   * unstamped time} when it is served, so every object served has both (APISIX's Dashboard needs
   * them to edit it).
   */
  void fillTimes(ResourceType<?> type, ObjectNode item) {
    if (!timestamped.contains(type) || !(item.get("value") instanceof ObjectNode value)) {
      return;
    }
    JsonNode created = value.get("create_time");
    if (created == null || created.isNull()) {
      value.put("create_time", unstampedTime.getAsLong());
    }
    JsonNode updated = value.get("update_time");
    if (updated == null || updated.isNull()) {
      value.set("update_time", value.get("create_time"));
    }
  }

  long now() {
    return clock.instant().getEpochSecond();
  }

  /** APISIX stamps every type but plugin metadata; a custom type only when its schema allows the two fields. */
  static boolean takesTimestamps(ResourceType<?> type) {
    if (type.name().equals(StandardTypes.PLUGIN_METADATA.name()) && type.javaType() == PluginMetadata.class) {
      return false; // also its variants (StandardTypes.withPlugins checks the plugin's metadata)
    }
    Schema s = type.schema();
    if (s instanceof ObjectSchema os && !os.permitsAdditionalProperties()) {
      return os.getPropertySchemas().containsKey("create_time") && os.getPropertySchemas().containsKey("update_time");
    }
    return true;
  }

  void checkTxnSize(int ops, int compares) {
    int n = Math.max(ops, compares);
    if (n > maxTxnOps) {
      throw Problem.badRequest("the transaction needs " + n + " operations or comparisons (the objects written; the objects they"
          + " reference or delete); at most " + maxTxnOps + " fit in one transaction of " + source
          + " (AdminApi.Builder.maxTxnOps, which follows etcd's --max-txn-ops)");
    }
  }
}
