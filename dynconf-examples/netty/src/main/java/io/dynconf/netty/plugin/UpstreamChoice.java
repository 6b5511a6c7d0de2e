package io.dynconf.netty.plugin;

import io.dynconf.core.apisix.Upstream;
import java.util.Objects;

/**
 * An upstream a plugin sends one request to instead of the route's own (see
 * {@link PluginContext#upstream(UpstreamChoice)}).
 *
 * @param upstream the upstream to proxy to
 * @param key the name its balancer is kept under: the stored object's key for an {@code upstream_id}
 *     (so it shares the balancer and health of every other user of that upstream), else a key
 *     unique to the plugin configuration that holds it inline
 * @param revision the revision of {@code upstream}: a new one replaces the balancer kept under {@code key}
 */
public record UpstreamChoice(Upstream upstream, String key, long revision) {
  public UpstreamChoice {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(key, "key");
  }
}
