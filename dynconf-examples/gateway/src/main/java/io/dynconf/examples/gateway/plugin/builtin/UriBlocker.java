package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code uri-blocker} (priority 2900, rewrite phase): {@code block_rules} (required, unique
 * regular expressions, searched in the request's target as received — {@code $request_uri}, query
 * included), {@code rejected_code} (default 403), {@code rejected_msg} (answered as
 * {@code {"error_msg": ...}}; without it the body is empty), {@code case_insensitive} (default false).
 */
public final class UriBlocker implements GatewayPlugin<UriBlocker.Config> {

  record Config(Pattern rules, int code, @Nullable String message) {}

  @Override
  public String name() {
    return "uri-blocker";
  }

  private static final String SCHEMA = Schemas.load("uri-blocker");

  /** The schema {@link #configure} enforces (bundled as {@code schema/uri-blocker.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 2900;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("block_rules", "rejected_code", "rejected_msg", "case_insensitive", "_meta"), Set.of());
    if (c.raw("block_rules") == null) {
      throw new InvalidConfigException("/block_rules", "required");
    }
    List<String> rules = c.strings("block_rules");
    if (rules.isEmpty()) {
      // APISIX's schema allows [] but the concatenated empty regex then blocks every request; refuse it
      throw new InvalidConfigException("/block_rules", "at least one rule is required");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      String rule = rules.get(i);
      if (rule.isEmpty() || rule.length() > 4096) {
        throw new InvalidConfigException("/block_rules/" + i, "length must be between 1 and 4096");
      }
      if (!seen.add(rule)) {
        throw new InvalidConfigException("/block_rules/" + i, "expected unique items, \"" + rule + "\" repeats");
      }
      try {
        Pattern.compile(rule);
      } catch (PatternSyntaxException e) {
        throw new InvalidConfigException("/block_rules/" + i, "invalid regular expression: " + e.getDescription());
      }
    }
    int code = (int) c.integer("rejected_code", 403, 200, 599);
    String message = c.string("rejected_msg");
    if (message != null && message.isEmpty()) {
      throw new InvalidConfigException("/rejected_msg", "must not be empty");
    }
    boolean caseInsensitive = c.bool("case_insensitive", false);
    Pattern rule = Pattern.compile(String.join("|", rules), caseInsensitive ? Pattern.CASE_INSENSITIVE : 0);
    return new Config(rule, code, message);
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    if (!config.rules().matcher(ctx.request().request().uri()).find()) {
      return null;
    }
    if (config.message() == null) {
      return new PluginResponse(config.code(), Map.of(), new byte[0]);
    }
    String json = "{\"error_msg\":\"" + config.message().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n";
    return new PluginResponse(config.code(), Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
  }
}
