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
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code limit-req} with the {@code local} policy: a leaky bucket per key that drains
 * {@code rate} requests per second. A request that finds more than {@code burst} requests already
 * waiting in its bucket is refused with {@code rejected_code} (default 503) and, when set, {@code
 * {"error_msg": rejected_msg}}; one within the burst is delayed until the bucket would have
 * drained to it ({@code excess / rate} seconds, from 1 ms on), unless {@code nodelay} is true.
 * {@code key_type} {@code var} (the variable named by {@code key}) or {@code var_combination}
 * ({@code $a $b} interpolated); a key that resolves to nothing counts per {@code remote_addr}, as
 * APISIX does. Each configuration object has its own buckets (so a changed limit starts afresh);
 * at most 100,000 keys are kept per configuration, drained buckets first to go.
 */
public final class LimitReq implements GatewayPlugin<LimitReq.Config> {
  static final int DEFAULT_MAX_KEYS = 100_000;

  private final LongSupplier clockNanos;
  private final int maxKeys;

  public LimitReq() {
    this(System::nanoTime, DEFAULT_MAX_KEYS);
  }

  LimitReq(LongSupplier clockNanos, int maxKeys) {
    this.clockNanos = clockNanos;
    this.maxKeys = maxKeys;
  }

  /** A bucket: requests waiting in it (fractional), as of {@code atNanos}. */
  record Bucket(double excess, long atNanos) {}

  /** Compiled configuration with its own buckets. */
  static final class Config {
    final double rate;
    final double burst;
    final String key;
    final boolean combination;
    final int rejectedCode;
    final @Nullable String rejectedMsg;
    final boolean nodelay;
    final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    Config(double rate, double burst, String key, boolean combination, int rejectedCode, @Nullable String rejectedMsg, boolean nodelay) {
      this.rate = rate;
      this.burst = burst;
      this.key = key;
      this.combination = combination;
      this.rejectedCode = rejectedCode;
      this.rejectedMsg = rejectedMsg;
      this.nodelay = nodelay;
    }
  }

  @Override
  public String name() {
    return "limit-req";
  }

  private static final String SCHEMA = Schemas.load("limit-req");

  /** The schema {@link #configure} enforces (bundled as {@code schema/limit-req.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 1001;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("rate", "burst", "key", "key_type", "policy", "rejected_code", "rejected_msg", "nodelay",
        "allow_degradation", "_meta"), Set.of());
    String policy = c.string("policy", "local");
    if (!policy.equals("local")) {
      throw new InvalidConfigException("/policy", "\"" + policy + "\" is not supported by this gateway (only \"local\")");
    }
    String keyType = c.string("key_type", "var");
    if (!keyType.equals("var") && !keyType.equals("var_combination")) {
      throw new InvalidConfigException("/key_type", "expected var or var_combination");
    }
    double rate = number(c, "rate");
    if (!(rate > 0)) {
      throw new InvalidConfigException("/rate", "must be greater than 0");
    }
    double burst = number(c, "burst");
    if (!(burst >= 0)) {
      throw new InvalidConfigException("/burst", "must be at least 0");
    }
    String key = c.string("key");
    if (key == null) {
      throw new InvalidConfigException("/key", "is required");
    }
    String msg = c.string("rejected_msg");
    if (msg != null && msg.isEmpty()) {
      throw new InvalidConfigException("/rejected_msg", "must not be empty");
    }
    c.bool("allow_degradation", false); // checked for its type; the local policy cannot fail
    return new Config(rate, burst, key, keyType.equals("var_combination"), (int) c.integer("rejected_code", 503, 200, 599), msg,
        c.bool("nodelay", false));
  }

  private static double number(Conf c, String field) {
    Object v = c.raw(field);
    if (v == null) {
      throw new InvalidConfigException("/" + field, "is required");
    }
    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw new InvalidConfigException("/" + field, "expected a number");
    }
    return n.doubleValue();
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    String key = Keys.resolve(config.key, config.combination, ctx);
    double excess = incoming(config, key, clockNanos.getAsLong());
    if (excess < 0) {
      byte[] body = config.rejectedMsg == null ? new byte[0]
          : ("{\"error_msg\":\"" + config.rejectedMsg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n")
              .getBytes(StandardCharsets.UTF_8);
      return new PluginResponse(config.rejectedCode, config.rejectedMsg == null ? Map.of() : Map.of("Content-Type", "application/json"),
          body);
    }
    double delaySeconds = excess / config.rate;
    if (delaySeconds >= 0.001 && !config.nodelay) {
      ctx.delay((long) (delaySeconds * 1e9));
    }
    return null;
  }

  /**
   * Lets one request of {@code key} into its bucket at {@code now}: returns the requests waiting
   * ahead of it (0 when the bucket had drained), or -1 when more than {@code burst} are, in which
   * case the bucket is left as it was.
   */
  double incoming(Config config, String key, long now) {
    if (config.buckets.size() >= maxKeys && !config.buckets.containsKey(key)) {
      forgetSome(config, now);
    }
    double[] result = new double[1];
    config.buckets.compute(key, (k, old) -> {
      double excess = old == null ? 0 : Math.max(old.excess() - config.rate * Math.abs(now - old.atNanos()) / 1e9 + 1, 0);
      if (excess > config.burst) {
        result[0] = -1;
        return old;
      }
      result[0] = excess;
      return new Bucket(excess, now);
    });
    return result[0];
  }

  /** Drained buckets go first (a newcomer there starts at 0 anyway), then a tenth of the rest. */
  private void forgetSome(Config config, long now) {
    config.buckets.entrySet().removeIf(e -> e.getValue().excess() - config.rate * (now - e.getValue().atNanos()) / 1e9 <= 0);
    int excess = config.buckets.size() - maxKeys + Math.max(1, maxKeys / 10);
    Iterator<String> it = config.buckets.keySet().iterator();
    while (excess-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }
}
