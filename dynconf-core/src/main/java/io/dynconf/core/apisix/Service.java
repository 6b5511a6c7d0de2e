package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX service ({@code /apisix/services/<id>}): plugins and an upstream shared by the routes
 * that name it in {@code service_id}. Immutable; optional fields are null when absent,
 * collections empty. {@code plugins} is a free-form JSON tree (see {@link StandardTypes});
 * {@code script} is Lua source, kept as text.
 *
 * @param id the key's id
 * @param hosts hosts the service's routes are limited to; empty means any
 * @param enableWebsocket null when not set
 */
public record Service(
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable Upstream upstream,
    @Nullable String upstreamId,
    @Nullable String script,
    @Nullable Boolean enableWebsocket,
    List<String> hosts,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Service {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    plugins = JsonTree.freezePlugins(plugins);
    hosts = List.copyOf(hosts);
  }
}
