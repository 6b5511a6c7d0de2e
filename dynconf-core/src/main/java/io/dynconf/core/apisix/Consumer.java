package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX consumer ({@code /apisix/consumers/<username>}): an API caller and its (mostly
 * authentication) plugins. Immutable; optional fields are null when absent, collections empty.
 * {@code plugins} is a free-form JSON tree (see {@link StandardTypes}).
 *
 * @param username the key's id
 * @param id the optional {@code id} field (APISIX 3.17 and later), independent of the key
 * @param groupId the consumer group whose plugins apply too
 */
public record Consumer(
    String username,
    @Nullable String id,
    @Nullable String desc,
    Map<String, String> labels,
    @Nullable String groupId,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Consumer {
    Objects.requireNonNull(username, "username");
    labels = JsonTree.copyOf(labels);
    plugins = JsonTree.freezePlugins(plugins);
  }
}
