package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code proxy-rewrite}: {@code uri} (the new path, the query kept), {@code regex_uri}
 * ({@code [regex, replacement]} on the path, {@code $1}.. for groups; when the regex does not match
 * the path is kept), {@code host}, {@code headers} ({@code {set, add, remove}} or a map to set).
 * {@code uri} wins over {@code regex_uri}, as in APISIX; {@code use_real_request_uri_unsafe} forwards
 * the client's request target as sent, ignoring both. Runs in the rewrite phase.
 */
public final class ProxyRewrite implements GatewayPlugin<ProxyRewrite.Config> {

  record Config(@Nullable String uri, @Nullable Pattern regex, @Nullable String replacement, @Nullable String host,
      Conf.HeaderOps headers, boolean clientTarget) {}

  @Override
  public String name() {
    return "proxy-rewrite";
  }

  private static final String SCHEMA = Schemas.load("proxy-rewrite");
  private static final Pattern HOST = Pattern.compile("^[0-9a-zA-Z-.]+(:\\d{1,5})?$");

  /** The schema {@link #configure} enforces (bundled as {@code schema/proxy-rewrite.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 1008;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("uri", "regex_uri", "host", "headers", "use_real_request_uri_unsafe", "_meta"), Set.of("method"));
    if (config.isEmpty()) {
      throw new InvalidConfigException("", "at least one of uri, regex_uri, host, headers is required");
    }
    String uri = c.string("uri");
    if (uri != null && (!uri.startsWith("/") || uri.length() > 4096)) {
      throw new InvalidConfigException("/uri", "must start with / and be at most 4096 characters");
    }
    boolean clientTarget = c.bool("use_real_request_uri_unsafe", false);
    Pattern regex = null;
    String replacement = null;
    if (c.has("regex_uri")) {
      var parts = c.strings("regex_uri");
      if (parts.size() != 2) {
        throw new InvalidConfigException("/regex_uri", "expected [regex, replacement]");
      }
      try {
        regex = Pattern.compile(parts.get(0));
      } catch (PatternSyntaxException e) {
        throw new InvalidConfigException("/regex_uri/0", "invalid regular expression: " + e.getDescription());
      }
      replacement = javaReplacement(parts.get(1), regex.matcher("").groupCount());
    }
    String host = c.string("host");
    if (host != null && !HOST.matcher(host).matches()) {
      throw new InvalidConfigException("/host", "must be a host name or address of [0-9a-zA-Z-.], with an optional :port");
    }
    return new Config(uri, regex, replacement, host, c.headers("headers"), clientTarget);
  }

  /**
   * APISIX's replacement ({@code $1}, {@code ${1}}, {@code $0}, {@code $$}) as a {@link Matcher} replacement,
   * checked now: a reference to a group the regex does not have, or a lone {@code $}, is refused
   * here instead of failing every request.
   */
  static String javaReplacement(String apisix, int groups) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < apisix.length(); i++) {
      char c = apisix.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '$' && i + 1 < apisix.length() && apisix.charAt(i + 1) == '$') {
        out.append("\\$"); // $$: a literal dollar sign, as in nginx
        i++;
      } else if (c == '$') {
        int j = i + 1;
        boolean braced = j < apisix.length() && apisix.charAt(j) == '{';
        if (braced) {
          j++;
        }
        int start = j;
        while (j < apisix.length() && Character.isDigit(apisix.charAt(j))) {
          j++;
        }
        if (j == start || (braced && (j >= apisix.length() || apisix.charAt(j) != '}'))) {
          throw new InvalidConfigException("/regex_uri/1", "\"$\" must be followed by a group number ($1 or ${1}); write \"$$\" for a dollar sign");
        }
        int group = Integer.parseInt(apisix.substring(start, j));
        if (group > groups) {
          throw new InvalidConfigException("/regex_uri/1", "group $" + group + " does not exist (the regex has " + groups + ")");
        }
        out.append('$').append(group);
        i = braced ? j : j - 1;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    String query = ctx.request().query();
    String path = ctx.request().path();
    if (config.clientTarget()) {
      // APISIX's use_real_request_uri_unsafe: the client's request target as sent, uri and regex_uri ignored
    } else if (config.uri() != null) {
      ctx.uri(config.uri() + (query == null ? "" : (config.uri().contains("?") ? "&" : "?") + query));
    } else if (config.regex() != null) {
      Matcher m = config.regex().matcher(path);
      if (m.find()) {
        // the path is decoded ($uri): encoded again, it cannot end the request line or start a query
        String rewritten = io.dynconf.radix.RequestTarget.encodePath(m.replaceFirst(config.replacement()));
        ctx.uri(rewritten + (query == null ? "" : "?" + query));
      }
    }
    if (config.host() != null) {
      ctx.host(config.host());
    }
    config.headers().apply(ctx.upstreamHeaders());
    return null;
  }
}
