package io.dynconf.netty.plugin;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.apisix.GlobalRule;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.PluginCatalog;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.radix.ResolvedRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's plugins by name (every {@link GatewayPlugin} on the class path, built-ins
 * included), as a {@link PluginCatalog} for the registry and the admin API, and the compiler of
 * chains: a route's chain merges its service's plugins, its plugin config's and its own, the later
 * winning for the same plugin (APISIX: route over plugin config over service); the global rules'
 * chain is rebuilt whenever the global rules change, and so are the consumers' chains (each
 * consumer's plugins but its credentials, merged into a route's chain once the consumer is known).
 * Thread-safe.
 */
public final class Plugins implements PluginCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(Plugins.class);

  private final Map<String, GatewayPlugin<?>> byName;
  private volatile PluginChain global = PluginChain.EMPTY;
  private volatile Map<String, PluginChain> consumers = Map.of();

  private Plugins(Map<String, GatewayPlugin<?>> byName) {
    this.byName = byName;
  }

  /** The plugins {@link ServiceLoader} finds with {@code loader}. */
  @SuppressWarnings("rawtypes")
  public static Plugins load(ClassLoader loader) {
    Map<String, GatewayPlugin<?>> m = new TreeMap<>();
    for (GatewayPlugin p : ServiceLoader.load(GatewayPlugin.class, loader)) {
      GatewayPlugin<?> old = m.putIfAbsent(p.name(), p);
      if (old != null) {
        throw new IllegalStateException("two plugins named " + p.name() + ": " + old.getClass().getName() + " and "
            + p.getClass().getName());
      }
    }
    Map<String, GatewayPlugin<?>> byName = Map.copyOf(m);
    byName.values().forEach(p -> p.plugins(byName));
    return new Plugins(byName);
  }

  /** Closes every plugin ({@link GatewayPlugin#close()}); a plugin that throws is logged and the others still close. */
  public void close() {
    for (GatewayPlugin<?> p : byName.values()) {
      try {
        p.close();
      } catch (RuntimeException e) {
        LOG.warn("plugin {} failed to close", p.name(), e);
      }
    }
  }

  /** Every plugin's non-empty {@link GatewayPlugin#counters()}, by plugin name (sorted). */
  public Map<String, Map<String, Long>> counters() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (GatewayPlugin<?> p : byName.values()) {
      Map<String, Long> c = p.counters();
      if (!c.isEmpty()) {
        out.put(p.name(), c);
      }
    }
    return out;
  }

  /** Initializes every plugin and follows the registry's global rules; no data directory. */
  public void init(ConfigRegistry registry) {
    init(registry, null);
  }

  /** Initializes every plugin with the gateway's {@code dataDir} ({@link PluginEnvironment}) and follows the registry's global rules. */
  public void init(ConfigRegistry registry, java.nio.file.@Nullable Path dataDir) {
    PluginEnvironment env = new PluginEnvironment(registry, dataDir);
    byName.values().forEach(p -> p.init(env));
    registry.addListener(update -> {
      if (update.changedTypes().contains(StandardTypes.GLOBAL_RULES.name())) {
        rebuildGlobal(registry);
      }
      if (update.changedTypes().contains(StandardTypes.CONSUMERS.name())) {
        rebuildConsumers(registry);
      }
    });
    rebuildGlobal(registry);
    rebuildConsumers(registry);
  }

  private void rebuildConsumers(ConfigRegistry registry) {
    Map<String, PluginChain> m = new HashMap<>();
    for (Consumer consumer : registry.snapshot().store(StandardTypes.CONSUMERS).values()) {
      Map<String, Map<String, @Nullable Object>> own = new LinkedHashMap<>();
      consumer.plugins().forEach((name, conf) -> {
        GatewayPlugin<?> p = byName.get(name);
        if (p != null && !p.authenticates()) {
          own.put(name, conf);
        }
      });
      if (!own.isEmpty()) {
        try {
          m.put(consumer.username(), compile(own));
        } catch (RuntimeException e) {
          LOG.error("consumer {}: {} (its plugins are not merged into routes)", consumer.username(), e.getMessage());
        }
      }
    }
    consumers = Map.copyOf(m);
  }

  /** The plugins of consumer {@code username} to merge into a route's chain (its credentials left out). */
  public PluginChain consumer(String username) {
    return consumers.getOrDefault(username, PluginChain.EMPTY);
  }

  private void rebuildGlobal(ConfigRegistry registry) {
    Map<String, Map<String, @Nullable Object>> merged = new LinkedHashMap<>();
    for (GlobalRule rule : registry.snapshot().store(StandardTypes.GLOBAL_RULES).values()) {
      merged.putAll(rule.plugins());
    }
    try {
      global = compile(merged);
    } catch (RuntimeException e) {
      LOG.error("global rules: {} (the previous global plugins keep running)", e.getMessage());
    }
  }

  /**
   * The plugins that publish a {@linkplain GatewayPlugin#schema() schema}, highest priority first,
   * for the admin API's {@code /plugins} endpoints; {@code type} is {@code auth} for an
   * authentication plugin; {@code metadata_schema} where the plugin takes metadata.
   */
  @Override
  public List<io.dynconf.core.apisix.PluginInfo> plugins() {
    List<io.dynconf.core.apisix.PluginInfo> out = new java.util.ArrayList<>();
    for (GatewayPlugin<?> p : byName.values()) {
      String schema = p.schema();
      if (schema != null) {
        out.add(new io.dynconf.core.apisix.PluginInfo(p.name(), p.priority(), p.version(), p.authenticates() ? "auth" : null,
            schema, p.consumerSchema(), p.metadataSchema()));
      }
    }
    out.sort(java.util.Comparator.comparingInt(io.dynconf.core.apisix.PluginInfo::priority).reversed());
    return List.copyOf(out);
  }

  /** Whether the plugin authenticates ({@link GatewayPlugin#authenticates()}); null for an unknown plugin. */
  @Override
  public @Nullable Boolean authenticates(String name) {
    GatewayPlugin<?> p = byName.get(name);
    return p == null ? null : p.authenticates();
  }

  /** By the plugin's {@link GatewayPlugin#checkMetadata}; nothing for an unknown plugin or one without a metadata schema. */
  @Override
  public void checkMetadata(String name, Map<String, @Nullable Object> metadata) {
    GatewayPlugin<?> p = byName.get(name);
    if (p != null && p.metadataSchema() != null) {
      p.checkMetadata(metadata);
    }
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  @Override
  public void check(String name, Map<String, @Nullable Object> config) {
    plugin(name).configure(config);
  }

  private GatewayPlugin<?> plugin(String name) {
    GatewayPlugin<?> p = byName.get(name);
    if (p == null) {
      throw new InvalidConfigException("", "unknown plugin \"" + name + "\" (this gateway has: " + String.join(", ", byName.keySet()) + ")");
    }
    return p;
  }

  /** The global rules' chain. */
  public PluginChain global() {
    return global;
  }

  /** A route's chain: service, then plugin config, then route plugins, the later winning per name. */
  public PluginChain chain(ResolvedRoute route) {
    Map<String, Map<String, @Nullable Object>> merged = new LinkedHashMap<>();
    if (route.service() != null) {
      merged.putAll(route.service().plugins());
    }
    if (route.pluginConfig() != null) {
      merged.putAll(route.pluginConfig().plugins());
    }
    merged.putAll(route.route().plugins());
    return compile(merged);
  }

  /** Compiles plugin configurations (already checked when stored). */
  public PluginChain compile(Map<String, Map<String, @Nullable Object>> plugins) {
    if (plugins.isEmpty()) {
      return PluginChain.EMPTY;
    }
    List<PluginChain.Link<?>> links = new ArrayList<>();
    for (Map.Entry<String, Map<String, @Nullable Object>> e : plugins.entrySet()) {
      links.add(link(plugin(e.getKey()), e.getValue()));
    }
    return new PluginChain(links);
  }

  private static <C> PluginChain.Link<C> link(GatewayPlugin<C> plugin, Map<String, @Nullable Object> config) {
    try {
      return new PluginChain.Link<>(plugin, plugin.configure(config));
    } catch (InvalidConfigException e) {
      throw e.under("/plugins/" + plugin.name());
    }
  }
}
