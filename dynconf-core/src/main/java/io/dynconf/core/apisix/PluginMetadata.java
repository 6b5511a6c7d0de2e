package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * APISIX plugin metadata ({@code /apisix/plugin_metadata/<plugin name>}): settings one plugin
 * shares across all its instances. APISIX has no schema for it beyond the plugin's own, so the
 * value is kept whole as a free-form JSON tree (see {@link StandardTypes}). Immutable.
 *
 * @param pluginName the key's id, the plugin's name (for example {@code http-logger})
 * @param metadata every member of the value except {@code id}
 */
public record PluginMetadata(String pluginName, Map<String, @Nullable Object> metadata) {

  public PluginMetadata {
    Objects.requireNonNull(pluginName, "pluginName");
    metadata = JsonTree.freezeObject(metadata);
  }
}
