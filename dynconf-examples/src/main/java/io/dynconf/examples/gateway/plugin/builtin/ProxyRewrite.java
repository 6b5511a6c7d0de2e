package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.examples.gateway.plugin.Conf;
import io.dynconf.examples.gateway.plugin.GatewayPlugin;
import io.dynconf.examples.gateway.plugin.PluginContext;
import io.dynconf.examples.gateway.plugin.PluginResponse;
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
 * {@code uri} wins over {@code regex_uri}, as in APISIX. Runs in the rewrite phase.
 */
public final class ProxyRewrite implements GatewayPlugin<ProxyRewrite.Config> {

  record Config(@Nullable String uri, @Nullable Pattern regex, @Nullable String replacement, @Nullable String host,
      Conf.HeaderOps headers) {}

  @Override
  public String name() {
    return "proxy-rewrite";
  }

  @Override
  public int priority() {
    return 1008;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = new Conf(config, Set.of("uri", "regex_uri", "host", "headers", "use_real_request_uri_unsafe"));
    String uri = c.string("uri");
    if (uri != null && !uri.startsWith("/")) {
      throw new InvalidConfigException("/uri", "must start with /");
    }
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
      replacement = parts.get(1);
    }
    String host = c.string("host");
    return new Config(uri, regex, replacement, host, c.headers("headers"));
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    String query = ctx.request().query();
    String path = ctx.request().path();
    if (config.uri() != null) {
      ctx.uri(config.uri() + (query == null ? "" : (config.uri().contains("?") ? "&" : "?") + query));
    } else if (config.regex() != null) {
      Matcher m = config.regex().matcher(path);
      if (m.find()) {
        String rewritten = m.replaceFirst(config.replacement().replace("\\", "\\\\"));
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
