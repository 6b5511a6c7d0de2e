package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX consumer group ({@code /apisix/consumer_groups/<id>}): plugins shared by the consumers
 * that name it in {@code group_id}. Immutable; optional fields are null when absent, collections
 * empty. {@code plugins} is a free-form JSON tree (see {@link StandardTypes}).
 *
 * @param id the key's id
 */
public record ConsumerGroup(
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public ConsumerGroup {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    plugins = JsonTree.freezePlugins(plugins);
  }
}
