package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.ResponseHead;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

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
 * {@code allow_origins_by_metadata} is refused: this gateway has no plugin metadata.
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

  record Config(Origins origins, boolean vary, String methods, String headers, @Nullable String expose, long maxAge,
      boolean credential, Origins timing) {}

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

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = new Conf(config, Set.of("allow_origins", "allow_methods", "allow_headers", "expose_headers", "max_age",
        "allow_credential", "allow_origins_by_regex", "allow_origins_by_metadata", "timing_allow_origins",
        "timing_allow_origins_by_regex", "_meta"));
    if (c.has("allow_origins_by_metadata")) {
      throw new InvalidConfigException("/allow_origins_by_metadata", "not supported: this gateway has no plugin metadata");
    }
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
    return new Config(regex != null ? new Origins(null, null, regex) : literal(origins), !"*".equals(origins),
        methods.equals("**") ? ALL_METHODS : methods, headers, expose, maxAge, credential,
        timingRegex != null ? new Origins(null, null, timingRegex) : literal(timing));
  }

  private static @Nullable String origins(Conf c, String field, @Nullable String fallback) {
    String v = c.string(field);
    if (v == null) {
      return fallback;
    }
    if (!ORIGINS.matcher(v).matches()) {
      throw new InvalidConfigException("/" + field, "must be *, **, null or scheme://host[:port] origins separated by ','");
    }
    return v;
  }

  private static Origins literal(@Nullable String value) {
    return new Origins(value, value != null && value.contains(",") ? Set.of(value.split(",")) : null, null);
  }

  private static @Nullable Pattern regexes(Conf c, String field) {
    if (c.raw(field) == null) {
      return null;
    }
    List<String> rules = c.strings(field);
    if (rules.isEmpty()) {
      throw new InvalidConfigException("/" + field, "expect array to have at least 1 items");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      String rule = rules.get(i);
      if (rule.isEmpty() || rule.length() > 4096) {
        throw new InvalidConfigException("/" + field + "/" + i, "length must be between 1 and 4096");
      }
      if (!seen.add(rule)) {
        throw new InvalidConfigException("/" + field + "/" + i, "expected unique items, \"" + rule + "\" repeats");
      }
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
    String allowed = config.origins().allow(origin);
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
