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
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code real-ip} (priority 23000, rewrite phase): {@code source} (required, a variable
 * such as {@code http_x_forwarded_for}, {@code http_x_real_ip} or {@code arg_realip}),
 * {@code trusted_addresses} (IPv4/IPv6 addresses and CIDR blocks, at least one; when set, only a
 * client connecting from one of them may name its real address) and {@code recursive} (default
 * false). The address found (an IP, optionally with a port: {@code 1.2.3.4:80}, {@code [::1]:80})
 * becomes the client's address for the plugins after it ({@code remote_addr}, so ip-restriction sees
 * it) and for {@code X-Real-IP} and {@code X-Forwarded-For} upstream; a missing or bad address
 * (not an IP, port outside 1 to 65535) changes nothing.
 *
 * <p>{@code http_x_forwarded_for} is read as APISIX reads it: the last {@code X-Forwarded-For}
 * header; its last address, or with {@code recursive} and {@code trusted_addresses} the rightmost
 * address that is not trusted (the leftmost when all are). Other sources are the variable's value
 * (the first value of a repeated query argument or header, as nginx's variables).
 *
 * <p>Differences: the port found is not kept ({@code remote_port} stays the connection's: the plugin
 * SPI sets an address only), and no {@code realip_remote_addr} variable is offered.
 */
public final class RealIp implements GatewayPlugin<RealIp.Config> {
  private static final Pattern XFF_SPLIT = Pattern.compile(",\\s*");
  /** Every IPv4 and IPv6 address: ipmatch against it tells whether a string is an address. */
  private static final VarsExpression ANY_ADDRESS = VarsExpression.parse(List.of(List.of("a", "ipmatch", List.of("0.0.0.0/0", "::/0"))));

  record Config(String source, @Nullable VarsExpression trusted, boolean recursive) {}

  @Override
  public String name() {
    return "real-ip";
  }

  private static final String SCHEMA = Schemas.load("real-ip");

  /** The schema {@link #configure} enforces (bundled as {@code schema/real-ip.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 23000;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("source", "trusted_addresses", "recursive", "_meta"), Set.of());
    String source = c.string("source");
    if (source == null) {
      throw new InvalidConfigException("/source", "required");
    }
    if (source.isEmpty()) {
      throw new InvalidConfigException("/source", "string too short, expected at least 1, got 0");
    }
    VarsExpression trusted = null;
    if (c.raw("trusted_addresses") != null) {
      List<String> blocks = c.strings("trusted_addresses");
      if (blocks.isEmpty()) {
        throw new InvalidConfigException("/trusted_addresses", "expect array to have at least 1 items");
      }
      for (int i = 0; i < blocks.size(); i++) {
        try {
          VarsExpression.parse(List.of(List.of("a", "ipmatch", blocks.get(i))));
        } catch (InvalidConfigException e) {
          throw new InvalidConfigException("/trusted_addresses/" + i, "invalid ip address: " + blocks.get(i));
        }
      }
      trusted = VarsExpression.parse(List.of(List.of("a", "ipmatch", blocks)));
    }
    return new Config(source, trusted, c.bool("recursive", false));
  }

  private static boolean matches(VarsExpression set, @Nullable String address) {
    return address != null && set.test(name -> address);
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    VarsExpression trusted = config.trusted();
    if (trusted != null && !matches(trusted, ctx.clientAddress())) {
      return null;
    }
    String addr = address(config, ctx);
    if (addr == null) {
      return null;
    }
    String ip = host(addr);
    if (ip == null || !matches(ANY_ADDRESS, ip)) {
      return null;
    }
    if (ip.startsWith("[")) {
      ip = ip.substring(1, ip.length() - 1);
    }
    ctx.clientAddress(ip);
    return null;
  }

  private static @Nullable String address(Config config, PluginContext ctx) {
    if (config.source().equals("http_x_forwarded_for")) {
      List<String> all = ctx.request().request().headers().getAll("X-Forwarded-For");
      if (all.isEmpty()) {
        return null;
      }
      String addrs = all.get(all.size() - 1);
      int comma = addrs.lastIndexOf(',');
      if (comma < 0) {
        return addrs;
      }
      VarsExpression trusted = config.trusted();
      if (config.recursive() && trusted != null) {
        String[] split = XFF_SPLIT.split(addrs, -1);
        for (int i = split.length - 1; i >= 1; i--) {
          if (!matches(trusted, split[i])) {
            return split[i];
          }
        }
        return split[0];
      }
      int start = comma + 1;
      while (start < addrs.length() && addrs.charAt(start) == ' ') {
        start++;
      }
      return addrs.substring(start);
    }
    Object v = ctx.var(config.source());
    if (v instanceof List<?> l) {
      v = l.isEmpty() ? null : l.get(0);
    }
    return v == null ? null : v.toString();
  }

  /**
   * APISIX's {@code core.utils.parse_addr} followed by real-ip's port check: the host part, or null
   * when a port is present and outside 1 to 65535. A non-numeric port is no port, as in Lua.
   */
  static @Nullable String host(String addr) {
    if (addr.isEmpty()) {
      return null;
    }
    String host;
    String port = null;
    if (addr.charAt(0) == '[') {
      if (addr.charAt(addr.length() - 1) == ']') {
        return addr;
      }
      int pos = addr.lastIndexOf(':', addr.length() - 2);
      if (pos < 1 || addr.charAt(pos - 1) != ']') {
        return addr; // malformed: not an address, refused by the caller
      }
      host = addr.substring(0, pos);
      port = addr.substring(pos + 1);
    } else {
      int colons = 0;
      for (int i = 0; i < addr.length(); i++) {
        char ch = addr.charAt(i);
        if (ch == '.') {
          break;
        }
        if (ch == ':' && ++colons == 2) {
          return addr; // IPv6 without brackets and without port
        }
      }
      int pos = addr.length() < 2 ? -1 : addr.lastIndexOf(':', addr.length() - 2);
      if (pos < 0) {
        return addr;
      }
      host = addr.substring(0, pos);
      port = addr.substring(pos + 1);
    }
    Double p = luaToNumber(port);
    if (p != null && (p < 1 || p > 65535)) {
      return null;
    }
    return host;
  }

  /** Enough of Lua's {@code tonumber} for a port: decimal digits (with an optional fraction), else null. */
  private static @Nullable Double luaToNumber(String s) {
    String t = s.strip();
    if (t.isEmpty() || !t.matches("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?")) {
      return null;
    }
    return Double.parseDouble(t);
  }
}
