package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.netty.plugin.PluginContext;
import org.jspecify.annotations.Nullable;

/** How the rate and connection limits find a request's key, as APISIX's limit plugins do. */
final class Keys {
  private Keys() {}

  /**
   * {@code key_type: var}: the variable named {@code key}; {@code var_combination}: {@code key}
   * with each {@code $name} replaced by its variable (unset ones by nothing). When the variable is
   * unset, or no variable of a combination is, the key is the client's address ({@code
   * remote_addr}), as in APISIX.
   */
  static String resolve(String key, boolean combination, PluginContext ctx) {
    @Nullable String resolved;
    if (combination) {
      resolved = interpolate(key, ctx);
    } else {
      Object v = ctx.var(key);
      resolved = v == null ? null : v.toString();
    }
    if (resolved == null) {
      Object addr = ctx.var("remote_addr");
      return addr == null ? "" : addr.toString();
    }
    return resolved;
  }

  /** {@code template} with its {@code $name}s replaced; null when it names variables and none is set. */
  static @Nullable String interpolate(String template, PluginContext ctx) {
    StringBuilder out = new StringBuilder();
    int named = 0;
    int set = 0;
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '$') {
        int j = i + 1;
        while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
          j++;
        }
        named++;
        Object v = ctx.var(template.substring(i + 1, j));
        if (v != null) {
          set++;
          out.append(v);
        }
        i = j;
      } else {
        out.append(c);
        i++;
      }
    }
    return named > 0 && set == 0 ? null : out.toString();
  }
}
