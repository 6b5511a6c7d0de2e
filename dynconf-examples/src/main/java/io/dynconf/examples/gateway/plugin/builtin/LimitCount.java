package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.examples.gateway.plugin.Conf;
import io.dynconf.examples.gateway.plugin.GatewayPlugin;
import io.dynconf.examples.gateway.plugin.PluginContext;
import io.dynconf.examples.gateway.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code limit-count} with the {@code local} policy: at most {@code count} requests per
 * {@code time_window} seconds per key, in fixed windows; {@code key_type} {@code var} (default; the
 * variable named by {@code key}, default {@code remote_addr}; {@code consumer_name} counts per
 * authenticated consumer), {@code var_combination} ({@code
 * $a $b} interpolated) or {@code constant}; over the limit → {@code rejected_code} (default 503) and
 * {@code rejected_msg}. Sets {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset} on
 * the response. Counters live in this gateway (as APISIX's local policy: per node); each
 * configuration object has its own counters, so changing a route's limit starts afresh.
 */
public final class LimitCount implements GatewayPlugin<LimitCount.Config> {

  private final LongSupplier clockMillis;

  public LimitCount() {
    this(System::currentTimeMillis);
  }

  LimitCount(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  /** Compiled configuration with its own counters. */
  static final class Config {
    final long count;
    final long windowMillis;
    final String key;
    final String keyType;
    final int rejectedCode;
    final @Nullable String rejectedMsg;
    final Map<String, Window> windows = new ConcurrentHashMap<>();
    final AtomicLong lastSweep = new AtomicLong();

    Config(long count, long windowMillis, String key, String keyType, int rejectedCode, @Nullable String rejectedMsg) {
      this.count = count;
      this.windowMillis = windowMillis;
      this.key = key;
      this.keyType = keyType;
      this.rejectedCode = rejectedCode;
      this.rejectedMsg = rejectedMsg;
    }
  }

  record Window(long start, AtomicLong used) {}

  @Override
  public String name() {
    return "limit-count";
  }

  @Override
  public int priority() {
    return 1002;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = new Conf(config, Set.of("count", "time_window", "key", "key_type", "rejected_code", "rejected_msg", "policy",
        "show_limit_quota_header", "allow_degradation", "group", "_meta"));
    String policy = c.string("policy", "local");
    if (!policy.equals("local")) {
      throw new InvalidConfigException("/policy", "\"" + policy + "\" is not supported by this gateway (only \"local\")");
    }
    String keyType = c.string("key_type", "var");
    if (!Set.of("var", "var_combination", "constant").contains(keyType)) {
      throw new InvalidConfigException("/key_type", "expected var, var_combination or constant");
    }
    return new Config(c.requiredInteger("count", 1, Integer.MAX_VALUE), c.requiredInteger("time_window", 1, Integer.MAX_VALUE) * 1000,
        c.string("key", "remote_addr"), keyType, (int) c.integer("rejected_code", 503, 200, 599), c.string("rejected_msg"));
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    String key = switch (config.keyType) {
      case "constant" -> config.key;
      case "var_combination" -> interpolate(config.key, ctx);
      default -> {
        Object v = ctx.var(config.key);
        yield v == null ? "" : v.toString();
      }
    };
    long now = clockMillis.getAsLong();
    long start = now - Math.floorMod(now, config.windowMillis);
    Window w = config.windows.compute(key, (k, old) -> old != null && old.start() == start ? old : new Window(start, new AtomicLong()));
    long used = w.used().incrementAndGet();
    long remaining = Math.max(0, config.count - used);
    long reset = (start + config.windowMillis - now + 999) / 1000;
    ctx.responseHeaders().set("X-RateLimit-Limit", config.count);
    ctx.responseHeaders().set("X-RateLimit-Remaining", remaining);
    ctx.responseHeaders().set("X-RateLimit-Reset", reset);
    if (used > config.count) {
      byte[] body = config.rejectedMsg == null ? new byte[0]
          : ("{\"error_msg\":\"" + config.rejectedMsg.replace("\"", "\\\"") + "\"}\n").getBytes(StandardCharsets.UTF_8);
      return new PluginResponse(config.rejectedCode, config.rejectedMsg == null ? Map.of() : Map.of("Content-Type", "application/json"), body);
    }
    long last = config.lastSweep.get();
    if (now - last >= config.windowMillis && config.lastSweep.compareAndSet(last, now)) {
      config.windows.entrySet().removeIf(e -> e.getValue().start() != start); // stale keys, at most once a window
    }
    return null;
  }

  private static String interpolate(String template, PluginContext ctx) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '$') {
        int j = i + 1;
        while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
          j++;
        }
        Object v = ctx.var(template.substring(i + 1, j));
        out.append(v == null ? "" : v);
        i = j;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
