package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.PluginCatalog;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.ConfigSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.regex.Pattern;
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
 * // 201 {"key":"/apisix/upstreams/1","value":{...,"id":"1","create_time":...}}, X-Dynconf-Revision: 5
 * }</pre>
 *
 * <p><b>Paths.</b> {@code <pathPrefix>/<type>[/<id>]} for each resource type (by its key path:
 * {@code routes}, {@code upstreams}, ...; secrets take {@code <manager>/<id>}; a consumer's
 * credentials are {@code <pathPrefix>/consumers/<username>/credentials[/<id>]}, PUT, GET and DELETE,
 * stored at {@code <prefix>/consumers/<username>/credentials/<id>} as APISIX 3.x stores them, and
 * deleted with their consumer), plus {@code
 * PATCH <pathPrefix>/<type>/<id>/<sub/path>}, {@code GET <pathPrefix>/schema/<type>}, {@code
 * POST <pathPrefix>/bulk}, {@code <pathPrefix>/plugins/list}, {@code plugins?all=true}, {@code
 * plugins/<name>} and {@code PUT plugins/reload} (see {@link Builder#plugins}), {@code POST
 * <pathPrefix>/schema/validate/<type>}, {@code POST <pathPrefix>/configs/validate} and {@code HEAD
 * <pathPrefix>} (200, no key: a liveness probe). Verbs, bodies, status codes and response shapes
 * follow APISIX 3.x; {@code README.md} lists the differences.
 *
 * <p><b>Browsers.</b> Off by default; {@link Builder#cors} answers the origins it names with CORS
 * headers (APISIX's {@code enable_admin_cors}, with an allow-list).
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
  static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "PATCH", "DELETE");
  private static final String ALLOW = "GET, PUT, POST, PATCH, DELETE";
  static final Pattern SUB_PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_.:@~-]{1,128}");
  static final int MAX_SUB_PATH_DEPTH = 16;
  private static final Pattern PATH_PREFIX = Pattern.compile("(/[A-Za-z0-9_.-]+)+");
  /** APISIX's unsupported methods per standard type (admin/*.lua {@code unsupported_methods}). */
  static final Map<ResourceType<?>, Set<String>> APISIX_UNSUPPORTED = Map.of(
      StandardTypes.CONSUMERS, Set.of("POST", "PATCH"),
      StandardTypes.CREDENTIALS, Set.of("POST", "PATCH"),
      StandardTypes.GLOBAL_RULES, Set.of("POST"),
      StandardTypes.PLUGIN_CONFIGS, Set.of("POST"),
      StandardTypes.PLUGIN_METADATA, Set.of("POST", "PATCH"),
      StandardTypes.STREAM_ROUTES, Set.of("PATCH"),
      StandardTypes.PROTOS, Set.of("PATCH"),
      StandardTypes.SECRETS, Set.of("POST"),
      StandardTypes.CONSUMER_GROUPS, Set.of("POST"));

  private final AdminContext ctx;
  private final String pathPrefix;
  private final Authenticator auth;
  private final Reads reads;
  private final Writes writes;
  private final Bulk bulk;
  private final PluginEndpoints plugins;
  private final Validations validations;
  /** The origins answered with CORS headers ({@code *}: any); empty: CORS off. */
  private final Set<String> corsOrigins;
  static final String CORS_METHODS = "POST, GET, PUT, OPTIONS, DELETE, PATCH";
  private static final AdminResponse HEAD_OK = new AdminResponse(200, Map.of("Content-Type", "application/json", "X-API-VERSION", "v3"), new byte[0]);

  private AdminApi(Builder b) {
    this.ctx = new AdminContext(b);
    this.pathPrefix = ctx.pathPrefix;
    this.auth = new Authenticator(b.keys);
    ReferenceGuard guard = new ReferenceGuard(ctx);
    this.reads = new Reads(ctx);
    this.writes = new Writes(ctx, guard);
    this.bulk = new Bulk(ctx, guard);
    this.plugins = new PluginEndpoints(ctx);
    this.validations = new Validations(ctx);
    this.corsOrigins = Set.copyOf(b.corsOrigins);
  }

  /**
   * The API key a request carries, given a case-insensitive lookup of its headers: the {@code
   * X-API-KEY} header, else a header named {@code x_api_key} (nginx, and so APISIX, reads both as
   * {@code $http_x_api_key}); null when neither is there. A server that checks the key before
   * reading a body (as the example gateway's) must look where {@link #handle} looks.
   */
  public static @Nullable String apiKey(java.util.function.Function<String, @Nullable String> header) {
    String key = header.apply(API_KEY_HEADER);
    return key != null ? key : header.apply(API_KEY_HEADER.replace('-', '_'));
  }

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

  /** A builder over {@code source}; at least one API key is required. */
  public static Builder builder(ConfigSource source) {
    return new Builder(source);
  }

  /** The resource types served, in the order given. */
  public List<ResourceType<?>> types() {
    return ctx.types;
  }

  /** Stops the internal executor (not one passed to the builder). Later requests answer 503. */
  @Override
  public void close() {
    if (ctx.ownsExecutor) {
      ctx.executor.shutdownNow();
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
    String origin = corsOrigin(request);
    if (origin != null && request.method().equalsIgnoreCase("OPTIONS")) {
      // a browser's preflight carries no key (it cannot send custom headers): it learns only what it may send
      Map<String, String> h = new java.util.LinkedHashMap<>();
      h.put("Access-Control-Allow-Origin", origin);
      h.put("Vary", "Origin");
      h.put("Access-Control-Allow-Methods", CORS_METHODS);
      h.put("Access-Control-Allow-Headers", "*");
      h.put("Access-Control-Max-Age", "3600");
      h.put("Content-Type", "text/plain");
      return new AdminResponse(200, h, new byte[0]);
    }
    AdminResponse r;
    try {
      r = dispatch(request, arrivedNanos);
    } catch (Problem p) {
      r = error(p);
    } catch (RuntimeException | StackOverflowError e) {
      LOG.error("dynconf admin: {} failed", request, e);
      r = error(new Problem(500, "internal error: " + e));
    }
    if (origin == null) {
      return r;
    }
    Map<String, String> h = new java.util.LinkedHashMap<>(r.headers());
    h.put("Access-Control-Allow-Origin", origin);
    h.put("Vary", "Origin");
    h.put("Access-Control-Expose-Headers", "*");
    h.put("Access-Control-Max-Age", "3600");
    return new AdminResponse(r.status(), h, r.body());
  }

  /**
   * The {@code Access-Control-Allow-Origin} to answer {@code request} with: its {@code Origin} when
   * CORS is on and the origin is allowed (echoed, never {@code *}, so a cache keyed by {@code Vary:
   * Origin} cannot hand one origin's answer to another), else null (no CORS headers: the browser
   * keeps the answer from the page).
   */
  private @Nullable String corsOrigin(AdminRequest request) {
    if (corsOrigins.isEmpty()) {
      return null;
    }
    String origin = request.header("Origin");
    if (origin == null || origin.isEmpty()) {
      return null;
    }
    return corsOrigins.contains("*") || corsOrigins.contains(origin) ? origin : null;
  }

  // ---------------------------------------------------------------- dispatch

  private AdminResponse dispatch(AdminRequest request, long arrivedNanos) {
    String path = request.path();
    if (!path.equals(pathPrefix) && !path.startsWith(pathPrefix + "/")) {
      throw new Problem(404, "not found: " + quote(path) + " is not under " + pathPrefix);
    }
    String method = request.method().toUpperCase(Locale.ROOT);
    if (method.equals("HEAD") && segments(path.substring(pathPrefix.length())).isEmpty()) {
      return HEAD_OK; // APISIX's liveness probe of the admin API: no key, no body
    }
    AdminRole role = auth.authenticate(request, method);
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
      if (segments.size() == 3 && segments.get(1).equals("validate") && method.equals("POST")) {
        return validations.schema(segments.get(2), request);
      }
      if (segments.size() == 3 && segments.get(1).equals("plugins") && method.equals("GET")) {
        return plugins.handle(method, segments.subList(1, 3), request.query()); // APISIX: schema/plugins/<name> is plugins/<name>
      }
      return reads.schema(method, segments);
    }
    if (resource.equals("configs") && segments.size() == 2 && segments.get(1).equals("validate") && !ctx.typesByPath.containsKey("configs")) {
      if (!method.equals("POST")) {
        throw new Problem(404, "not found: use POST " + pathPrefix + "/configs/validate");
      }
      return validations.configs(request);
    }
    if (resource.equals("plugins") && !ctx.typesByPath.containsKey("plugins")) {
      return plugins.handle(method, segments, request.query());
    }
    if (resource.equals("bulk")) {
      if (segments.size() > 1) {
        throw new Problem(404, "not found: " + quote(path));
      }
      if (!method.equals("POST")) {
        throw new Problem(405, "not supported `" + method + "` method for bulk; use POST", Map.of("Allow", "POST"), Map.of());
      }
      return bulk.bulk(request, Flags.of(request), arrivedNanos);
    }
    ResourceType<?> type = resource.indexOf('/') < 0 ? ctx.typesByPath.get(resource) : null;
    if (type == null) {
      throw new Problem(404, "Unsupported resource type: " + resource);
    }
    ctx.refuseIfDisabled(type, "");
    int n = type.idSegments();
    String id = null;
    String within = null; // a nested listing: the objects under one parent
    String nestedBase = null; // <parent>/<segment>/ of a nested type: consumers' jack/credentials/
    String parentKey = null;
    ResourceType<?> parentOfNested = null;
    List<String> sub = List.of();
    ResourceType<?> nested = segments.size() >= 3 ? ctx.nested(type, segments.get(2)) : null;
    if (nested != null) { // <type>/<parent>/<segment>[/<id>]: consumers/jack/credentials/a
      if (segments.size() > 4) {
        throw new Problem(404, "not found: " + quote(path));
      }
      ResourceType<?> parentType = type;
      type = nested;
      ctx.refuseIfDisabled(type, "");
      String parent = segments.get(1);
      parentKey = ctx.key(parentType, parent).toKey(); // validates the parent's id
      parentOfNested = parentType;
      nestedBase = parent + "/" + segments.get(2) + "/";
      if (segments.size() == 4) {
        id = parent + "/" + segments.get(2) + "/" + segments.get(3);
        ctx.key(type, id); // validates
      } else {
        within = ctx.prefix + "/" + type.path() + "/" + parent + "/" + segments.get(2) + "/";
      }
    } else if (segments.size() > 1) {
      if (segments.size() < 1 + n) {
        throw Problem.badRequest("invalid " + kind(type) + " id: expected " + n + " path segments after " + pathPrefix + "/" + type.path()
            + (n == 2 ? ", for example " + pathPrefix + "/" + type.path() + "/vault/1" : ""));
      }
      id = String.join("/", segments.subList(1, 1 + n));
      sub = segments.subList(1 + n, segments.size());
      ctx.key(type, id); // validates
    }
    Set<String> unsupported = APISIX_UNSUPPORTED.getOrDefault(type, Set.of());
    if (unsupported.contains(method)) {
      String allow = String.join(", ", METHODS.stream().filter(m -> !unsupported.contains(m)).sorted().toList());
      throw new Problem(405, "not supported `" + method + "` method for " + kind(type), Map.of("Allow", allow), Map.of());
    }
    if (!sub.isEmpty() && !method.equals("PATCH")) {
      throw new Problem(404, "not found: " + quote(path) + " (a sub-path is accepted by PATCH only)");
    }
    Flags flags = Flags.of(request);
    Conditions conditions = Conditions.of(request);
    Calls calls = new Calls(ctx.executor, ctx.requestTimeout, arrivedNanos, ctx.source.readsFromMemory());
    switch (method) {
      case "GET":
        boolean viewer = role == AdminRole.VIEWER; // a read-only key reads no credentials
        if (id == null && parentKey != null && parentOfNested != null) { // APISIX: the credentials of no consumer are a 404
          String pk = parentKey;
          if (calls.call("get " + pk, false, () -> ctx.source.get(pk)) == null) {
            throw notFound(parentOfNested, segments.get(1));
          }
        }
        return id == null ? reads.list(calls, type, request, viewer, within) : reads.getOne(calls, type, id, viewer);
      case "PUT":
        if (id == null && nestedBase != null) { // APISIX takes a credential's id from the body when the path has none
          String bodyId = Json.idText(ctx.bodyObject(request, type).get("id"));
          if (bodyId == null) {
            throw Problem.badRequest("missing " + kind(type) + " id: use PUT " + path + "/<id>, or give the id in the body");
          }
          id = nestedBase + bodyId;
          ctx.key(type, id); // validates
        }
        return Objects.requireNonNull(writes.put(calls, type, id, request, conditions, flags), "a PUT always answers");
      case "POST":
        if (id != null) {
          throw Problem.badRequest("wrong " + kind(type) + " id, do not need it: POST generates the id; use PUT " + pathPrefix + "/" + type.path() + "/" + id);
        }
        return writes.post(calls, type, request, flags);
      case "PATCH":
        if (id == null) {
          throw Problem.badRequest("missing " + kind(type) + " id");
        }
        return Objects.requireNonNull(writes.patch(calls, type, id, sub, request, conditions, flags), "a PATCH always answers");
      case "DELETE":
        if (id == null) {
          throw Problem.badRequest("missing " + kind(type) + " id");
        }
        return writes.delete(calls, type, id, conditions, flags);
      default:
        throw new IllegalStateException(method);
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

  // ---------------------------------------------------------------- builder

  /** Builds an {@link AdminApi}; every setter validates at once. */
  public static final class Builder {
    final ConfigSource source;
    List<ResourceType<?>> types = StandardTypes.all();
    String pathPrefix = DEFAULT_PATH_PREFIX;
    final List<Authenticator.ApiKey> keys = new ArrayList<>();
    Clock clock = Clock.systemUTC();
    Duration requestTimeout = Duration.ofSeconds(5);
    @Nullable ExecutorService executor;
    int maxTxnOps = 128;
    @Nullable PluginCatalog catalog;
    java.util.function.@Nullable LongSupplier unstampedTime;
    java.util.function.@Nullable Function<String, io.dynconf.core.spi.@Nullable KeyValue> nodeView;
    io.dynconf.core.@Nullable CheckedValues checkedValues;
    final Map<String, String> disabled = new java.util.HashMap<>();
    private boolean typesGiven;
    final Set<String> corsOrigins = new java.util.LinkedHashSet<>();

    private Builder(ConfigSource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /** The resource types served (default {@link StandardTypes#all()}). */
    public Builder types(List<? extends ResourceType<?>> types) {
      if (types.isEmpty()) {
        throw new IllegalArgumentException("the admin API needs at least one resource type");
      }
      this.types = List.copyOf(types);
      this.typesGiven = true;
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
      byte[] digest = Authenticator.sha256(key);
      for (Authenticator.ApiKey k : keys) {
        if (Arrays.equals(k.digest(), digest)) {
          throw new IllegalArgumentException("the same API key was given twice");
        }
      }
      keys.add(new Authenticator.ApiKey(digest, role));
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

    /**
     * The plugins the host runs: published by {@code GET <pathPrefix>/plugins/list}, {@code
     * plugins?all=true} and {@code plugins/<name>} (from {@link PluginCatalog#plugins()}), and
     * used to check plugin metadata (the plugin must exist and take metadata; the value must match
     * its metadata schema). When no {@link #types} were given, the types become {@link
     * StandardTypes#withPlugins StandardTypes.withPlugins(catalog)}, so plugin configurations are
     * checked by the same catalog.
     */
    public Builder plugins(PluginCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      if (!typesGiven) {
        this.types = StandardTypes.withPlugins(catalog);
      }
      return this;
    }

    /**
     * Where a PUT, POST or PATCH first reads the key it writes and the objects the new value
     * references: a node's own view of the source, such as {@link
     * io.dynconf.core.ConfigRegistry#appliedValue ConfigRegistry::appliedValue} of a registry on the
     * same source and prefix. The write then makes one source call, its transaction, which compares
     * the mod revision of every key it read, so a view that is behind (a change this node has not
     * applied yet, another node's write, a value the registry rejected) cannot make it wrong: the
     * compare fails and the write reads the source, as it does without a view. A referenced object
     * the view does not hold is read from the source at once; a PATCH always reads its own key from
     * the source (a change between its read and its write is a 409, which a view that is behind
     * would fake), and so do a request with a precondition ({@code If-Match}) and a dry run (no transaction to
     * compare); a check against a
     * whole directory (key-auth keys, global rules' plugins) lists it from the source. Saves two of three etcd calls on a route
     * PUT naming an upstream (one of three on a PATCH). Default: none (every read goes to the source).
     */
    public Builder nodeView(java.util.function.Function<String, io.dynconf.core.spi.@Nullable KeyValue> view) {
      this.nodeView = Objects.requireNonNull(view, "view");
      return this;
    }

    /**
     * Where each write hands the values it checked before writing them: {@link
     * io.dynconf.core.ConfigRegistry#checkedValues()} of a registry on the same source and prefix
     * with the same resource types, which then takes them instead of checking the same bytes again
     * when its watch delivers them (half of a write's validation work on this node). Default: none.
     */
    public Builder checkedValues(io.dynconf.core.CheckedValues values) {
      this.checkedValues = Objects.requireNonNull(values, "values");
      return this;
    }

    /**
     * Refuses every request to {@code type} (reads, writes, its nested types and bulk items) with a
     * 400 giving {@code reason}: for a type this server would store but not serve, as APISIX answers
     * "stream mode is disabled, can not add stream routes" to {@code /stream_routes} when its stream
     * proxy is off. A value stored anyway (through the source) is still checked and held by
     * registries as always.
     */
    public Builder disable(ResourceType<?> type, String reason) {
      Objects.requireNonNull(type, "type");
      if (reason.isBlank()) {
        throw new IllegalArgumentException("disabling " + type.name() + " needs a reason clients can read");
      }
      disabled.put(type.routeKey(), reason);
      return this;
    }

    /**
     * The {@code create_time} and {@code update_time} (epoch seconds) served for a stored object
     * that has none: objects loaded from a standalone file, where APISIX's file format has no such
     * fields. Every object served then has both (APISIX's Dashboard requires them), and a PUT or
     * PATCH of such an object keeps the {@code create_time} a GET showed. A host serving a file
     * passes the file's last-modified time, which is stable across restarts while the file is
     * unchanged (the example gateway should). Default: the clock's time when the API was built
     * (stable for the life of the process only).
     */
    public Builder unstampedTime(java.util.function.LongSupplier epochSeconds) {
      this.unstampedTime = Objects.requireNonNull(epochSeconds, "epochSeconds");
      return this;
    }

    /**
     * Answers browsers on {@code origins} with CORS headers, as APISIX's {@code enable_admin_cors}:
     * an {@code OPTIONS} preflight from an allowed origin answers 200 (no key needed: a preflight
     * carries none) with {@code Access-Control-Allow-Methods}, {@code -Allow-Headers: *} and {@code
     * -Max-Age: 3600}; every other answer to it carries {@code Access-Control-Allow-Origin} (the
     * origin, echoed), {@code Vary: Origin} and {@code Access-Control-Expose-Headers: *}. {@code *}
     * allows every origin. Unlike APISIX, no {@code Access-Control-Allow-Credentials}: the key
     * travels only in the {@code X-API-KEY} header, never a cookie, so a page must hold the key to
     * do anything. Default: off (no origin), because the admin API is usually not meant for pages of
     * another origin; APISIX's default is on, for any origin.
     *
     * @param origins such as {@code https://dashboard.example.com} (scheme, host, port as a browser
     *     sends them) or {@code *}
     */
    public Builder cors(java.util.Collection<String> origins) {
      for (String o : origins) {
        if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9.\\[\\]:-]+")) {
          throw new IllegalArgumentException("CORS origin \"" + o + "\" must be * or look like https://host[:port] (no path)");
        }
      }
      corsOrigins.clear();
      corsOrigins.addAll(origins);
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
