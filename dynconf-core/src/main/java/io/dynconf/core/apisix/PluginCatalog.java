package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The plugins a deployment knows, for checking the {@code plugins} of routes, services, plugin
 * configs, global rules, consumers and consumer groups (APISIX checks each against its plugin's
 * schema). Use with {@link StandardTypes#withPlugins}; the registry and the admin API then reject
 * an unknown plugin or an invalid configuration with the object's key, {@code /plugins/<name>...}
 * and the reason, so nothing half-configured is ever stored or served.
 */
@FunctionalInterface
public interface PluginCatalog {

  /**
   * Checks one plugin's configuration.
   *
   * @param name the plugin's name, as the key of the {@code plugins} object
   * @param config its configuration object
   * @throws InvalidConfigException for an unknown plugin ({@code field} "") or an invalid
   *     configuration ({@code field} a JSON pointer inside the plugin's object, such as {@code
   *     /count}, or "")
   */
  void check(String name, Map<String, @Nullable Object> config);

  /**
   * Checks plugin {@code name}'s metadata ({@code <prefix>/plugin_metadata/<name>}, every member
   * but {@code id}) where it is stored and where it is loaded: {@link StandardTypes#withPlugins}
   * runs it as the plugin_metadata type's checker, so the registry (etcd, a standalone file) and
   * the admin API refuse the same values, as APISIX checks plugin metadata with the plugin's
   * {@code metadata_schema} on both sides. It must be the rule of the plugin's published {@link
   * PluginInfo#metadataSchema()}: a value the schema rejects is one this rejects, and the other way
   * round. Default: nothing is checked (metadata of an unknown plugin, or of one without a metadata
   * schema, is kept as given: APISIX's data plane ignores it).
   *
   * @throws InvalidConfigException naming the field inside the metadata ({@code /allow_origins/a})
   *     and the reason
   */
  default void checkMetadata(String name, Map<String, @Nullable Object> metadata) {}

  /**
   * Checks one plugin's configuration on a stream route (APISIX checks those against its stream
   * plugins, a separate set). Default: this host runs no stream plugins, so every plugin there is
   * refused, {@code unknown plugin [<name>]}, as APISIX refuses a plugin it does not run on streams.
   *
   * @throws InvalidConfigException as {@link #check}
   */
  default void checkStream(String name, Map<String, @Nullable Object> config) {
    throw new InvalidConfigException("", "unknown plugin [" + name + "]: this host runs no stream plugins");
  }

  /**
   * Checks a stream route's {@code protocol} (APISIX's xRPC: {@code redis}, {@code dubbo}, ...,
   * registered in its {@code xrpc.protocols}). Default: this host speaks no xRPC protocol, so a
   * stream route with one is refused, {@code unknown protocol [<name>]}, as APISIX refuses a
   * protocol it has not registered; served anyway, the route would proxy plain TCP where the
   * protocol's routing and logging were asked for.
   *
   * @throws InvalidConfigException naming the field inside {@code protocol} ({@code /name}) and the reason
   */
  default void checkStreamProtocol(StreamRoute.Protocol protocol) {
    throw new InvalidConfigException("/name", "unknown protocol [" + protocol.name() + "]: this host speaks no xRPC protocols");
  }

  /**
   * Whether plugin {@code name} authenticates consumers (APISIX's {@code type = "auth"}): only
   * those may be configured in a credential. Null when the catalog cannot tell. Default: from
   * {@link #plugins()} when it lists the plugin, else null.
   */
  default @Nullable Boolean authenticates(String name) {
    for (PluginInfo p : plugins()) {
      if (p.name().equals(name)) {
        return "auth".equals(p.type());
      }
    }
    return null;
  }

  /**
   * The plugins this catalog knows, with their schemas, for the admin API's {@code /plugins}
   * endpoints and for checking plugin metadata. Default: none listed (then the admin API lists no
   * plugins and checks plugin metadata by its envelope only, as before).
   */
  default List<PluginInfo> plugins() {
    return List.of();
  }

  /**
   * A catalog whose checker is exactly the published schemas: a plugin configuration is valid
   * when {@link PluginInfo#schema()} accepts it, and an unknown plugin is rejected; plugin metadata
   * is checked by {@link PluginInfo#metadataSchema()} where a plugin has one. Consumer schemas are
   * published as given.
   *
   * @throws IllegalArgumentException naming the plugin when a schema does not parse or two plugins
   *     share a name
   */
  static PluginCatalog fromSchemas(List<PluginInfo> plugins) {
    return new SchemaPluginCatalog(plugins);
  }
}
