package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.PluginMetadata;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.ResponseHead;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APISIX's {@code cors} (priority 4000): {@code allow_origins} (default {@code *}; {@code **} echoes
 * the request's {@code Origin}; several origins separated by {@code ,}), {@code allow_methods} and
 * {@code allow_headers} (default {@code *}; {@code **} allows every method, or echoes
 * {@code Access-Control-Request-Headers}), {@code expose_headers}, {@code max_age} (default 5),
 * {@code allow_credential} (default false; then no option may be {@code *}),
 * {@code allow_origins_by_regex} (replacing {@code allow_origins} when set), {@code timing_allow_origins}
 * and {@code timing_allow_origins_by_regex} ({@code Timing-Allow-Origin}). In the rewrite phase an
 * {@code OPTIONS} request is answered 200 with an empty body; in the header filter phase every
 * response (the upstream's or a plugin's) gets the CORS headers when the request's origin is allowed,
 * and {@code Vary: Origin} unless {@code allow_origins} is {@code *}.
 *
 * <p>Plugin metadata ({@code <prefix>/plugin_metadata/cors}, {@link #metadataSchema()}): {@code
 * allow_origins}, an object of named origin lists, each written as {@code allow_origins} is. A
 * route's {@code allow_origins_by_metadata} names entries of it; the origin is allowed (and echoed)
 * when one of them allows it, else, only when {@code allow_origins} is set to something other than
 * {@code *}, by {@code allow_origins_by_regex} if set or else {@code allow_origins} (APISIX's order).
 * The metadata is read from the registry's newest snapshot on each request that needs it (compiled
 * once per stored value), so a change takes effect on the next request without touching routes. No
 * metadata, or a name it does not hold, allows nothing by metadata (APISIX fails the request's
 * header filter with a Lua error on a name it does not hold). A request without {@code Origin} gets
 * no CORS headers from a route with {@code allow_origins_by_metadata}, as in APISIX.
 */
public final class Cors implements GatewayPlugin<Cors.Config> {
  private static final Pattern ORIGINS = Pattern.compile("^(\\*|\\*\\*|null|\\w+://[^,]+(,\\w+://[^,]+)*)$");
  private static final String ALL_METHODS = "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE";

  /** Allowed origins: one of a literal value, a set, or a regex (null when not configured). */
  record Origins(@Nullable String value, @Nullable Set<String> set, @Nullable Pattern regex) {
    /** The value for the header, or null when {@code origin} is not allowed (APISIX's match_origins too). */
    @Nullable String allow(@Nullable String origin) {
      String allowed;
      if (regex != null) {
        allowed = origin != null && regex.matcher(origin).find() ? origin : null;
      } else if (value == null) {
        return null;
      } else if ("**".equals(value)) {
        allowed = origin == null ? "*" : origin;
      } else if (set != null) {
        allowed = origin != null && set.contains(origin) ? origin : null;
      } else {
        allowed = value;
      }
      return allowed != null && (allowed.equals("*") || allowed.equals(origin)) ? allowed : null;
    }
  }

  /**
   * @param byMetadata the names of {@code allow_origins_by_metadata}, or null when not set
   * @param vary {@code allow_origins} is not {@code *}: {@code Vary: Origin}, and an origin the
   *     metadata does not allow may still be allowed by {@code origins}
   */
  record Config(Origins origins, boolean vary, String methods, String headers, @Nullable String expose, long maxAge,
      boolean credential, Origins timing, String @Nullable [] byMetadata) {}

  /** The cors metadata's {@code allow_origins} compiled, with the stored value it was compiled from. */
  private record CompiledMetadata(@Nullable PluginMetadata from, Map<String, Origins> origins) {}

  private static final Logger LOG = LoggerFactory.getLogger(Cors.class);
  private static final String METADATA_SCHEMA = Schemas.load("cors-metadata");
  private static final CompiledMetadata NO_METADATA = new CompiledMetadata(null, Map.of());

  private volatile @Nullable ConfigRegistry registry;
  private volatile CompiledMetadata metadata = NO_METADATA;

  @Override
  public String name() {
    return "cors";
  }

  private static final String SCHEMA = Schemas.load("cors");

  /** The schema {@link #configure} enforces (bundled as {@code schema/cors.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 4000;
  }

  /** APISIX's metadata schema of cors (bundled as {@code schema/cors-metadata.json}); {@link #checkMetadata} enforces it. */
  @Override
  public String metadataSchema() {
    return METADATA_SCHEMA;
  }

  @Override
  public void checkMetadata(Map<String, @Nullable Object> metadata) {
    compileMetadata(metadata);
  }

  /** {@code allow_origins} by name; fails naming {@code /allow_origins} or {@code /allow_origins/<name>}. */
  private static Map<String, Origins> compileMetadata(Map<String, @Nullable Object> metadata) {
    if (!metadata.containsKey("allow_origins")) {
      return Map.of();
    }
    if (!(metadata.get("allow_origins") instanceof Map<?, ?> named)) {
      throw new InvalidConfigException("/allow_origins", "an object of named origin lists is required");
    }
    Map<String, Origins> out = new HashMap<>();
    for (Map.Entry<?, ?> e : named.entrySet()) {
      String name = String.valueOf(e.getKey());
      String field = "/allow_origins/" + name.replace("~", "~0").replace("/", "~1");
      if (!(e.getValue() instanceof String value)) {
        throw new InvalidConfigException(field, "a string is required");
      }
      if (!validOrigins(value)) {
        throw new InvalidConfigException(field, "must be *, **, null or scheme://host[:port] origins separated by ','");
      }
      out.put(name, literal(value));
    }
    return Map.copyOf(out);
  }

  @Override
  public void init(PluginEnvironment environment) {
    ConfigRegistry r = environment.registry();
    boolean hasMetadata = r.types().stream().anyMatch(t -> t.name().equals(StandardTypes.PLUGIN_METADATA.name())
        && t.javaType() == PluginMetadata.class);
    registry = hasMetadata ? r : null;
  }

  /**
   * The current metadata's origins by name: the newest snapshot's item and the compiled form of its
   * value, without allocating; it is compiled again only when the stored value changed (a value the
   * registry let through that does not compile, because it was built without this plugin's check,
   * counts as no metadata).
   */
  private Map<String, Origins> metadataOrigins() {
    ConfigRegistry r = registry;
    if (r == null) {
      return NO_METADATA.origins();
    }
    ConfigItem<PluginMetadata> item = r.snapshot().store(StandardTypes.PLUGIN_METADATA).item(name());
    if (item == null) {
      return NO_METADATA.origins();
    }
    CompiledMetadata m = metadata;
    if (m.from() != item.value()) {
      Map<String, Origins> origins;
      try {
        origins = compileMetadata(item.value().metadata());
      } catch (InvalidConfigException e) {
        LOG.warn("plugin metadata of cors: {}: {} (no origins are allowed by metadata)", e.field(), e.reason());
        origins = Map.of();
      }
      m = new CompiledMetadata(item.value(), origins);
      metadata = m; // a race compiles the same value twice, harmlessly
    }
    return m.origins();
  }

  /** The request's origin when an entry of the metadata named in {@code names} allows it, else null (APISIX: only a present origin). */
  @Nullable String allowedByMetadata(String[] names, @Nullable String origin) {
    if (origin == null) {
      return null;
    }
    Map<String, Origins> byName = metadataOrigins();
    for (int i = 0; i < names.length; i++) {
      Origins o = byName.get(names[i]);
      if (o != null && o.allow(origin) != null) {
        return origin;
      }
    }
    return null;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("allow_origins", "allow_methods", "allow_headers", "expose_headers", "max_age",
        "allow_credential", "allow_origins_by_regex", "allow_origins_by_metadata", "timing_allow_origins",
        "timing_allow_origins_by_regex", "_meta"), Set.of());
    String origins = origins(c, "allow_origins", "*");
    String methods = c.string("allow_methods", "*");
    String headers = c.string("allow_headers", "*");
    String expose = c.string("expose_headers");
    long maxAge = c.integer("max_age", 5, Integer.MIN_VALUE, Integer.MAX_VALUE);
    boolean credential = c.bool("allow_credential", false);
    String timing = origins(c, "timing_allow_origins", null);
    if (credential) {
      for (String field : List.of("allow_origins", "allow_methods", "allow_headers", "expose_headers", "timing_allow_origins")) {
        String v = field.equals("allow_origins") ? origins : field.equals("allow_methods") ? methods
            : field.equals("allow_headers") ? headers : field.equals("expose_headers") ? expose : timing;
        if ("*".equals(v)) {
          throw new InvalidConfigException("/" + field, "you can not set '*' for other option when 'allow_credential' is true");
        }
      }
    }
    Pattern regex = regexes(c, "allow_origins_by_regex");
    Pattern timingRegex = regexes(c, "timing_allow_origins_by_regex");
    List<String> byMetadata = names(c, "allow_origins_by_metadata");
    return new Config(regex != null ? new Origins(null, null, regex) : literal(origins), !"*".equals(origins),
        methods.equals("**") ? ALL_METHODS : methods, headers, expose, maxAge, credential,
        timingRegex != null ? new Origins(null, null, timingRegex) : literal(timing),
        byMetadata == null ? null : byMetadata.toArray(String[]::new));
  }

  /** APISIX's {@code allow_origins} rule, as its schema's pattern reads it (a search with anchors). */
  private static boolean validOrigins(String v) {
    return ORIGINS.matcher(v).find();
  }

  private static @Nullable String origins(Conf c, String field, @Nullable String fallback) {
    String v = c.string(field);
    if (v == null) {
      return fallback;
    }
    if (!validOrigins(v)) {
      throw new InvalidConfigException("/" + field, "must be *, **, null or scheme://host[:port] origins separated by ','");
    }
    return v;
  }

  private static Origins literal(@Nullable String value) {
    return new Origins(value, value != null && value.contains(",") ? Set.of(value.split(",")) : null, null);
  }

  /** A non-empty array of unique strings of 1 to 4096 characters, or null when the field is not set. */
  private static @Nullable List<String> names(Conf c, String field) {
    if (c.raw(field) == null) {
      return null;
    }
    List<String> items = c.strings(field);
    if (items.isEmpty()) {
      throw new InvalidConfigException("/" + field, "expect array to have at least 1 items");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i);
      if (item.isEmpty() || item.length() > 4096) {
        throw new InvalidConfigException("/" + field + "/" + i, "length must be between 1 and 4096");
      }
      if (!seen.add(item)) {
        throw new InvalidConfigException("/" + field + "/" + i, "expected unique items, \"" + item + "\" repeats");
      }
    }
    return items;
  }

  private static @Nullable Pattern regexes(Conf c, String field) {
    List<String> rules = names(c, field);
    if (rules == null) {
      return null;
    }
    for (int i = 0; i < rules.size(); i++) {
      String rule = rules.get(i);
      try {
        Pattern.compile(rule);
      } catch (PatternSyntaxException e) {
        throw new InvalidConfigException("/" + field + "/" + i, "invalid regular expression: " + e.getDescription());
      }
    }
    return Pattern.compile(String.join("|", rules));
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    if (ctx.request().method().equals("OPTIONS")) {
      return new PluginResponse(200, Map.of(), new byte[0]);
    }
    return null;
  }

  @Override
  public void headerFilter(Config config, PluginContext ctx, ResponseHead head) {
    String origin = ctx.request().request().headers().get("Origin");
    String allowed;
    String[] byMetadata = config.byMetadata();
    if (byMetadata == null) {
      allowed = config.origins().allow(origin);
    } else {
      allowed = allowedByMetadata(byMetadata, origin);
      if (allowed == null && origin != null && config.vary()) { // allow_origins set, and not to *
        allowed = config.origins().allow(origin);
      }
    }
    if (config.vary()) {
      head.headers().add("Vary", "Origin");
    }
    if (allowed != null) {
      head.headers().set("Access-Control-Allow-Origin", allowed);
      head.headers().set("Access-Control-Allow-Methods", config.methods());
      head.headers().set("Access-Control-Max-Age", String.valueOf(config.maxAge()));
      if (config.expose() != null && !config.expose().isEmpty()) {
        head.headers().set("Access-Control-Expose-Headers", config.expose());
      }
      if (config.headers().equals("**")) {
        String requested = ctx.request().request().headers().get("Access-Control-Request-Headers");
        if (requested != null) {
          head.headers().set("Access-Control-Allow-Headers", requested);
        } else {
          head.headers().remove("Access-Control-Allow-Headers");
        }
      } else {
        head.headers().set("Access-Control-Allow-Headers", config.headers());
      }
      if (config.credential()) {
        head.headers().set("Access-Control-Allow-Credentials", "true");
      }
    }
    String timing = config.timing().allow(origin);
    if (timing != null) {
      head.headers().set("Timing-Allow-Origin", timing);
    }
  }
}
