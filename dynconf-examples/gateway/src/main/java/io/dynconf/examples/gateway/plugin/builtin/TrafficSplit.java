package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.core.match.VarsExpression;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.UpstreamChoice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code traffic-split} (priority 966, access phase): {@code rules}, each with an optional
 * {@code match} (an array of objects whose {@code vars} is a lua-resty-expr expression, see {@link
 * VarsExpression}; the rule matches when any of them does, a {@code match} object without {@code vars}
 * matching every request) and {@code weighted_upstreams} (1 to 20 entries, default {@code
 * [{"weight": 1}]}), each entry an {@code upstream_id}, an inline {@code upstream}, or neither (the
 * route's own upstream), with {@code weight} (integer, at least 0, default 1). The first rule that
 * matches (a rule without {@code match} always does) picks one of its entries by weighted round robin
 * (lua-resty-balancer's {@code roundrobin}: weights divided by their greatest common divisor, the
 * heaviest entries served first in each round, starting after a random entry; an entry of weight 0
 * gets no traffic unless every weight is 0); when no rule matches the request goes to the route's own
 * upstream.
 *
 * <p>As APISIX does: before a rule is tried, every {@code upstream_id} it names must exist in the
 * current configuration, else the request is answered 500 {@code failed to fetch upstream info by
 * upstream id: ID}; an {@code upstream_id} is looked up on every request, so the split follows its
 * live changes, and its balancer is the one the router keeps for that upstream ({@code
 * /upstreams/ID}: shared round robin and health). An inline upstream's balancer is kept under
 * {@code /routes/ROUTE#traffic-split/RULE/ENTRY}, replaced when its content changes. An empty
 * {@code match} array leaves APISIX's loop result as it was: it matches only as the first rule.
 *
 * <p>Stricter than APISIX (which ignores them): unknown fields inside {@code rules} are refused (at the
 * top level they are accepted and ignored, as APISIX does), an entry with both
 * {@code upstream} and {@code upstream_id} is refused (APISIX would use the id), and an inline upstream
 * must pass the same checks as a stored one (schema, balancer type, health checks). An inline
 * upstream is used whole, where APISIX keeps only {@code name, type, hash_on, pass_host,
 * upstream_host, key, nodes, timeout, scheme} of it.
 */
public final class TrafficSplit implements GatewayPlugin<TrafficSplit.Config> {
  static final int MAX_WEIGHTED_UPSTREAMS = 20;
  private static final Pattern ID = Pattern.compile("^[a-zA-Z0-9-_.]+$");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY_TAG = "#traffic-split/";

  private volatile @Nullable ConfigRegistry registry;
  /** The registry's own upstream type once known (with the gateway's balancer checks), else the standard one. */
  private volatile ResourceType<Upstream> upstreamType = StandardTypes.UPSTREAMS;

  /**
   * One entry of {@code weighted_upstreams}: exactly one of {@code upstreamId} and {@code inline}, or
   * neither (the route's own upstream).
   */
  record Target(@Nullable String upstreamId, @Nullable Upstream inline, long inlineRevision, String position, int weight) {}

  /** {@code matches} is null when the rule has no {@code match}. */
  record Rule(@Nullable List<VarsExpression> matches, List<Target> targets, WeightedRoundRobin picker) {}

  record Config(List<Rule> rules) {}

  @Override
  public String name() {
    return "traffic-split";
  }

  private static final String SCHEMA = Schemas.withUpstream(Schemas.load("traffic-split"));

  /**
   * The schema {@link #configure} enforces (bundled as {@code schema/traffic-split.json}, with the
   * upstream schema of the admin API in place of each weighted upstream's {@code upstream}).
   */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 966;
  }

  @Override
  @SuppressWarnings("unchecked") // JSON objects have string keys
  public void init(PluginEnvironment environment) {
    ConfigRegistry r = environment.registry();
    for (ResourceType<?> t : r.types()) {
      if (t.name().equals(StandardTypes.UPSTREAMS.name()) && t.javaType() == Upstream.class) {
        upstreamType = (ResourceType<Upstream>) t;
      }
    }
    registry = r;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("rules", "_meta"), Set.of());
    Object raw = c.raw("rules");
    if (raw == null) {
      return new Config(List.of());
    }
    if (!(raw instanceof List<?> list)) {
      throw new InvalidConfigException("/rules", "an array is required");
    }
    List<Rule> rules = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      try {
        rules.add(rule(list.get(i), i));
      } catch (InvalidConfigException e) {
        throw e.under("/rules/" + i);
      }
    }
    return new Config(List.copyOf(rules));
  }

  @SuppressWarnings("unchecked") // JSON objects have string keys
  private Rule rule(@Nullable Object raw, int index) {
    if (!(raw instanceof Map<?, ?> m)) {
      throw new InvalidConfigException("", "an object is required");
    }
    Conf rc = new Conf((Map<String, @Nullable Object>) m, Set.of("match", "weighted_upstreams"));
    List<VarsExpression> matches = null;
    Object match = rc.raw("match");
    if (match != null) {
      if (!(match instanceof List<?> ml)) {
        throw new InvalidConfigException("/match", "an array is required");
      }
      matches = new ArrayList<>(ml.size());
      for (int j = 0; j < ml.size(); j++) {
        String at = "/match/" + j;
        if (!(ml.get(j) instanceof Map<?, ?> mm)) {
          throw new InvalidConfigException(at, "an object is required");
        }
        Conf mc;
        try {
          mc = new Conf((Map<String, @Nullable Object>) mm, Set.of("vars"));
        } catch (InvalidConfigException e) {
          throw e.under(at);
        }
        Object vars = mc.raw("vars");
        if (vars == null) {
          matches.add(VarsExpression.ALWAYS); // lua-resty-expr: new(nil) matches everything
        } else if (!(vars instanceof List<?> vl)) {
          throw new InvalidConfigException(at + "/vars", "an array is required");
        } else {
          try {
            matches.add(VarsExpression.parse(vl, at + "/vars"));
          } catch (InvalidConfigException e) {
            throw new InvalidConfigException(e.field(), "failed to validate the 'vars' expression: " + e.reason(), e);
          }
        }
      }
      matches = List.copyOf(matches);
    }
    List<Target> targets = new ArrayList<>();
    Object weighted = rc.raw("weighted_upstreams");
    if (weighted == null) {
      targets.add(new Target(null, null, 0, index + "/0", 1)); // APISIX's default: [{weight = 1}]
    } else {
      if (!(weighted instanceof List<?> wl)) {
        throw new InvalidConfigException("/weighted_upstreams", "an array is required");
      }
      if (wl.isEmpty() || wl.size() > MAX_WEIGHTED_UPSTREAMS) {
        throw new InvalidConfigException("/weighted_upstreams",
            "expect array to have 1 to " + MAX_WEIGHTED_UPSTREAMS + " items, got " + wl.size());
      }
      for (int j = 0; j < wl.size(); j++) {
        try {
          targets.add(target(wl.get(j), index + "/" + j));
        } catch (InvalidConfigException e) {
          throw e.under("/weighted_upstreams/" + j);
        }
      }
    }
    int[] weights = targets.stream().mapToInt(Target::weight).toArray();
    return new Rule(matches, List.copyOf(targets), new WeightedRoundRobin(weights));
  }

  @SuppressWarnings("unchecked") // JSON objects have string keys
  private Target target(@Nullable Object raw, String position) {
    if (!(raw instanceof Map<?, ?> m)) {
      throw new InvalidConfigException("", "an object is required");
    }
    Map<String, @Nullable Object> map = (Map<String, @Nullable Object>) m;
    Conf tc = new Conf(map, Set.of("upstream_id", "upstream", "weight"));
    int weight = (int) tc.integer("weight", 1, 0, Integer.MAX_VALUE);
    Object id = tc.raw("upstream_id");
    Object inline = tc.raw("upstream");
    if (id != null && inline != null) {
      throw new InvalidConfigException("/upstream_id", "upstream and upstream_id cannot both be set");
    }
    if (id != null) {
      return new Target(upstreamId(id), null, 0, position, weight);
    }
    if (inline != null) {
      if (!(inline instanceof Map<?, ?> um)) {
        throw new InvalidConfigException("/upstream", "an object is required");
      }
      byte[] json;
      try {
        json = JSON.writeValueAsBytes(um);
      } catch (JsonProcessingException e) {
        throw new InvalidConfigException("/upstream", "not serializable as JSON: " + e.getOriginalMessage(), e);
      }
      ConfigItem<Upstream> item;
      try {
        item = upstreamType.validate(ResourceKey.of("/apisix", "upstreams", "traffic-split"), json, 0, 0);
      } catch (InvalidConfigException e) {
        throw e.under("/upstream");
      }
      if (item.value().nodes().isEmpty()) {
        throw new InvalidConfigException("/upstream/nodes", "required: service discovery is not supported in traffic-split (as in APISIX)");
      }
      return new Target(null, item.value(), contentHash(json), position, weight);
    }
    return new Target(null, null, 0, position, weight);
  }

  /** APISIX's {@code id_schema}: a string of 1 to 64 of {@code [a-zA-Z0-9-_.]}, or an integer of at least 1. */
  private static String upstreamId(Object id) {
    if (id instanceof String s) {
      if (s.isEmpty() || s.length() > 64 || !ID.matcher(s).matches()) {
        throw new InvalidConfigException("/upstream_id", "must be 1 to 64 characters of [a-zA-Z0-9-_.], got \"" + s + "\"");
      }
      return s;
    }
    if (id instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= 1
        && n.doubleValue() <= Long.MAX_VALUE) {
      return Long.toString(n.longValue());
    }
    throw new InvalidConfigException("/upstream_id", "a string id or an integer of at least 1 is required, got " + id);
  }

  /** 64 bits of SHA-256 of the inline upstream's JSON: its balancer's version. */
  private static long contentHash(byte[] json) {
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(json)).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    List<Rule> rules = config.rules();
    if (rules.isEmpty()) {
      return null;
    }
    ConfigRegistry r = registry;
    boolean passed = true; // APISIX's match_passed: an empty match array keeps the previous rule's result
    Rule chosen = null;
    for (Rule rule : rules) {
      for (Target t : rule.targets()) {
        String id = t.upstreamId();
        if (id != null && (r == null || r.store(StandardTypes.UPSTREAMS).item(id) == null)) {
          return failedToFetch(id);
        }
      }
      List<VarsExpression> matches = rule.matches();
      if (matches == null) {
        chosen = rule;
        break;
      }
      for (VarsExpression m : matches) {
        passed = m.test(ctx::var);
        if (passed) {
          break;
        }
      }
      if (passed) {
        chosen = rule;
        break;
      }
    }
    if (chosen == null) {
      return null; // the route's own upstream
    }
    Target t = chosen.targets().get(chosen.picker().next());
    String id = t.upstreamId();
    Upstream inline = t.inline();
    if (id != null) {
      ConfigItem<Upstream> item = r == null ? null : r.store(StandardTypes.UPSTREAMS).item(id);
      if (item == null) { // deleted since the check above
        return failedToFetch(id);
      }
      ctx.upstream(new UpstreamChoice(item.value(), "/upstreams/" + id, item.modRevision()));
    } else if (inline != null) {
      ctx.upstream(new UpstreamChoice(inline, "/routes/" + ctx.route().id() + KEY_TAG + t.position(), t.inlineRevision()));
    }
    return null;
  }

  private static PluginResponse failedToFetch(String id) {
    return new PluginResponse(500, Map.of("Content-Type", "text/plain"),
        ("failed to fetch upstream info by upstream id: " + id).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * lua-resty-balancer's {@code roundrobin}: the current weight starts at the largest weight and
   * drops by the weights' greatest common divisor after each pass over the entries (back to the
   * largest below 1); an entry is picked when its weight reaches the current weight. Over
   * {@code sum(weights) / gcd} picks each entry is picked {@code weight / gcd} times. Thread-safe.
   */
  static final class WeightedRoundRobin {
    private final int[] weights;
    private final int gcd;
    private final int max;
    private int last;
    private int current;

    WeightedRoundRobin(int[] weights) {
      this(weights, ThreadLocalRandom.current().nextInt(weights.length));
    }

    /** Starts after entry {@code start}, as lua-resty-balancer starts after a random node. */
    WeightedRoundRobin(int[] weights, int start) {
      if (weights.length == 0) {
        throw new IllegalArgumentException("no weights");
      }
      this.weights = weights.clone();
      int g = 0;
      int m = 0;
      for (int w : weights) {
        if (w < 0) {
          throw new IllegalArgumentException("negative weight " + w);
        }
        g = gcd(g, w);
        m = Math.max(m, w);
      }
      this.gcd = g;
      this.max = m;
      this.current = m;
      this.last = start;
    }

    private static int gcd(int a, int b) {
      while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
      }
      return a;
    }

    /** The index of the next entry. */
    synchronized int next() {
      int n = weights.length;
      if (n == 1) {
        return 0;
      }
      while (true) {
        for (int i = last + 1; i < n; i++) {
          if (weights[i] >= current) {
            last = i;
            return i;
          }
        }
        last = -1; // a pass is over: lower the bar (lua's next() returned nil)
        current -= gcd;
        if (current <= 0) {
          current = max;
        }
      }
    }
  }
}
