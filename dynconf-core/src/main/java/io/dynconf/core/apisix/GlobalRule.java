package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX global rule ({@code /apisix/global_rules/<id>}): plugins that run for every request.
 * Immutable. {@code plugins} is a free-form JSON tree (see {@link StandardTypes}).
 *
 * @param id the key's id
 */
public record GlobalRule(
    String id, Map<String, Map<String, @Nullable Object>> plugins, @Nullable Long createTime, @Nullable Long updateTime) {

  public GlobalRule {
    Objects.requireNonNull(id, "id");
    plugins = JsonTree.freezePlugins(plugins);
  }
}
