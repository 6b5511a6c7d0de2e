package io.dynconf.core.apisix;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the admin API publishes about one plugin ({@code GET /apisix/admin/plugins/list}, {@code
 * GET /apisix/admin/plugins?all=true}, {@code GET /apisix/admin/plugins/<name>}): its name, its
 * priority (the list is sorted by it, highest first, as APISIX sorts it) and the JSON Schemas (as
 * JSON text, draft 7) of its configuration, of its configuration in a consumer or credential, and
 * of its plugin metadata.
 *
 * <p>Each schema must be the one the plugin's {@link PluginCatalog#check checker} enforces: a
 * configuration the schema rejects is one the checker rejects and the other way round (APISIX's
 * Dashboard builds its forms from these schemas). {@link PluginCatalog#fromSchemas} builds a
 * catalog whose checker is the schema itself; a hand-written checker must be tested against its
 * schema.
 *
 * @param name the plugin's name, as the key of a {@code plugins} object
 * @param priority APISIX's priority (higher runs first)
 * @param version APISIX's {@code version} of the plugin (0.1 for most)
 * @param type {@code auth} for an authentication plugin (one that identifies consumers), else null
 * @param schema the schema of its configuration in a route, service, plugin config or global rule
 * @param consumerSchema the schema of its configuration in a consumer or credential, or null when
 *     it cannot be configured there
 * @param metadataSchema the schema of its plugin metadata, or null when it takes none
 */
public record PluginInfo(String name, int priority, double version, @Nullable String type, String schema,
    @Nullable String consumerSchema, @Nullable String metadataSchema) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  public PluginInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schema, "schema");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("plugin name \"" + name + "\" must match " + NAME.pattern());
    }
  }

  /** A plugin with only a configuration schema (version 0.1, no type, no consumer or metadata schema). */
  public static PluginInfo of(String name, int priority, String schema) {
    return new PluginInfo(name, priority, 0.1, null, schema, null, null);
  }
}
