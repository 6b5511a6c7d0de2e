package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code key-auth}. On a route (or service, plugin config, global rule): {@code header}
 * (default {@code apikey}), {@code query} (default {@code apikey}), {@code hide_credentials}. On a
 * consumer: {@code key}, the consumer's key. A request's key comes from the header, else the query
 * argument; missing → 401 {@code Missing API key in request}, unknown → 401 {@code Invalid API key in
 * request}; a match sets the consumer ({@code X-Consumer-Username} goes upstream, and {@code
 * X-Credential-Identifier} when the key is a credential's). Keys are found in consumers and in their
 * credentials ({@code /apisix/consumers/<username>/credentials/<id>}), as in APISIX 3.x. It runs in the
 * rewrite phase, as in APISIX, so the consumer's own plugins join the chain before the access
 * phase. Keys follow the consumers store as it changes (an index rebuilt off the request path).
 */
public final class KeyAuth implements GatewayPlugin<KeyAuth.Config> {

  record Config(String header, String query, boolean hideCredentials, @Nullable String key) {}

  private volatile Map<String, AuthHolders.Holder> consumersByKey = Map.of();

  @Override
  public String name() {
    return "key-auth";
  }

  private static final String SCHEMA = Schemas.load("key-auth");

  /** The schema {@link #configure} enforces (bundled as {@code schema/key-auth.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 2500;
  }

  @Override
  public boolean authenticates() {
    return true;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("header", "query", "hide_credentials", "key", "_meta"), Set.of("realm", "anonymous_consumer"));
    String key = c.string("key");
    if (key != null && key.isEmpty()) {
      throw new InvalidConfigException("/key", "must not be empty");
    }
    return new Config(c.string("header", "apikey"), c.string("query", "apikey"), c.bool("hide_credentials", false), key);
  }

  @Override
  public void init(PluginEnvironment environment) {
    ConfigRegistry registry = environment.registry();
    registry.addListener(update -> {
      if (AuthHolders.changed(update)) {
        reindex(registry);
      }
    });
    reindex(registry);
  }

  private void reindex(ConfigRegistry registry) {
    Map<String, AuthHolders.Holder> m = new HashMap<>();
    for (AuthHolders.Holder holder : AuthHolders.of(registry.snapshot(), name())) { // consumers, then credentials
      if (holder.conf().get("key") instanceof String key) {
        m.putIfAbsent(key, holder);
      }
    }
    consumersByKey = Map.copyOf(m);
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    String key = ctx.request().request().headers().get(config.header());
    boolean fromHeader = key != null;
    if (key == null) {
      key = ctx.request().arg(config.query());
    }
    if (key == null) {
      return PluginResponse.message(401, "Missing API key in request");
    }
    AuthHolders.Holder holder = consumersByKey.get(key);
    if (holder == null) {
      return PluginResponse.message(401, "Invalid API key in request");
    }
    AuthHolders.attach(ctx, holder.consumer(), holder.credentialId(), holder.customId());
    if (config.hideCredentials() && fromHeader) {
      ctx.upstreamHeaders().remove(config.header());
    }
    return null;
  }
}
