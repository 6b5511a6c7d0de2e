package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code prometheus} (priority 500, schema {@code {"prefer_name": boolean, default
 * false}}), accepted on routes, services, plugin configs, global rules and consumers. With {@code
 * prefer_name: true} the {@code route} and {@code service} labels of the request's {@code
 * apisix_http_status}, {@code apisix_http_latency} and {@code apisix_bandwidth} series carry the
 * route's and service's {@code name} (their id when they have none) instead of their id.
 *
 * <p>Unlike APISIX, the gateway counts every request on its metrics endpoint whether or not this
 * plugin is configured (APISIX counts only requests where the plugin runs): the counters cost the
 * same few adder increments either way, and an operator's dashboard should not go blank for
 * routes someone forgot to tag. This plugin only chooses the labels. It marks the request in the
 * plugins' shared state (under {@link #PREFER_NAME}) in its rewrite phase and again in its log
 * phase, so requests answered by an earlier plugin's rewrite are marked too.
 */
public final class Prometheus implements GatewayPlugin<Prometheus.Config> {
  /** The key in {@link PluginContext#state()} set to {@code Boolean.TRUE} when names are preferred. */
  public static final String PREFER_NAME = "prometheus.prefer_name";

  /** The compiled configuration. */
  public record Config(boolean preferName) {}

  private static final Config BY_ID = new Config(false);
  private static final Config BY_NAME = new Config(true);

  @Override
  public String name() {
    return "prometheus";
  }

  private static final String SCHEMA = Schemas.load("prometheus");

  /** The schema {@link #configure} enforces (bundled as {@code schema/prometheus.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 500;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("prefer_name", "_meta"), Set.of());
    return c.bool("prefer_name", false) ? BY_NAME : BY_ID;
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    mark(config, ctx);
    return null;
  }

  @Override
  public void log(Config config, PluginContext ctx, int status, long nanos) {
    mark(config, ctx);
  }

  private static void mark(Config config, PluginContext ctx) {
    if (config.preferName()) {
      ctx.state().put(PREFER_NAME, Boolean.TRUE);
    } else {
      ctx.state().remove(PREFER_NAME); // the route's own configuration wins over a global rule's
    }
  }
}
