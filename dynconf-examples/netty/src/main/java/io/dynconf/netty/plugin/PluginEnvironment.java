package io.dynconf.netty.plugin;

import io.dynconf.core.ConfigRegistry;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * What plugins may use: the registry (stores, snapshots, update listeners) and the gateway's data
 * directory (where a plugin that writes files keeps them; null when the host gave none).
 */
public record PluginEnvironment(ConfigRegistry registry, @Nullable Path dataDir) {
  /** An environment without a data directory. */
  public PluginEnvironment(ConfigRegistry registry) {
    this(registry, null);
  }
}
