package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code limit-conn} with the {@code local} policy: at most {@code conn} requests of one
 * key in progress at once, plus {@code burst} more that are delayed ({@code default_conn_delay}
 * seconds for each multiple of {@code conn} they are past it); beyond that the request is refused
 * with {@code rejected_code} (default 503) and, when set, {@code {"error_msg": rejected_msg}}. A
 * request counts from its access phase to its end (the log phase, also when the client goes
 * away). Keys as {@code limit-req}. Counters exist only while requests are in progress, so their
 * number is bounded by the connections the gateway admits.
 *
 * <p>Left out, with a clear refusal: {@code conn}/{@code burst} given as variables (strings) and
 * {@code rules} (APISIX 3.15+). {@code only_use_default_delay} is accepted; the delay is always
 * based on {@code default_conn_delay}, which is what APISIX's per-request limiter objects end up
 * doing too.
 */
public final class LimitConn implements GatewayPlugin<LimitConn.Config> {

  private static final AtomicLong IDS = new AtomicLong();

  /** Compiled configuration with its own counters. */
  static final class Config {
    final long conn;
    final long burst;
    final double delaySeconds;
    final String key;
    final boolean combination;
    final int rejectedCode;
    final @Nullable String rejectedMsg;
    final Map<String, AtomicInteger> inProgress = new ConcurrentHashMap<>();
    /** Where a request keeps its key between access and log: unique per configuration object. */
    final String stateKey = "limit-conn#" + IDS.incrementAndGet();

    Config(long conn, long burst, double delaySeconds, String key, boolean combination, int rejectedCode, @Nullable String rejectedMsg) {
      this.conn = conn;
      this.burst = burst;
      this.delaySeconds = delaySeconds;
      this.key = key;
      this.combination = combination;
      this.rejectedCode = rejectedCode;
      this.rejectedMsg = rejectedMsg;
    }
  }

  @Override
  public String name() {
    return "limit-conn";
  }

  private static final String SCHEMA = Schemas.load("limit-conn");

  /** The schema {@link #configure} enforces (bundled as {@code schema/limit-conn.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 1003;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("conn", "burst", "default_conn_delay", "only_use_default_delay", "key", "key_type", "policy",
        "rejected_code", "rejected_msg", "allow_degradation", "rules", "_meta"), Set.of());
    String policy = c.string("policy", "local");
    if (!policy.equals("local")) {
      throw new InvalidConfigException("/policy", "\"" + policy + "\" is not supported by this gateway (only \"local\")");
    }
    if (c.has("rules")) {
      throw new InvalidConfigException("/rules", "not supported by this gateway's limit-conn (use conn, burst and key)");
    }
    for (String f : new String[] {"conn", "burst"}) {
      if (c.raw(f) instanceof String) {
        throw new InvalidConfigException("/" + f, "a variable here is not supported by this gateway's limit-conn (use an integer)");
      }
    }
    String keyType = c.string("key_type", "var");
    if (!keyType.equals("var") && !keyType.equals("var_combination")) {
      throw new InvalidConfigException("/key_type", "expected var or var_combination");
    }
    Object delay = c.raw("default_conn_delay");
    if (delay == null) {
      throw new InvalidConfigException("/default_conn_delay", "is required");
    }
    if (!(delay instanceof Number d) || !(d.doubleValue() > 0) || !Double.isFinite(d.doubleValue())) {
      throw new InvalidConfigException("/default_conn_delay", "expected a number greater than 0");
    }
    String key = c.string("key");
    if (key == null) {
      throw new InvalidConfigException("/key", "is required");
    }
    String msg = c.string("rejected_msg");
    if (msg != null && msg.isEmpty()) {
      throw new InvalidConfigException("/rejected_msg", "must not be empty");
    }
    c.bool("only_use_default_delay", false);
    c.bool("allow_degradation", false);
    return new Config(c.requiredInteger("conn", 1, Integer.MAX_VALUE), c.requiredInteger("burst", 0, Integer.MAX_VALUE),
        ((Number) delay).doubleValue(), key, keyType.equals("var_combination"), (int) c.integer("rejected_code", 503, 200, 599), msg);
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    String key = Keys.resolve(config.key, config.combination, ctx);
    int[] place = new int[1];
    config.inProgress.compute(key, (k, old) -> {
      AtomicInteger n = old == null ? new AtomicInteger() : old;
      place[0] = n.incrementAndGet(); // this request's place, under the map's lock for the key
      return n;
    });
    int conn = place[0];
    if (conn > config.conn + config.burst) {
      leave(config, key);
      byte[] body = config.rejectedMsg == null ? new byte[0]
          : ("{\"error_msg\":\"" + config.rejectedMsg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n")
              .getBytes(StandardCharsets.UTF_8);
      return new PluginResponse(config.rejectedCode, config.rejectedMsg == null ? Map.of() : Map.of("Content-Type", "application/json"),
          body);
    }
    ctx.state().put(config.stateKey, key);
    if (conn > config.conn) {
      long multiples = (conn - 1) / config.conn;
      ctx.delay((long) (config.delaySeconds * multiples * 1e9));
    }
    return null;
  }

  @Override
  public void log(Config config, PluginContext ctx, int status, long nanos) {
    Object key = ctx.state().remove(config.stateKey);
    if (key instanceof String k) {
      leave(config, k);
    }
  }

  private static void leave(Config config, String key) {
    config.inProgress.computeIfPresent(key, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** Keys counted now (for tests and operators). */
  static int keys(Config config) {
    return config.inProgress.size();
  }
}
