package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX plugin config ({@code /apisix/plugin_configs/<id>}): a set of plugins that routes
 * share through {@code plugin_config_id}. Immutable; optional fields are null when absent,
 * collections empty. {@code plugins} is a free-form JSON tree (see {@link StandardTypes}).
 *
 * @param id the key's id
 */
public record PluginConfig(
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public PluginConfig {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    plugins = JsonTree.freezePlugins(plugins);
  }
}
