package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code referer-restriction} (priority 2990, access phase): exactly one of {@code
 * whitelist} and {@code blacklist} (at least one host each: a name, {@code *.example.com} matching
 * any name ending in {@code .example.com}, or {@code *} matching every host), {@code bypass_missing}
 * (default false: a request without a usable {@code Referer} is refused), {@code message} (default
 * {@code Your referer host is not allowed}, 1 to 1024 characters). A refused request gets 403
 * {@code {"message": ...}}.
 *
 * <p>The host is taken from the {@code Referer} as APISIX's {@code http.parse_uri} takes it: an
 * {@code http:}, {@code https:} or scheme-less {@code //} reference, the host up to the port, path
 * or query; a bracketed IPv6 literal keeps its brackets ({@code [::1]}). Anything else (another
 * scheme, no {@code //}, an empty host) counts as missing. Two deliberate differences from APISIX,
 * both closing a blacklist bypass: userinfo is dropped ({@code http://x@evil.com} is {@code
 * evil.com}, where APISIX compares {@code x@evil.com}), and hosts compare case-insensitively (APISIX
 * compares them as written, so {@code EVIL.com} passes a blacklist of {@code evil.com}).
 */
public final class RefererRestriction implements GatewayPlugin<RefererRestriction.Config> {
  /** APISIX's {@code host_def}. */
  private static final Pattern HOST = Pattern.compile("^\\*$|^\\*?[0-9a-zA-Z._\\[\\]:-]+$");
  /** scheme (optional, lower case as lua-resty-http's), {@code //}, authority up to the path, query or fragment. */
  private static final Pattern REFERER = Pattern.compile("^(?:https?:)?//([^/?#]*)");
  private static final Pattern PORT = Pattern.compile(":\\d*$");

  /** Hosts as a set of exact names and a list of suffixes (of {@code *.x}: {@code .x}; of {@code *}: empty). */
  record Config(Set<String> exact, List<String> suffixes, boolean whitelist, boolean bypassMissing, PluginResponse refusal) {
    boolean listed(String host) {
      if (exact.contains(host)) {
        return true;
      }
      for (String s : suffixes) {
        if (host.endsWith(s)) {
          return true;
        }
      }
      return false;
    }
  }

  private static final String SCHEMA = Schemas.load("referer-restriction");

  @Override
  public String name() {
    return "referer-restriction";
  }

  /** The schema {@link #configure} enforces (bundled as {@code schema/referer-restriction.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 2990;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("whitelist", "blacklist", "bypass_missing", "message", "_meta"), Set.of());
    boolean white = c.has("whitelist");
    boolean black = c.has("blacklist");
    if (white == black) {
      throw new InvalidConfigException(white ? "/blacklist" : "/whitelist",
          "exactly one of whitelist and blacklist is required" + (white ? ", not both" : ""));
    }
    String field = white ? "whitelist" : "blacklist";
    if (!(c.raw(field) instanceof List<?>)) {
      throw new InvalidConfigException("/" + field, "an array of hosts is required");
    }
    List<String> hosts = c.strings(field);
    if (hosts.isEmpty()) {
      throw new InvalidConfigException("/" + field, "at least one host is required");
    }
    Set<String> exact = new HashSet<>();
    List<String> suffixes = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      String h = hosts.get(i);
      if (!HOST.matcher(h).matches()) {
        throw new InvalidConfigException("/" + field + "/" + i,
            "not a host: \"" + h + "\" (letters, digits, '-', '.', '_', '[', ']', ':', optionally after a leading '*'; or '*')");
      }
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("*")) {
        suffixes.add(lower.substring(1));
      } else {
        exact.add(lower);
      }
    }
    String message = c.string("message", "Your referer host is not allowed");
    if (message.isEmpty() || message.codePointCount(0, message.length()) > 1024) {
      throw new InvalidConfigException("/message", "length must be between 1 and 1024");
    }
    return new Config(Set.copyOf(exact), List.copyOf(suffixes), white, c.bool("bypass_missing", false),
        PluginResponse.message(403, message));
  }

  /** The host of a {@code Referer} value, lower case, or null when there is none or it is malformed. */
  static @Nullable String host(@Nullable String referer) {
    if (referer == null) {
      return null;
    }
    Matcher m = REFERER.matcher(referer);
    if (!m.find()) {
      return null;
    }
    String authority = m.group(1);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1); // userinfo is not the host
    }
    String host;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 2) {
        return null;
      }
      host = authority.substring(0, close + 1);
    } else {
      host = PORT.matcher(authority).replaceFirst("");
      if (host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
        return null;
      }
    }
    return host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    String host = host(ctx.request().request().headers().get("Referer"));
    boolean block;
    if (host == null) {
      block = !config.bypassMissing();
    } else {
      block = config.listed(host) != config.whitelist();
    }
    return block ? config.refusal() : null;
  }
}
