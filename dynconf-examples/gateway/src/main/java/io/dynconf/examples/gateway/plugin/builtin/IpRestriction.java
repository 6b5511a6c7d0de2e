package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.match.VarsExpression;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code ip-restriction} (priority 3000, access phase): exactly one of {@code whitelist}
 * and {@code blacklist} (IPv4/IPv6 addresses and CIDR blocks, at least one), {@code message}
 * (default {@code Your IP address is not allowed}, 1 to 1024 characters), {@code response_code}
 * (403 or 404, default 403). A refused client gets {@code {"message": ...}}. Addresses are matched
 * on {@code remote_addr} with the {@code ipmatch} operator of {@link VarsExpression} (lua-resty-ipmatcher's
 * semantics).
 */
public final class IpRestriction implements GatewayPlugin<IpRestriction.Config> {

  record Config(VarsExpression matches, boolean whitelist, PluginResponse refusal) {}

  @Override
  public String name() {
    return "ip-restriction";
  }

  private static final String SCHEMA = Schemas.load("ip-restriction");

  /** The schema {@link #configure} enforces (bundled as {@code schema/ip-restriction.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 3000;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("whitelist", "blacklist", "message", "response_code", "_meta"), Set.of());
    boolean white = c.raw("whitelist") != null;
    boolean black = c.raw("blacklist") != null;
    if (white == black) {
      throw new InvalidConfigException(white ? "/blacklist" : "/whitelist",
          "exactly one of whitelist and blacklist is required" + (white ? ", not both" : ""));
    }
    String field = white ? "whitelist" : "blacklist";
    List<String> blocks = c.strings(field);
    if (blocks.isEmpty()) {
      throw new InvalidConfigException("/" + field, "expect array to have at least 1 items");
    }
    for (int i = 0; i < blocks.size(); i++) {
      try {
        VarsExpression.parse(List.of(List.of("remote_addr", "ipmatch", blocks.get(i))));
      } catch (InvalidConfigException e) {
        throw new InvalidConfigException("/" + field + "/" + i, "invalid ip address: " + blocks.get(i));
      }
    }
    String message = c.string("message", "Your IP address is not allowed");
    if (message.isEmpty() || message.length() > 1024) {
      throw new InvalidConfigException("/message", "length must be between 1 and 1024");
    }
    int code = (int) c.integer("response_code", 403, 403, 404);
    return new Config(VarsExpression.parse(List.of(List.of("remote_addr", "ipmatch", blocks))), white,
        PluginResponse.message(code, message));
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    Object addr = ctx.var("remote_addr");
    boolean listed = addr != null && config.matches().test(ctx::var);
    return listed == config.whitelist() ? null : config.refusal();
  }
}
