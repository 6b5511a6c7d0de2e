package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
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
 * configuration object has its own counters, so changing a route's limit starts afresh. At most
 * 100,000 keys are counted at once per configuration; beyond that some are forgotten (and start
 * afresh), as APISIX's shared dict evicts.
 */
public final class LimitCount implements GatewayPlugin<LimitCount.Config> {

  /** Keys counted at once per configuration, unless told otherwise. */
  static final int DEFAULT_MAX_KEYS = 100_000;

  private final LongSupplier clockMillis;
  private final int maxKeys;

  public LimitCount() {
    this(System::currentTimeMillis, DEFAULT_MAX_KEYS);
  }

  LimitCount(LongSupplier clockMillis, int maxKeys) {
    this.clockMillis = clockMillis;
    this.maxKeys = maxKeys;
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

  private static final String SCHEMA = Schemas.load("limit-count");

  /** The schema {@link #configure} enforces (bundled as {@code schema/limit-count.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 1002;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("count", "time_window", "key", "key_type", "rejected_code", "rejected_msg", "policy",
        "show_limit_quota_header", "allow_degradation", "group", "_meta"), Set.of("window_type", "rules", "sync_interval"));
    String policy = c.string("policy", "local");
    if (!policy.equals("local")) {
      throw new InvalidConfigException("/policy", "\"" + policy + "\" is not supported by this gateway (only \"local\")");
    }
    String keyType = c.string("key_type", "var");
    if (!Set.of("var", "var_combination", "constant").contains(keyType)) {
      throw new InvalidConfigException("/key_type", "expected var, var_combination or constant");
    }
    c.bool("show_limit_quota_header", true); // checked for their types, as APISIX's schema; the local policy needs neither
    c.bool("allow_degradation", false);
    String group = c.string("group");
    if (group != null && group.isEmpty()) {
      throw new InvalidConfigException("/group", "must not be empty");
    }
    return new Config(c.requiredInteger("count", 1, Integer.MAX_VALUE), c.requiredInteger("time_window", 1, Integer.MAX_VALUE) * 1000,
        c.string("key", "remote_addr"), keyType, (int) c.integer("rejected_code", 503, 200, 599), c.string("rejected_msg"));
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    String key = config.keyType.equals("constant") ? config.key : Keys.resolve(config.key, config.keyType.equals("var_combination"), ctx);
    long now = clockMillis.getAsLong();
    long start = now - Math.floorMod(now, config.windowMillis);
    long used = hit(config, key, now);
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
    return null;
  }

  /** Counts one request of {@code key} at {@code now}; returns the count in its window. */
  long hit(Config config, String key, long now) {
    long start = now - Math.floorMod(now, config.windowMillis);
    long last = config.lastSweep.get();
    if (now - last >= config.windowMillis && config.lastSweep.compareAndSet(last, now)) {
      config.windows.entrySet().removeIf(e -> e.getValue().start() != start); // stale keys, at most once a window
    }
    if (config.windows.size() >= maxKeys && !config.windows.containsKey(key)) {
      forgetSome(config, start);
    }
    Window w = config.windows.compute(key, (k, old) -> old != null && old.start() == start ? old : new Window(start, new AtomicLong()));
    return w.used().incrementAndGet();
  }

  /**
   * Bounds the memory a flood of distinct keys can take (APISIX's local policy lives in a shared
   * dict that evicts the least recently used): stale windows go first, then, if the current window
   * alone is full, a tenth of its keys, which start afresh if they come back.
   */
  private void forgetSome(Config config, long start) {
    config.windows.entrySet().removeIf(e -> e.getValue().start() != start);
    int excess = config.windows.size() - maxKeys + Math.max(1, maxKeys / 10);
    Iterator<String> it = config.windows.keySet().iterator();
    while (excess-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }
}
