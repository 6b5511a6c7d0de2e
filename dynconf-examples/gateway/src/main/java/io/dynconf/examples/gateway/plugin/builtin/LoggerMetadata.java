package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.PluginMetadata;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.PluginEnvironment;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logger plugin's metadata ({@code <prefix>/plugin_metadata/<name>}) as its requests read it: from
 * the registry's newest snapshot, compiled again only when the stored value changed, its {@code
 * max_pending_entries} handed to the plugin's {@link LogBatcher} (when it has one). Thread-safe.
 */
final class LoggerMetadata {
  private static final Logger LOG = LoggerFactory.getLogger(LoggerMetadata.class);

  private final String plugin;
  private final @Nullable LogBatcher batcher;
  private volatile @Nullable ConfigRegistry registry;
  private volatile @Nullable PluginMetadata from;
  private volatile LogEntries.Metadata compiled = LogEntries.Metadata.NONE;

  /** {@code batcher}: the plugin's batch processor, which takes the metadata's {@code max_pending_entries}; null for a logger without one (file-logger). */
  LoggerMetadata(String plugin, @Nullable LogBatcher batcher) {
    this.plugin = plugin;
    this.batcher = batcher;
  }

  void init(PluginEnvironment environment) {
    ConfigRegistry r = environment.registry();
    boolean hasMetadata = r.types().stream().anyMatch(t -> t.name().equals(StandardTypes.PLUGIN_METADATA.name())
        && t.javaType() == PluginMetadata.class);
    registry = hasMetadata ? r : null;
  }

  /** The current metadata (none: APISIX's defaults). */
  LogEntries.Metadata get() {
    ConfigRegistry r = registry;
    if (r == null) {
      return LogEntries.Metadata.NONE;
    }
    ConfigItem<PluginMetadata> item = r.snapshot().store(StandardTypes.PLUGIN_METADATA).item(plugin);
    PluginMetadata value = item == null ? null : item.value();
    if (value != from) {
      LogEntries.Metadata m;
      try {
        m = value == null ? LogEntries.Metadata.NONE : LogEntries.Metadata.of(value.metadata(), batcher != null);
      } catch (InvalidConfigException e) { // a value stored without this plugin's check
        LOG.warn("plugin metadata of {}: {}: {} (ignored)", plugin, e.field(), e.reason());
        m = LogEntries.Metadata.NONE;
      }
      compiled = m;
      from = value; // a race compiles the same value twice, harmlessly
      if (batcher != null) {
        batcher.maxPendingEntries(m.maxPendingEntries());
      }
    }
    return compiled;
  }
}
