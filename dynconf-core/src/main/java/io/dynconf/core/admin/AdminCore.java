package io.dynconf.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.everit.json.schema.ObjectSchema;
import org.everit.json.schema.Schema;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's state and the helpers every part uses: the source, the types, the keys, the
 * clock and the executor; keys, JSON answers, timestamps, validation through the data plane's own
 * pipeline, conditions and flags. {@link AdminApi} is the public entry point; its parts are
 * layered {@code AdminCore} &lt; {@link AdminReads} &lt; {@link AdminWrites} &lt; {@link AdminBulk}.
 */
abstract class AdminCore {
  static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);


  static final int MIN_KEY_LENGTH = 16;
  static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "PATCH", "DELETE");
  static final String ALLOW = "GET, PUT, POST, PATCH, DELETE";
  static final Pattern SUB_PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_.:@~-]{1,128}");
  static final int MAX_SUB_PATH_DEPTH = 16;
  /** The fields APISIX's {@code filter} list argument may name, per type. */
  static final Map<String, Set<String>> LIST_FILTER_FIELDS = Map.of(
      "routes", Set.of("service_id", "upstream_id"), "stream_routes", Set.of("service_id", "upstream_id"));
  static final Pattern PATH_PREFIX = Pattern.compile("(/[A-Za-z0-9_.-]+)+");
  /** APISIX's unsupported methods per standard type (admin/*.lua {@code unsupported_methods}). */
  static final Map<ResourceType<?>, Set<String>> APISIX_UNSUPPORTED = Map.of(
      StandardTypes.CONSUMERS, Set.of("POST", "PATCH"),
      StandardTypes.GLOBAL_RULES, Set.of("POST"),
      StandardTypes.PLUGIN_CONFIGS, Set.of("POST"),
      StandardTypes.PLUGIN_METADATA, Set.of("POST", "PATCH"),
      StandardTypes.STREAM_ROUTES, Set.of("PATCH"),
      StandardTypes.PROTOS, Set.of("PATCH"),
      StandardTypes.SECRETS, Set.of("POST"),
      StandardTypes.CONSUMER_GROUPS, Set.of("POST"));

  record ApiKey(byte[] digest, AdminRole role) {}

  final ConfigSource source;
  final String prefix;
  final String pathPrefix;
  final List<ResourceType<?>> types;
  final Map<String, ResourceType<?>> typesByPath;
  final Map<String, ResourceType<?>> typesByName;
  final Map<String, List<ResourceType<?>>> referrers;
  final Set<ResourceType<?>> timestamped;
  final List<ApiKey> keys;
  final Clock clock;
  final Duration requestTimeout;
  final ExecutorService executor;
  final boolean ownsExecutor;
  final int maxTxnOps;
  static final int STORED_VALID_MAX = 1024;
  /** Referenced values that decoded, by key: see {@link #checkStored}. */
  final java.util.concurrent.ConcurrentHashMap<String, KeyValue> storedValid = new java.util.concurrent.ConcurrentHashMap<>();


  record Flags(boolean force, boolean dryRun) {}

  static Flags flags(AdminRequest request) {
    return new Flags(flag(request, "force"), flag(request, "dry_run"));
  }

  static boolean flag(AdminRequest request, String name) {
    String v = request.query().get(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw Problem.badRequest("invalid argument " + name + ": should be true or false, was " + quote(v));
  }

  // ---------------------------------------------------------------- helpers

  ConfigItem<?> validate(ResourceType<?> type, ResourceKey key, byte[] bytes, String context) {
    String outOfRange = Json.firstNonFiniteNumber(bytes);
    if (outOfRange != null) {
      throw Problem.badRequest(context + "invalid configuration: " + outOfRange + ": number out of range (beyond a 64-bit float)");
    }
    try {
      return Pipeline.decode(type, key, bytes, 1, 1);
    } catch (InvalidConfigException e) {
      throw Problem.badRequest(context + "invalid configuration: " + e.getMessage());
    } catch (RuntimeException e) { // a node's registry rejects the value in the same way
      throw Problem.badRequest(context + "invalid configuration: " + type.name() + " checker failed: " + e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<Reference> referencesOf(ResourceType<?> type, Object value) {
    return ((ResourceType) type).referencesOf(value);
  }

  /** The references a stored value makes; none when it cannot be decoded (then it is not served either). */
  static List<Reference> referencesIn(ResourceType<?> type, ResourceKey key, byte[] value) {
    try {
      return referencesOf(type, Pipeline.decode(type, key, value, 1, 1).value());
    } catch (RuntimeException invalid) {
      try {
        Object v = type.decoder().decode(key, Pipeline.parseObject(value));
        return v == null ? List.of() : referencesOf(type, v);
      } catch (IOException | RuntimeException undecodable) {
        return List.of();
      }
    }
  }

  /**
   * Decodes a stored object that a write references (it must be valid), unless this very value (same
   * key, revisions and bytes) was decoded successfully before: every route written with {@code
   * upstream_id: be} would otherwise decode upstream {@code be} again. The pipeline is a function of
   * the bytes, so the answer cannot differ. At most {@value #STORED_VALID_MAX} values are remembered.
   *
   * @throws InvalidConfigException when it does not decode
   */
  void checkStored(ResourceType<?> target, ResourceKey tk, KeyValue x) {
    KeyValue ok = storedValid.get(x.key());
    if (ok != null && ok.modRevision() == x.modRevision() && ok.createRevision() == x.createRevision()
        && Arrays.equals(ok.valueUnsafe(), x.valueUnsafe())) {
      return;
    }
    Pipeline.decode(target, tk, x.valueUnsafe(), x.createRevision(), x.modRevision());
    if (storedValid.size() >= STORED_VALID_MAX) {
      storedValid.clear();
    }
    storedValid.put(x.key(), x);
  }

  ResourceKey key(ResourceType<?> type, String id) {
    try {
      ResourceKey key = ResourceKey.of(prefix, type.path(), id);
      if (id.indexOf('/') >= 0 && type.idSegments() == 1) {
        throw new IllegalArgumentException("id " + quote(id) + " must be one path segment");
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
    return ResourceKey.tryParse(prefix, k, type.idSegments()).isPresent();
  }

  @Nullable ResourceType<?> typeOfKey(String k) {
    int start = prefix.length() + 1;
    if (!k.startsWith(prefix + "/")) {
      return null;
    }
    int slash = k.indexOf('/', start);
    return slash < 0 ? null : typesByPath.get(k.substring(start, slash));
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

  static void injectId(ResourceType<?> type, ObjectNode value, String id) {
    if (type.idField().equals("id")) {
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
    } else {
      value.put("create_time", now());
    }
    if (update) {
      value.put("update_time", now());
    }
  }

  long now() {
    return clock.instant().getEpochSecond();
  }

  /** APISIX stamps every type but plugin metadata; a custom type only when its schema allows the two fields. */
  static boolean takesTimestamps(ResourceType<?> type) {
    if (type == StandardTypes.PLUGIN_METADATA) {
      return false;
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

  ObjectNode item(ResourceType<?> type, KeyValue kv, boolean hideSecrets) {
    ObjectNode o = Json.object();
    o.put("key", kv.key());
    JsonNode value = Json.storedForResponse(kv.valueUnsafe());
    if (hideSecrets && type == StandardTypes.SSLS && value.isObject()) {
      ((ObjectNode) value).remove("key"); // APISIX never returns private keys
      ((ObjectNode) value).remove("keys");
    }
    o.set("value", value);
    o.put("createdIndex", kv.createRevision());
    o.put("modifiedIndex", kv.modRevision());
    return o;
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

  Problem notFound(ResourceType<?> type, String id) {
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

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  AdminResponse json(int status, JsonNode body, @Nullable Long etag) {
    return json(status, body, etag, null);
  }

  /** A JSON answer; {@code written}: the source revision of a successful write ({@link #AdminApi.REVISION_HEADER}). */
  AdminResponse json(int status, JsonNode body, @Nullable Long etag, @Nullable Long written) {
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

  AdminResponse error(Problem p) {
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

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  // ---------------------------------------------------------------- conditions

  /** {@code If-Match} / {@code If-None-Match} as lists of mod revisions ({@code *}: any). */
  record Conditions(@Nullable Set<String> ifMatch, @Nullable Set<String> ifNoneMatch) {
    static final Conditions NONE = new Conditions(null, null);

    boolean any() {
      return ifMatch != null || ifNoneMatch != null;
    }

    void check(ResourceType<?> type, String id, @Nullable KeyValue current) {
      if (ifMatch != null) {
        if (current == null) {
          throw new Problem(412, "If-Match: " + kind(type) + " " + id + " does not exist");
        }
        if (!ifMatch.contains("*") && !ifMatch.contains(Long.toString(current.modRevision()))) {
          throw new Problem(412, "If-Match: " + kind(type) + " " + id + " is at revision " + current.modRevision() + ", not " + String.join(" or ", ifMatch),
              Map.of("ETag", "\"" + current.modRevision() + "\""), Map.of());
        }
      }
      if (ifNoneMatch != null && current != null
          && (ifNoneMatch.contains("*") || ifNoneMatch.contains(Long.toString(current.modRevision())))) {
        throw new Problem(412, "If-None-Match: " + kind(type) + " " + id + " exists (revision " + current.modRevision() + ")",
            Map.of("ETag", "\"" + current.modRevision() + "\""), Map.of());
      }
    }
  }

  static Conditions conditions(AdminRequest request) {
    return new Conditions(tags(request.header("If-Match")), tags(request.header("If-None-Match")));
  }

  static @Nullable Set<String> tags(@Nullable String header) {
    if (header == null) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String part : header.split(",")) {
      String t = part.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    if (out.isEmpty()) {
      throw Problem.badRequest("invalid entity tag list: " + quote(header) + "; send the ETag of a GET, for example \"12\"");
    }
    return out;
  }


  AdminCore(AdminApi.Builder b) {
    this.source = b.source;
    this.prefix = ResourceKey.normalizePrefix(source.prefix());
    this.pathPrefix = b.pathPrefix;
    this.types = List.copyOf(b.types);
    Map<String, ResourceType<?>> byPath = new LinkedHashMap<>();
    Map<String, ResourceType<?>> byName = new LinkedHashMap<>();
    for (ResourceType<?> t : types) {
      if (t.path().equals("schema") || t.path().equals("bulk")) {
        throw new IllegalArgumentException("resource type " + t.name() + ": path \"" + t.path() + "\" is reserved by the admin API");
      }
      if (byPath.put(t.path(), t) != null) {
        throw new IllegalArgumentException("two resource types use the path \"" + t.path() + "\"");
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
    this.keys = List.copyOf(b.keys);
    this.clock = b.clock;
    this.requestTimeout = b.requestTimeout;
    this.maxTxnOps = b.maxTxnOps;
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
}
