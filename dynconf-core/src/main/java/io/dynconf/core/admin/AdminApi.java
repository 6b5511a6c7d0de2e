package io.dynconf.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.everit.json.schema.ObjectSchema;
import org.everit.json.schema.Schema;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API of APISIX v3 over a {@link ConfigSource}, transport-agnostic: {@link
 * #handle(AdminRequest)} takes a request and answers a response; a server binds it to HTTP.
 *
 * <pre>{@code
 * AdminApi admin = AdminApi.builder(source)               // StandardTypes.all() by default
 *     .apiKey(System.getenv("ADMIN_KEY"), AdminRole.ADMIN)
 *     .apiKey(System.getenv("VIEWER_KEY"), AdminRole.VIEWER)
 *     .build();
 * AdminResponse r = admin.handle(AdminRequest.of("PUT", "/apisix/admin/upstreams/1",
 *     Map.of("X-API-KEY", key), "{\"nodes\":{\"127.0.0.1:8080\":1},\"type\":\"roundrobin\"}"));
 * // 201 {"key":"/apisix/upstreams/1","value":{...,"id":"1","create_time":...},"createdIndex":5,"modifiedIndex":5}
 * }</pre>
 *
 * <p><b>Paths.</b> {@code <pathPrefix>/<type>[/<id>]} for each resource type (by its key path:
 * {@code routes}, {@code upstreams}, ...; secrets take {@code <manager>/<id>}), plus {@code
 * PATCH <pathPrefix>/<type>/<id>/<sub/path>}, {@code GET <pathPrefix>/schema/<type>} and {@code
 * POST <pathPrefix>/bulk}. Verbs, bodies, status codes and response shapes follow APISIX 3.x;
 * {@code README.md} lists the differences.
 *
 * <p><b>Validation.</b> A write is checked by the data plane's own pipeline (schema, decoder,
 * checker, compile) on the exact bytes it stores, so no node rejects what this API accepted. Its
 * references must exist; the write, the comparisons on what it read and the reference checks
 * commit in one source transaction (see {@code dynconf-core/DESIGN.md}, "Admin API").
 *
 * <p><b>Threads.</b> Thread-safe; each {@code handle} call blocks its caller for at most the
 * request deadline (source calls run on an internal executor and are abandoned when the deadline
 * passes, answering 503; reads of a source that {@linkplain ConfigSource#readsFromMemory() reads
 * from memory} run on the caller's thread). {@link #close()} stops that executor.
 */
public final class AdminApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

  /** The largest request body accepted (1.5 MiB, as APISIX); a larger one answers 413. */
  public static final int MAX_BODY_BYTES = 1024 * 1024 * 3 / 2;
  /** The most operations in one {@code POST <pathPrefix>/bulk}. */
  public static final int MAX_BULK_OPERATIONS = 128;
  /** The admin path prefix APISIX uses. */
  public static final String DEFAULT_PATH_PREFIX = "/apisix/admin";
  /** The header that carries the API key (the only place a key is accepted). */
  public static final String API_KEY_HEADER = "X-API-KEY";
  /**
   * The response header of every successful write (PUT, POST, PATCH, DELETE, bulk; not a dry
   * run): the source revision the write made. A server can wait until its own registry has applied
   * it before answering, so the client's next request sees the change (the example gateway does).
   */
  public static final String REVISION_HEADER = "X-Dynconf-Revision";

  private static final int MIN_KEY_LENGTH = 16;
  private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "PATCH", "DELETE");
  private static final String ALLOW = "GET, PUT, POST, PATCH, DELETE";
  private static final Pattern SUB_PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_.:@~-]{1,128}");
  private static final int MAX_SUB_PATH_DEPTH = 16;
  private static final Pattern PATH_PREFIX = Pattern.compile("(/[A-Za-z0-9_.-]+)+");
  /** APISIX's unsupported methods per standard type (admin/*.lua {@code unsupported_methods}). */
  private static final Map<ResourceType<?>, Set<String>> APISIX_UNSUPPORTED = Map.of(
      StandardTypes.CONSUMERS, Set.of("POST", "PATCH"),
      StandardTypes.GLOBAL_RULES, Set.of("POST"),
      StandardTypes.PLUGIN_CONFIGS, Set.of("POST"),
      StandardTypes.PLUGIN_METADATA, Set.of("POST", "PATCH"),
      StandardTypes.STREAM_ROUTES, Set.of("PATCH"),
      StandardTypes.PROTOS, Set.of("PATCH"),
      StandardTypes.SECRETS, Set.of("POST"),
      StandardTypes.CONSUMER_GROUPS, Set.of("POST"));

  private record ApiKey(byte[] digest, AdminRole role) {}

  private final ConfigSource source;
  private final String prefix;
  private final String pathPrefix;
  private final List<ResourceType<?>> types;
  private final Map<String, ResourceType<?>> typesByPath;
  private final Map<String, ResourceType<?>> typesByName;
  private final Map<String, List<ResourceType<?>>> referrers;
  private final Set<ResourceType<?>> timestamped;
  private final List<ApiKey> keys;
  private final Clock clock;
  private final Duration requestTimeout;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final int maxTxnOps;
  private static final int STORED_VALID_MAX = 1024;
  /** Referenced values that decoded, by key: see {@link #checkStored}. */
  private final java.util.concurrent.ConcurrentHashMap<String, KeyValue> storedValid = new java.util.concurrent.ConcurrentHashMap<>();

  private AdminApi(Builder b) {
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

  /** A builder over {@code source}; at least one API key is required. */
  /**
   * Checks that {@code key} may be an API key: at least 16 printable ASCII characters, no spaces.
   * The message never contains the key.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static void checkApiKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.length() < MIN_KEY_LENGTH || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("an API key must have at least " + MIN_KEY_LENGTH
          + " printable ASCII characters and no spaces (got " + key.length() + " characters)");
    }
  }

  public static Builder builder(ConfigSource source) {
    return new Builder(source);
  }

  /** The resource types served, in the order given. */
  public List<ResourceType<?>> types() {
    return types;
  }

  /** Stops the internal executor (not one passed to the builder). Later requests answer 503. */
  @Override
  public void close() {
    if (ownsExecutor) {
      executor.shutdownNow();
    }
  }

  /**
   * Answers one request. Never throws for a bad request: every problem is a response (4xx; 503
   * when the source is unreachable or too slow; 500 only for a bug, which is logged).
   */
  public AdminResponse handle(AdminRequest request) {
    return handle(request, System.nanoTime());
  }

  /**
   * Answers one request whose deadline counts from {@code arrivedNanos} (a {@link System#nanoTime()}
   * reading taken when the request arrived): a server that queues requests passes their arrival, so
   * the time spent waiting counts against the request deadline and a request that waited past it
   * answers 503 at once, without touching the source.
   */
  public AdminResponse handle(AdminRequest request, long arrivedNanos) {
    Objects.requireNonNull(request, "request");
    try {
      return dispatch(request, arrivedNanos);
    } catch (Problem p) {
      return error(p);
    } catch (RuntimeException | StackOverflowError e) {
      LOG.error("dynconf admin: {} failed", request, e);
      return error(new Problem(500, "internal error: " + e));
    }
  }

  // ---------------------------------------------------------------- dispatch

  private AdminResponse dispatch(AdminRequest request, long arrivedNanos) {
    String path = request.path();
    if (!path.equals(pathPrefix) && !path.startsWith(pathPrefix + "/")) {
      throw new Problem(404, "not found: " + quote(path) + " is not under " + pathPrefix);
    }
    String method = request.method().toUpperCase(Locale.ROOT);
    authenticate(request, method);
    if (request.bodyLength() > MAX_BODY_BYTES) {
      throw new Problem(413, "request body is " + request.bodyLength() + " bytes; at most " + MAX_BODY_BYTES + " (1.5 MiB) are accepted");
    }
    if (!METHODS.contains(method)) {
      throw new Problem(405, "method " + quote(request.method()) + " is not allowed; use one of " + ALLOW, Map.of("Allow", ALLOW), Map.of());
    }
    List<String> segments = segments(path.substring(pathPrefix.length()));
    if (segments.isEmpty()) {
      throw new Problem(404, "not found: name a resource type, for example " + pathPrefix + "/routes");
    }
    String resource = segments.get(0);
    if (resource.equals("schema")) {
      return schema(method, segments);
    }
    if (resource.equals("bulk")) {
      if (segments.size() > 1) {
        throw new Problem(404, "not found: " + quote(path));
      }
      if (!method.equals("POST")) {
        throw new Problem(405, "not supported `" + method + "` method for bulk; use POST", Map.of("Allow", "POST"), Map.of());
      }
      return bulk(request, flags(request), arrivedNanos);
    }
    ResourceType<?> type = typesByPath.get(resource);
    if (type == null) {
      throw new Problem(404, "Unsupported resource type: " + resource);
    }
    int n = type.idSegments();
    String id = null;
    List<String> sub = List.of();
    if (segments.size() > 1) {
      if (segments.size() < 1 + n) {
        throw Problem.badRequest("invalid " + kind(type) + " id: expected " + n + " path segments after " + pathPrefix + "/" + type.path()
            + (n == 2 ? ", for example " + pathPrefix + "/" + type.path() + "/vault/1" : ""));
      }
      id = String.join("/", segments.subList(1, 1 + n));
      sub = segments.subList(1 + n, segments.size());
      key(type, id); // validates
    }
    Set<String> unsupported = APISIX_UNSUPPORTED.getOrDefault(type, Set.of());
    if (unsupported.contains(method)) {
      String allow = String.join(", ", METHODS.stream().filter(m -> !unsupported.contains(m)).sorted().toList());
      throw new Problem(405, "not supported `" + method + "` method for " + kind(type), Map.of("Allow", allow), Map.of());
    }
    if (!sub.isEmpty() && !method.equals("PATCH")) {
      throw new Problem(404, "not found: " + quote(path) + " (a sub-path is accepted by PATCH only)");
    }
    Flags flags = flags(request);
    Conditions conditions = conditions(request);
    Calls calls = new Calls(executor, requestTimeout, arrivedNanos, source.readsFromMemory());
    switch (method) {
      case "GET":
        return id == null ? list(calls, type, request) : getOne(calls, type, id);
      case "PUT":
        return Objects.requireNonNull(put(calls, type, id, request, conditions, flags), "a PUT always answers");
      case "POST":
        if (id != null) {
          throw Problem.badRequest("wrong " + kind(type) + " id, do not need it: POST generates the id; use PUT " + pathPrefix + "/" + type.path() + "/" + id);
        }
        return post(calls, type, request, flags);
      case "PATCH":
        if (id == null) {
          throw Problem.badRequest("missing " + kind(type) + " id");
        }
        return Objects.requireNonNull(patch(calls, type, id, sub, request, conditions, flags), "a PATCH always answers");
      case "DELETE":
        if (id == null) {
          throw Problem.badRequest("missing " + kind(type) + " id");
        }
        return delete(calls, type, id, conditions, flags);
      default:
        throw new IllegalStateException(method);
    }
  }

  private void authenticate(AdminRequest request, String method) {
    String given = request.header(API_KEY_HEADER);
    if (given == null || given.isEmpty()) {
      String cookie = request.header("Cookie");
      boolean elsewhere = request.query().containsKey("api_key")
          || (cookie != null && cookie.toLowerCase(Locale.ROOT).contains("x_api_key"));
      throw new Problem(401, "failed to check token", Map.of(), Map.of("description",
          elsewhere ? "missing apikey: the key is accepted only in the " + API_KEY_HEADER + " header, not in the query or a cookie" : "missing apikey"));
    }
    byte[] digest = sha256(given);
    AdminRole role = null;
    for (ApiKey k : keys) { // every key is compared, in constant time, whatever matches
      boolean match = MessageDigest.isEqual(k.digest(), digest);
      if (match && role == null) {
        role = k.role();
      }
    }
    if (role == null) {
      throw new Problem(401, "failed to check token", Map.of(), Map.of("description", "wrong apikey"));
    }
    if (role == AdminRole.VIEWER && !method.equals("GET")) {
      throw new Problem(403, "failed to check token", Map.of(), Map.of("description", "invalid method for role viewer"));
    }
  }

  private static List<String> segments(String rest) {
    if (rest.isEmpty() || rest.equals("/")) {
      return List.of();
    }
    String body = rest.substring(1);
    if (body.endsWith("/")) {
      body = body.substring(0, body.length() - 1);
    }
    String[] parts = body.split("/", -1);
    for (String p : parts) {
      if (p.isEmpty()) {
        throw Problem.badRequest("invalid path: empty segment in " + quote(rest));
      }
    }
    return List.of(parts);
  }

  private record Flags(boolean force, boolean dryRun) {}

  private static Flags flags(AdminRequest request) {
    return new Flags(flag(request, "force"), flag(request, "dry_run"));
  }

  private static boolean flag(AdminRequest request, String name) {
    String v = request.query().get(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw Problem.badRequest("invalid argument " + name + ": should be true or false, was " + quote(v));
  }

  // ---------------------------------------------------------------- reads

  private AdminResponse getOne(Calls calls, ResourceType<?> type, String id) {
    ResourceKey key = key(type, id);
    KeyValue kv = calls.call("get " + key.toKey(), false, () -> source.get(key.toKey()));
    if (kv == null) {
      throw notFound(type, id);
    }
    return json(200, item(type, kv, true), kv.modRevision());
  }

  private AdminResponse list(Calls calls, ResourceType<?> type, AdminRequest request) {
    Map<String, String> q = request.query();
    Integer page = integer(q, "page");
    Integer pageSize = integer(q, "page_size");
    Pattern name = regex(q, "name");
    Pattern uri = regex(q, "uri");
    String label = q.get("label");
    Listing listing = calls.call("list " + prefix, false, source::list);
    List<KeyValue> matching = new ArrayList<>();
    for (KeyValue kv : listing.kvs()) {
      if (belongs(type, kv.key()) && matches(kv, name, uri, label)) {
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
      items.add(item(type, kv, true));
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

  private static boolean matches(KeyValue kv, @Nullable Pattern name, @Nullable Pattern uri, @Nullable String label) {
    if (name == null && uri == null && label == null) {
      return true;
    }
    ObjectNode v = Json.parseStored(kv.valueUnsafe());
    if (v == null) {
      return false;
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

  private AdminResponse schema(String method, List<String> segments) {
    if (!method.equals("GET")) {
      throw new Problem(405, "not supported `" + method + "` method for schema; use GET", Map.of("Allow", "GET"), Map.of());
    }
    if (segments.size() != 2) {
      throw new Problem(404, "not found: use " + pathPrefix + "/schema/<type>, for example " + pathPrefix + "/schema/routes");
    }
    String name = segments.get(1);
    ResourceType<?> type = typesByPath.get(name);
    if (type == null) {
      type = typesByPath.get(name + "s"); // APISIX's singular names: route, upstream, ssl, ...
    }
    if (type == null) {
      throw new Problem(404, "not found schema: " + name);
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
    return json(200, schema, null);
  }

  // ---------------------------------------------------------------- writes

  private enum Mode {
    PUT,
    POST,
    PATCH
  }

  /** Builds the value to store from the current one (null when absent). */
  @FunctionalInterface
  private interface ValueBuilder {
    ObjectNode build(@Nullable KeyValue prev, @Nullable ObjectNode prevJson);
  }

  private @Nullable AdminResponse put(Calls calls, ResourceType<?> type, @Nullable String pathId, AdminRequest request, Conditions conditions, Flags flags) {
    ObjectNode body = bodyObject(request, type);
    forbidTimestamps(body);
    String bodyId = Json.idText(body.get(type.idField()));
    String id = pathId;
    if (id == null) {
      if (bodyId == null) {
        throw Problem.badRequest("missing " + kind(type) + " id");
      }
      id = bodyId;
    } else if (bodyId != null && !bodyId.equals(id)) {
      throw Problem.badRequest(wrongId(type, bodyId, id));
    }
    ResourceKey key = key(type, id);
    String finalId = id;
    return write(calls, type, key, Mode.PUT, conditions, flags, (prev, prevJson) -> {
      ObjectNode value = body.deepCopy();
      injectId(type, value, finalId);
      stamp(type, value, prevJson, true);
      return value;
    });
  }

  private AdminResponse post(Calls calls, ResourceType<?> type, AdminRequest request, Flags flags) {
    if (!type.idField().equals("id") || type.idSegments() != 1) {
      throw new Problem(405, "not supported `POST` method for " + kind(type) + ": its id is not generated (use PUT)", Map.of("Allow", "GET, PUT, PATCH, DELETE"), Map.of());
    }
    ObjectNode body = bodyObject(request, type);
    if (body.hasNonNull("id")) {
      throw Problem.badRequest("wrong " + kind(type) + " id, do not need it: POST generates the id; use PUT to choose one");
    }
    forbidTimestamps(body);
    // validate before an id is spent, so that a rejected POST writes nothing at all
    String placeholder = "0".repeat(20);
    ObjectNode trial = body.deepCopy();
    injectId(type, trial, placeholder);
    stamp(type, trial, null, true);
    validate(type, key(type, placeholder), Json.bytes(trial), "");
    for (int attempt = 0; ; attempt++) { // until the request deadline: a taken id is taken by a newer write
      calls.backoff(attempt);
      String id = flags.dryRun() ? placeholder : generateId(calls);
      ResourceKey key = key(type, id);
      AdminResponse r = write(calls, type, key, Mode.POST, Conditions.NONE, flags, (prev, prevJson) -> {
        ObjectNode value = body.deepCopy();
        injectId(type, value, id);
        stamp(type, value, null, true);
        return value;
      });
      if (r != null) {
        return r;
      }
    }
  }

  /**
   * A 20-digit id from the revision of a write to {@code <prefix>/gen_id}, as APISIX makes them:
   * unique, sorted by creation. A source that reads from memory (the in-memory and standalone file
   * sources, which hold only resource types: APISIX's standalone file has no {@code gen_id}) gives
   * the revision after its current one instead; a POST that loses that id to a concurrent write
   * finds it taken and takes the next.
   */
  private String generateId(Calls calls) {
    if (source.readsFromMemory()) {
      long next = calls.call("list " + prefix, false, source::list).revision() + 1;
      return String.format(Locale.ROOT, "%020d", next);
    }
    String genKey = prefix + "/gen_id";
    TxnResult r = calls.call("put " + genKey, true, () -> source.txn(Txn.builder().put(genKey, "1").build()));
    return String.format(Locale.ROOT, "%020d", r.revision());
  }

  private @Nullable AdminResponse patch(Calls calls, ResourceType<?> type, String id, List<String> sub, AdminRequest request, Conditions conditions, Flags flags) {
    if (request.bodyLength() == 0) {
      throw Problem.badRequest("missing new configuration");
    }
    JsonNode patch = Json.parse(request.bodyUnsafe());
    if (sub.isEmpty() && !patch.isObject()) {
      throw Problem.badRequest("invalid configuration: a PATCH of the whole " + kind(type) + " takes a JSON object (a merge patch), got " + Json.type(patch));
    }
    if (sub.size() > MAX_SUB_PATH_DEPTH) {
      throw Problem.badRequest("invalid sub-path: at most " + MAX_SUB_PATH_DEPTH + " segments");
    }
    for (String s : sub) {
      if (!SUB_PATH_SEGMENT.matcher(s).matches()) {
        throw Problem.badRequest("invalid sub-path: segment " + quote(s) + " must match " + SUB_PATH_SEGMENT.pattern());
      }
    }
    ResourceKey key = key(type, id);
    boolean setsUpdateTime = sub.isEmpty() ? patch.has("update_time") : sub.equals(List.of("update_time"));
    return write(calls, type, key, Mode.PATCH, conditions, flags, (prev, prevJson) -> {
      if (prevJson == null) {
        throw Problem.badRequest(kind(type) + " " + id + " holds a value that is not a JSON object; replace it with PUT");
      }
      ObjectNode value = prevJson.deepCopy();
      if (sub.isEmpty()) {
        Json.mergePatch(value, patch);
      } else {
        Json.setAt(value, sub, patch);
      }
      String idNow = Json.idText(value.get(type.idField()));
      if (idNow != null && !idNow.equals(id)) {
        throw Problem.badRequest(wrongId(type, idNow, id));
      }
      injectId(type, value, id);
      if (timestamped.contains(type)) {
        if (!value.has("create_time")) {
          value.put("create_time", now());
        }
        if (!setsUpdateTime) {
          value.put("update_time", now());
        }
      }
      return value;
    });
  }

  /**
   * Validates and writes one key in a loop: read the current value, build the new one, validate it,
   * read what it references, and commit all of it in one transaction that compares every key read.
   * Returns null only for a POST whose generated key turned out to be taken.
   */
  private @Nullable AdminResponse write(Calls calls, ResourceType<?> type, ResourceKey key, Mode mode, Conditions conditions, Flags flags, ValueBuilder build) {
    String k = key.toKey();
    for (int attempt = 0; ; attempt++) { // until the request deadline: the calls answer 503 then
      calls.backoff(attempt);
      KeyValue prev = calls.call("get " + k, false, () -> source.get(k));
      if (mode == Mode.POST && prev != null) {
        return null;
      }
      conditions.check(type, key.id(), prev); // first: If-Match on an absent object is a 412
      if (mode == Mode.PATCH && prev == null) {
        throw notFound(type, key.id());
      }
      ObjectNode prevJson = prev == null ? null : Json.parseStored(prev.valueUnsafe());
      ObjectNode value = build.build(prev, prevJson);
      byte[] bytes = Json.bytes(value);
      ConfigItem<?> item = validate(type, key, bytes, "");
      // a PUT without a condition is last-writer-wins: after two lost races on the key itself it
      // stops comparing it (it still compares what it references), so a hot key cannot starve it
      boolean lastWriterWins = mode == Mode.PUT && !conditions.any() && attempt >= 2;
      Txn.Builder txn = lastWriterWins ? Txn.builder() : Txn.builder().ifModRevision(k, prev == null ? 0 : prev.modRevision());
      Map<String, KeyValue> touched = new LinkedHashMap<>();
      guardReferences(calls, type, item, txn, touched, Set.of(k), "");
      checkTxnSize(1, 1 + touched.size());
      txn.put(k, bytes);
      if (flags.dryRun()) {
        return json(200, dryRun(key, value), null);
      }
      TxnResult r = calls.call("write " + k, true, () -> source.txn(txn.build()));
      if (r.succeeded()) {
        ObjectNode body = Json.object();
        body.put("key", k);
        body.set("value", value);
        body.put("createdIndex", prev == null ? r.revision() : prev.createRevision());
        body.put("modifiedIndex", r.revision());
        return json(prev == null ? 201 : 200, body, r.revision(), r.revision());
      }
      KeyValue now = calls.call("get " + k, false, () -> source.get(k));
      if (modRevision(now) != modRevision(prev)) {
        conditions.check(type, key.id(), now); // 412 when the change broke the client's condition
        if (mode == Mode.PATCH && now == null) {
          throw notFound(type, key.id());
        }
        if (mode == Mode.PATCH) {
          throw new Problem(409, kind(type) + " " + key.id() + " changed while the patch was applied (revision " + modRevision(prev)
              + ", now " + modRevision(now) + "); read it again and retry");
        }
        if (mode == Mode.POST) {
          return null;
        }
      }
      // a referenced object changed, or last-writer-wins: validate against the new state and retry
    }
  }

  /**
   * Adds to {@code txn}, for every reference of {@code item} to a type this API serves, a comparison
   * that the referenced object is still at the revision read here (so it still exists). Nothing is
   * written to it: a delete of it compares that no referrer changed since its listing (DESIGN.md,
   * "Admin API"). {@code skip}: keys written by this transaction anyway.
   */
  private void guardReferences(Calls calls, ResourceType<?> type, ConfigItem<?> item, Txn.Builder txn,
      Map<String, KeyValue> touched, Set<String> skip, String context) {
    for (Reference ref : referencesOf(type, item.value())) {
      ResourceType<?> target = typesByName.get(ref.type());
      if (target == null) {
        continue;
      }
      ResourceKey tk = tryKey(target, ref.id());
      String field = "/" + ref.field().replace('.', '/');
      if (tk == null) {
        throw Problem.badRequest(context + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id()) + " does not exist");
      }
      String tks = tk.toKey();
      if (skip.contains(tks) || touched.containsKey(tks)) {
        continue;
      }
      KeyValue x = calls.call("get " + tks, false, () -> source.get(tks));
      if (x == null) {
        throw Problem.badRequest(context + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id()) + " does not exist");
      }
      try {
        checkStored(target, tk, x);
      } catch (InvalidConfigException e) {
        throw Problem.badRequest(context + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id())
            + " is stored but invalid (" + e.getMessage() + "); fix it first");
      }
      touched.put(tks, x);
      txn.ifModRevision(tks, x.modRevision());
    }
  }

  // ---------------------------------------------------------------- delete

  private AdminResponse delete(Calls calls, ResourceType<?> type, String id, Conditions conditions, Flags flags) {
    ResourceKey key = key(type, id);
    String k = key.toKey();
    List<ResourceType<?>> referring = referrers.getOrDefault(type.name(), List.of());
    boolean checkReferrers = !flags.force() && !referring.isEmpty();
    for (int attempt = 0; ; attempt++) { // until the request deadline
      calls.backoff(attempt);
      KeyValue current;
      List<String> users = List.of();
      long listed = 0;
      if (checkReferrers) {
        Listing listing = calls.call("list " + prefix, false, source::list);
        listed = listing.revision();
        current = find(listing, k);
        if (current != null) {
          users = referrersOf(listing.kvs(), type, id, Map.of());
        }
      } else {
        current = calls.call("get " + k, false, () -> source.get(k));
      }
      conditions.check(type, id, current); // first: If-Match on an absent object is a 412
      if (current == null) {
        throw notFound(type, id);
      }
      if (!users.isEmpty()) {
        throw Problem.badRequest(inUse(type, users));
      }
      ObjectNode body = Json.object();
      body.put("deleted", "1");
      body.put("key", k);
      if (flags.dryRun()) {
        body.put("dry_run", true);
        return json(200, body, null);
      }
      Txn.Builder txn = Txn.builder().ifModRevision(k, current.modRevision()).delete(k);
      if (checkReferrers) { // no object that may reference this one changed since the listing found none
        for (ResourceType<?> t : referring) {
          txn.ifUnchangedSince(prefix + "/" + t.path() + "/", listed);
        }
      }
      TxnResult r = calls.call("delete " + k, true, () -> source.txn(txn.build()));
      if (r.succeeded()) {
        return json(200, body, null, r.revision());
      }
      KeyValue now = calls.call("get " + k, false, () -> source.get(k));
      conditions.check(type, id, now); // 412 when the change broke the client's condition; else look again
      if (now == null) {
        throw notFound(type, id);
      }
      // it changed, or a possible referrer changed since the listing: look again
    }
  }

  private String inUse(ResourceType<?> type, List<String> users) {
    int shown = Math.min(users.size(), 10);
    String names = String.join(", ", users.subList(0, shown)) + (users.size() > shown ? " and " + (users.size() - shown) + " more" : "");
    return "can not delete this " + kind(type) + ", " + names + (users.size() == 1 ? " is" : " are")
        + " still using it now; change or delete " + (users.size() == 1 ? "it" : "them") + " first, or add force=true";
  }

  /**
   * The objects among {@code kvs} (skipping keys in {@code overridden}, whose values there win)
   * that reference {@code type}'s {@code id}, as {@code route [1]}.
   */
  private List<String> referrersOf(List<KeyValue> kvs, ResourceType<?> type, String id, Map<String, byte @Nullable []> overridden) {
    List<ResourceType<?>> referring = referrers.getOrDefault(type.name(), List.of());
    if (referring.isEmpty()) {
      return List.of();
    }
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    List<String> users = new ArrayList<>();
    for (KeyValue kv : kvs) {
      if (overridden.containsKey(kv.key())) {
        continue;
      }
      collectReferrer(kv.key(), kv.valueUnsafe(), type, id, idBytes, users);
    }
    for (Map.Entry<String, byte @Nullable []> e : overridden.entrySet()) {
      if (e.getValue() != null) {
        collectReferrer(e.getKey(), e.getValue(), type, id, idBytes, users);
      }
    }
    return users;
  }

  private void collectReferrer(String k, byte[] value, ResourceType<?> type, String id, byte[] idBytes, List<String> users) {
    ResourceType<?> t = typeOfKey(k);
    if (t == null || !t.referencedTypes().contains(type.name())) {
      return;
    }
    ResourceKey rk = ResourceKey.tryParse(prefix, k, t.idSegments()).orElse(null);
    if (rk == null || !rk.type().equals(t.path())) {
      return;
    }
    // cheap and sound pre-filter: a reference spells the id, unless the JSON escapes characters
    if (indexOf(value, idBytes) < 0 && indexOf(value, new byte[] {'\\'}) < 0) {
      return;
    }
    for (Reference ref : referencesIn(t, rk, value)) {
      if (ref.type().equals(type.name()) && ref.id().equals(id)) {
        users.add(kind(t) + " [" + rk.id() + "]");
        return;
      }
    }
  }

  // ---------------------------------------------------------------- bulk

  private record BulkOp(int index, boolean delete, ResourceType<?> type, ResourceKey key, @Nullable ObjectNode body) {
    String where() {
      return "operations/" + index + " (" + type.path() + " " + key.id() + "): ";
    }
  }

  private AdminResponse bulk(AdminRequest request, Flags flags, long arrivedNanos) {
    if (request.bodyLength() == 0) {
      throw Problem.badRequest("missing configurations: the body is {\"operations\": [{\"method\": \"PUT\", \"type\": \"routes\", \"id\": \"1\", \"value\": {...}}, ...]}");
    }
    JsonNode body = Json.parse(request.bodyUnsafe());
    JsonNode list = body.path("operations");
    if (!body.isObject() || !list.isArray() || list.isEmpty()) {
      throw Problem.badRequest("invalid configuration: the body must be an object whose \"operations\" is a non-empty array");
    }
    if (list.size() > MAX_BULK_OPERATIONS) {
      throw Problem.badRequest("too many operations: " + list.size() + "; at most " + MAX_BULK_OPERATIONS + " in one bulk request");
    }
    List<BulkOp> ops = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      ops.add(bulkOp(i, list.get(i), seen));
    }
    Calls calls = new Calls(executor, requestTimeout, arrivedNanos, source.readsFromMemory());
    for (int attempt = 0; ; attempt++) { // until the request deadline
      calls.backoff(attempt);
      Listing listing = calls.call("list " + prefix, false, source::list);
      Map<String, KeyValue> current = new HashMap<>();
      for (KeyValue kv : listing.kvs()) {
        current.put(kv.key(), kv);
      }
      Map<String, byte @Nullable []> finals = new LinkedHashMap<>(); // key -> new bytes, null for a delete
      Map<String, ObjectNode> values = new HashMap<>();
      Map<String, ConfigItem<?>> items = new HashMap<>();
      for (BulkOp op : ops) {
        String k = op.key().toKey();
        KeyValue prev = current.get(k);
        if (op.delete()) {
          if (prev == null) {
            throw new Problem(404, op.where() + kind(op.type()) + " " + op.key().id() + " not found");
          }
          finals.put(k, null);
          continue;
        }
        ObjectNode value = Objects.requireNonNull(op.body()).deepCopy();
        injectId(op.type(), value, op.key().id());
        stamp(op.type(), value, prev == null ? null : Json.parseStored(prev.valueUnsafe()), true);
        byte[] bytes = Json.bytes(value);
        items.put(k, validate(op.type(), op.key(), bytes, op.where()));
        values.put(k, value);
        finals.put(k, bytes);
      }
      Txn.Builder txn = Txn.builder();
      Set<String> compared = new HashSet<>();
      Set<String> ranges = new HashSet<>();
      for (BulkOp op : ops) {
        String k = op.key().toKey();
        if (op.delete()) {
          txn.ifModRevision(k, Objects.requireNonNull(current.get(k), "listed above").modRevision());
          compared.add(k);
        }
      }
      for (BulkOp op : ops) {
        if (op.delete()) {
          continue;
        }
        ConfigItem<?> item = Objects.requireNonNull(items.get(op.key().toKey()), "validated above");
        for (Reference ref : referencesOf(op.type(), item.value())) {
          ResourceType<?> target = typesByName.get(ref.type());
          if (target == null) {
            continue;
          }
          ResourceKey tk = tryKey(target, ref.id());
          String field = "/" + ref.field().replace('.', '/');
          String missing = op.where() + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id()) + " does not exist";
          if (tk == null) {
            throw Problem.badRequest(missing);
          }
          String tks = tk.toKey();
          if (finals.containsKey(tks)) {
            if (finals.get(tks) == null) {
              throw Problem.badRequest(missing + " (this request deletes it)");
            }
            continue; // written by this transaction
          }
          KeyValue x = current.get(tks);
          if (x == null) {
            throw Problem.badRequest(missing);
          }
          if (compared.add(tks)) {
            try {
              checkStored(target, tk, x);
            } catch (InvalidConfigException e) {
              throw Problem.badRequest(op.where() + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id())
                  + " is stored but invalid (" + e.getMessage() + "); fix it first");
            }
            txn.ifModRevision(tks, x.modRevision());
          }
        }
      }
      if (!flags.force()) {
        for (BulkOp op : ops) {
          if (op.delete()) {
            List<String> users = referrersOf(listing.kvs(), op.type(), op.key().id(), finals);
            if (!users.isEmpty()) {
              throw Problem.badRequest(op.where() + inUse(op.type(), users));
            }
            for (ResourceType<?> t : referrers.getOrDefault(op.type().name(), List.of())) {
              String range = prefix + "/" + t.path() + "/";
              if (ranges.add(range)) { // no possible referrer changed since the listing found none
                txn.ifUnchangedSince(range, listing.revision());
              }
            }
          }
        }
      }
      for (Map.Entry<String, byte @Nullable []> e : finals.entrySet()) {
        if (e.getValue() == null) {
          txn.delete(e.getKey());
        } else {
          txn.put(e.getKey(), e.getValue());
        }
      }
      checkTxnSize(finals.size(), compared.size() + ranges.size());
      if (flags.dryRun()) {
        ObjectNode out = Json.object();
        out.put("dry_run", true);
        ArrayNode arr = out.putArray("list");
        for (BulkOp op : ops) {
          arr.add(op.delete() ? deleted(op.key().toKey()) : dryRun(op.key(), Objects.requireNonNull(values.get(op.key().toKey()), "validated above")));
        }
        return json(200, out, null);
      }
      TxnResult r = calls.call("bulk write of " + ops.size() + " operations", true, () -> source.txn(txn.build()));
      if (!r.succeeded()) {
        continue; // something read here changed: read and validate again
      }
      ObjectNode out = Json.object();
      out.put("revision", r.revision());
      ArrayNode arr = out.putArray("list");
      for (BulkOp op : ops) {
        String k = op.key().toKey();
        if (op.delete()) {
          arr.add(deleted(k));
        } else {
          KeyValue prev = current.get(k);
          ObjectNode o = arr.addObject();
          o.put("key", k);
          o.set("value", values.get(k));
          o.put("createdIndex", prev == null ? r.revision() : prev.createRevision());
          o.put("modifiedIndex", r.revision());
        }
      }
      return json(200, out, null, r.revision());
    }
  }

  private BulkOp bulkOp(int i, JsonNode node, Set<String> seen) {
    String where = "operations/" + i + ": ";
    if (!node.isObject()) {
      throw Problem.badRequest(where + "must be an object with method, type, id and (for PUT) value");
    }
    String method = node.path("method").asText("").toUpperCase(Locale.ROOT);
    if (!method.equals("PUT") && !method.equals("DELETE")) {
      throw Problem.badRequest(where + "method must be PUT or DELETE, was " + quote(node.path("method").toString()));
    }
    String typeName = node.path("type").asText("");
    ResourceType<?> type = typesByPath.get(typeName);
    if (type == null) {
      throw Problem.badRequest(where + "Unsupported resource type: " + typeName);
    }
    if (APISIX_UNSUPPORTED.getOrDefault(type, Set.of()).contains(method)) {
      throw Problem.badRequest(where + "not supported `" + method + "` method for " + kind(type));
    }
    JsonNode value = node.get("value");
    String id = Json.idText(node.get("id"));
    if (id == null && value != null && value.isObject()) {
      id = Json.idText(value.get(type.idField()));
    }
    if (id == null) {
      throw Problem.badRequest(where + "missing " + kind(type) + " id");
    }
    ResourceKey key;
    try {
      key = ResourceKey.of(prefix, type.path(), id);
      if (type.idSegments() == 1 && id.contains("/")) {
        throw new IllegalArgumentException("id " + quote(id) + " must be one path segment");
      }
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest(where + "invalid " + kind(type) + " id: " + e.getMessage());
    }
    if (!seen.add(key.toKey())) {
      throw Problem.badRequest(where + key.toKey() + " appears more than once");
    }
    if (method.equals("DELETE")) {
      return new BulkOp(i, true, type, key, null);
    }
    if (value == null || !value.isObject()) {
      throw Problem.badRequest(where + "value must be a JSON object");
    }
    ObjectNode body = (ObjectNode) value;
    String bodyId = Json.idText(body.get(type.idField()));
    if (bodyId != null && !bodyId.equals(id)) {
      throw Problem.badRequest(where + wrongId(type, bodyId, id));
    }
    try {
      forbidTimestamps(body);
    } catch (Problem p) {
      throw Problem.badRequest(where + p.getMessage());
    }
    return new BulkOp(i, false, type, key, body);
  }

  // ---------------------------------------------------------------- helpers

  private ConfigItem<?> validate(ResourceType<?> type, ResourceKey key, byte[] bytes, String context) {
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
  private static List<Reference> referencesOf(ResourceType<?> type, Object value) {
    return ((ResourceType) type).referencesOf(value);
  }

  /** The references a stored value makes; none when it cannot be decoded (then it is not served either). */
  private static List<Reference> referencesIn(ResourceType<?> type, ResourceKey key, byte[] value) {
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
  private void checkStored(ResourceType<?> target, ResourceKey tk, KeyValue x) {
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

  private ResourceKey key(ResourceType<?> type, String id) {
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

  private @Nullable ResourceKey tryKey(ResourceType<?> type, String id) {
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

  private boolean belongs(ResourceType<?> type, String k) {
    String dir = prefix + "/" + type.path() + "/";
    if (!k.startsWith(dir)) {
      return false;
    }
    return ResourceKey.tryParse(prefix, k, type.idSegments()).isPresent();
  }

  private @Nullable ResourceType<?> typeOfKey(String k) {
    int start = prefix.length() + 1;
    if (!k.startsWith(prefix + "/")) {
      return null;
    }
    int slash = k.indexOf('/', start);
    return slash < 0 ? null : typesByPath.get(k.substring(start, slash));
  }

  private static @Nullable KeyValue find(Listing listing, String k) {
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

  private ObjectNode bodyObject(AdminRequest request, ResourceType<?> type) {
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
  private static void forbidTimestamps(ObjectNode body) {
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

  private static void injectId(ResourceType<?> type, ObjectNode value, String id) {
    if (type.idField().equals("id")) {
      value.put("id", id);
    }
  }

  private void stamp(ResourceType<?> type, ObjectNode value, @Nullable ObjectNode prevJson, boolean update) {
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

  private long now() {
    return clock.instant().getEpochSecond();
  }

  /** APISIX stamps every type but plugin metadata; a custom type only when its schema allows the two fields. */
  private static boolean takesTimestamps(ResourceType<?> type) {
    if (type == StandardTypes.PLUGIN_METADATA) {
      return false;
    }
    Schema s = type.schema();
    if (s instanceof ObjectSchema os && !os.permitsAdditionalProperties()) {
      return os.getPropertySchemas().containsKey("create_time") && os.getPropertySchemas().containsKey("update_time");
    }
    return true;
  }

  private void checkTxnSize(int ops, int compares) {
    int n = Math.max(ops, compares);
    if (n > maxTxnOps) {
      throw Problem.badRequest("the transaction needs " + n + " operations or comparisons (the objects written; the objects they"
          + " reference or delete); at most " + maxTxnOps + " fit in one transaction of " + source
          + " (AdminApi.Builder.maxTxnOps, which follows etcd's --max-txn-ops)");
    }
  }

  private ObjectNode item(ResourceType<?> type, KeyValue kv, boolean hideSecrets) {
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

  private static ObjectNode dryRun(ResourceKey key, ObjectNode value) {
    ObjectNode o = Json.object();
    o.put("dry_run", true);
    o.put("key", key.toKey());
    o.set("value", value);
    return o;
  }

  private static ObjectNode deleted(String k) {
    ObjectNode o = Json.object();
    o.put("deleted", "1");
    o.put("key", k);
    return o;
  }

  private Problem notFound(ResourceType<?> type, String id) {
    return new Problem(404, kind(type) + " " + id + " not found", Map.of(), Map.of("message", "Key not found"));
  }

  private static String wrongId(ResourceType<?> type, String bodyId, String pathId) {
    String what = type.idField().equals("id") ? kind(type) + " id" : type.idField();
    return "wrong " + what + ": the body says " + quote(bodyId) + ", the path " + quote(pathId);
  }

  private static long modRevision(@Nullable KeyValue kv) {
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

  private static int indexOf(byte[] haystack, byte[] needle) {
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

  private AdminResponse json(int status, JsonNode body, @Nullable Long etag) {
    return json(status, body, etag, null);
  }

  /** A JSON answer; {@code written}: the source revision of a successful write ({@link #REVISION_HEADER}). */
  private AdminResponse json(int status, JsonNode body, @Nullable Long etag, @Nullable Long written) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("X-API-VERSION", "v3");
    if (etag != null) {
      headers.put("ETag", "\"" + etag + "\"");
    }
    if (written != null) {
      headers.put(REVISION_HEADER, Long.toString(written));
    }
    return new AdminResponse(status, headers, Json.bytes(body));
  }

  private AdminResponse error(Problem p) {
    ObjectNode body = Json.object();
    body.put("error_msg", p.getMessage());
    p.extra.forEach(body::put);
    Map<String, String> headers = new LinkedHashMap<>(p.headers);
    headers.put("Content-Type", "application/json");
    headers.put("X-API-VERSION", "v3");
    return new AdminResponse(p.status, headers, Json.bytes(body));
  }

  private static String quote(String s) {
    String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return io.dynconf.core.internal.Quote.quote(cut);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  // ---------------------------------------------------------------- conditions

  /** {@code If-Match} / {@code If-None-Match} as lists of mod revisions ({@code *}: any). */
  private record Conditions(@Nullable Set<String> ifMatch, @Nullable Set<String> ifNoneMatch) {
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

  private static Conditions conditions(AdminRequest request) {
    return new Conditions(tags(request.header("If-Match")), tags(request.header("If-None-Match")));
  }

  private static @Nullable Set<String> tags(@Nullable String header) {
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

  // ---------------------------------------------------------------- builder

  /** Builds an {@link AdminApi}; every setter validates at once. */
  public static final class Builder {
    private final ConfigSource source;
    private List<ResourceType<?>> types = StandardTypes.all();
    private String pathPrefix = DEFAULT_PATH_PREFIX;
    private final List<ApiKey> keys = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Duration requestTimeout = Duration.ofSeconds(5);
    private @Nullable ExecutorService executor;
    private int maxTxnOps = 128;

    private Builder(ConfigSource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /** The resource types served (default {@link StandardTypes#all()}). */
    public Builder types(List<? extends ResourceType<?>> types) {
      if (types.isEmpty()) {
        throw new IllegalArgumentException("the admin API needs at least one resource type");
      }
      this.types = List.copyOf(types);
      return this;
    }

    /** The path prefix of every admin path (default {@code /apisix/admin}). */
    public Builder pathPrefix(String pathPrefix) {
      if (!PATH_PREFIX.matcher(Objects.requireNonNull(pathPrefix, "pathPrefix")).matches()) {
        throw new IllegalArgumentException("pathPrefix \"" + pathPrefix + "\" must look like /apisix/admin (absolute, no trailing slash)");
      }
      this.pathPrefix = pathPrefix;
      return this;
    }

    /**
     * Accepts {@code key} in the {@code X-API-KEY} header with {@code role}. At least one key is
     * required (there is no default key); a key has at least 16 characters. Only a SHA-256 digest
     * of the key is kept.
     */
    public Builder apiKey(String key, AdminRole role) {
      Objects.requireNonNull(role, "role");
      checkApiKey(key);
      byte[] digest = sha256(key);
      for (ApiKey k : keys) {
        if (Arrays.equals(k.digest(), digest)) {
          throw new IllegalArgumentException("the same API key was given twice");
        }
      }
      keys.add(new ApiKey(digest, role));
      return this;
    }

    /** The clock of {@code create_time} and {@code update_time} (epoch seconds). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The most one request may take; a source slower than that answers 503 (default 5 s). */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive, was " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** Where source calls run (default: an internal pool of daemon threads, stopped by {@link AdminApi#close()}). */
    public Builder executor(ExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The largest transaction written (default 128, etcd's {@code --max-txn-ops} default). */
    public Builder maxTxnOps(int maxTxnOps) {
      if (maxTxnOps < 8) {
        throw new IllegalArgumentException("maxTxnOps must be at least 8, was " + maxTxnOps);
      }
      this.maxTxnOps = maxTxnOps;
      return this;
    }

    public AdminApi build() {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("the admin API needs at least one API key (apiKey(key, role)); there is no default key");
      }
      return new AdminApi(this);
    }
  }
}
