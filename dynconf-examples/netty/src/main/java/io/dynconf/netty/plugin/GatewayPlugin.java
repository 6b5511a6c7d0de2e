package io.dynconf.netty.plugin;

import io.dynconf.core.InvalidConfigException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A gateway plugin, configured with APISIX's JSON under its {@link #name()} in the {@code plugins}
 * of routes, services, plugin configs, global rules and consumers. Add one by implementing this
 * interface and listing the class in {@code META-INF/services/io.dynconf.netty.plugin.GatewayPlugin};
 * the gateway then accepts and runs its name.
 *
 * <p>Phases, in APISIX's order: {@link #rewrite} and {@link #access} before the upstream is chosen
 * (either may answer the request itself), {@link #headerFilter} on the response head (the
 * upstream's or a plugin's), {@link #log} when the exchange ends. In each phase global rules' plugins
 * run before the route's, and within one chain plugins run by descending {@link #priority()}. When an
 * authentication plugin has set the consumer in the route's rewrite phase, the consumer's own
 * plugins join the route's chain (the consumer's configuration winning per plugin, as in APISIX):
 * their rewrite phase runs then, and the access and later phases run on the merged chain.
 * Phases run on the connection's event loop: they must not block. Implementations are singletons
 * shared by every request: thread-safe.
 *
 * @param <C> the compiled configuration
 */
public interface GatewayPlugin<C> {

  /** The name under {@code plugins}, such as {@code key-auth}. */
  String name();

  /** Higher runs first (APISIX's plugin priorities: key-auth 2500, proxy-rewrite 1008, limit-count 1002, response-rewrite 899). */
  int priority();

  /**
   * Validates and compiles one configuration; called when the object that carries it is stored
   * (to reject it) and when a route's chain is built (off the request path).
   *
   * @throws InvalidConfigException naming the field inside the plugin's object and the reason
   */
  C configure(Map<String, @Nullable Object> config);

  /**
   * True for an authentication plugin (APISIX's {@code type = "auth"}). On a consumer, such a
   * plugin's configuration is the consumer's credential; every other plugin of a consumer is merged
   * into the route's chain once the consumer is known (see {@link PluginChain#merge}).
   */
  default boolean authenticates() {
    return false;
  }

  /**
   * The JSON Schema (draft 7, as text) of this plugin's configuration, published by the admin API
   * ({@code GET /apisix/admin/plugins/<name>}, {@code plugins?all=true}) for clients such as APISIX's
   * Dashboard, or null to publish nothing (the plugin is then not listed, yet runs). It must be the
   * rule {@link #configure} enforces: a configuration the schema rejects is one {@code configure}
   * rejects, and the other way round (test it with {@code PluginSchemaConformance}).
   */
  default @Nullable String schema() {
    return null;
  }

  /**
   * The schema of this plugin's configuration in a consumer or credential, or null when it takes
   * none there; by default an authentication plugin's {@link #schema()} (one checker serves both).
   */
  default @Nullable String consumerSchema() {
    return authenticates() ? schema() : null;
  }

  /**
   * The JSON Schema of this plugin's metadata (APISIX's {@code metadata_schema}: settings shared by
   * all its instances, stored at {@code <prefix>/plugin_metadata/<name>}), published by the admin
   * API ({@code plugins?all=true}, as APISIX publishes it), or null when it
   * takes none (the admin API then refuses metadata for it). It must be the rule {@link
   * #checkMetadata} enforces (test it with {@code PluginSchemaConformance.assertMetadataAgree}).
   */
  default @Nullable String metadataSchema() {
    return null;
  }

  /**
   * Checks this plugin's metadata (every member but {@code id}) when it is stored or loaded: the
   * registry and the admin API refuse what this refuses. Called only when {@link #metadataSchema()}
   * is not null. A plugin reads its current metadata from the registry's snapshot when it runs
   * ({@link PluginEnvironment#registry()}), so a change needs no route to be rebuilt.
   *
   * @throws InvalidConfigException naming the field inside the metadata and the reason
   */
  default void checkMetadata(Map<String, @Nullable Object> metadata) {}

  /** APISIX's {@code version} of the plugin (0.1 for most). */
  default double version() {
    return 0.1;
  }

  /**
   * Called once when the plugins are loaded, before any {@link #configure}: the gateway's plugins
   * by name (immutable, this one included). A plugin that configures and runs others (APISIX's
   * {@code multi-auth}) keeps it; the others ignore it.
   */
  default void plugins(Map<String, GatewayPlugin<?>> byName) {}

  /** Called once before the gateway serves. */
  default void init(PluginEnvironment environment) {}

  /**
   * Called once when the gateway stops: a plugin that started threads (a logger's senders) ends
   * them here, and reports what it could not finish (entries still waiting) rather than drop it
   * silently. Must not block for long; must not throw.
   */
  default void close() {}

  /**
   * Counters this plugin reports to operators, by name (such as {@code dropped_entries}): shown in
   * the gateway's status under {@code plugins.<name>} and on its metrics endpoint as {@code
   * dynconf_plugin_counter{plugin="<name>",counter="<counter>"}}. Empty by default; read from any
   * thread.
   */
  default Map<String, Long> counters() {
    return Map.of();
  }

  /** Rewrites the request; returns a response to answer with instead of proxying, or null. */
  default @Nullable PluginResponse rewrite(C config, PluginContext ctx) {
    return null;
  }

  /** Authenticates, authorizes, limits; returns a response to answer with instead of proxying, or null. */
  default @Nullable PluginResponse access(C config, PluginContext ctx) {
    return null;
  }

  /** Adjusts the response head (and may replace the body). */
  default void headerFilter(C config, PluginContext ctx, ResponseHead head) {}

  /** The exchange ended with {@code status} (0 when the client went away) after {@code nanos}. */
  default void log(C config, PluginContext ctx, int status, long nanos) {}
}
