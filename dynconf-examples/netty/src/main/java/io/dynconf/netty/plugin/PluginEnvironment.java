package io.dynconf.netty.plugin;

import io.dynconf.core.ConfigRegistry;

/** What plugins may use: the registry (stores, snapshots, update listeners). */
public record PluginEnvironment(ConfigRegistry registry) {}
