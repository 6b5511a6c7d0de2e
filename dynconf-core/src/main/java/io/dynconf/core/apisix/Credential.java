package io.dynconf.core.apisix;

import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX 3.x consumer credential ({@code /apisix/consumers/<username>/credentials/<id>}): one
 * more way for a consumer to authenticate, holding one authentication plugin's configuration
 * (such as a key-auth {@code key}). A gateway's auth plugin that finds a caller's key in a
 * credential identifies the credential's consumer, as if the key were in the consumer's own
 * {@code plugins}. Immutable; {@code plugins} is a free-form JSON tree (see {@link StandardTypes}).
 *
 * @param key the key's id, {@code <username>/credentials/<id>}
 * @param consumer the username of the consumer it belongs to (a reference: served only while that
 *     consumer exists)
 * @param id the credential's own id (the key's last segment)
 * @param plugins at most one authentication plugin's configuration
 */
public record Credential(
    String key,
    String consumer,
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Credential {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    plugins = JsonTree.freezePlugins(plugins);
  }
}
