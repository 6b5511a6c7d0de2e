package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX route ({@code /apisix/routes/<id>}): which requests it matches and what handles them.
 * Immutable; optional fields are null when absent, collections empty, and APISIX's defaults are
 * applied ({@code status} 1, {@code priority} 0).
 *
 * <p>The singular and plural spellings are normalised: {@code uri}/{@code uris} to {@link
 * #uris()} (never empty), {@code host}/{@code hosts} to {@link #hosts()}, {@code
 * remote_addr}/{@code remote_addrs} to {@link #remoteAddrs()} (each an IP address or CIDR block).
 * {@code plugins} and {@code vars} are free-form JSON trees (see {@link StandardTypes}); {@code
 * vars} has been checked as a lua-resty-expr expression. {@code filter_func} and {@code script}
 * are Lua source, kept as text.
 *
 * @param id the key's id
 * @param methods the HTTP methods; empty means any
 * @param vars the {@code vars} expression as written; empty means always
 * @param plugins plugin name → configuration object
 * @param enableWebsocket null when not set (a service's setting then applies)
 * @param status 1 enabled, 0 disabled
 */
public record Route(
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    List<String> uris,
    int priority,
    List<String> methods,
    List<String> hosts,
    List<String> remoteAddrs,
    Upstream.@Nullable Timeout timeout,
    List<@Nullable Object> vars,
    @Nullable String filterFunc,
    @Nullable String script,
    @Nullable String scriptId,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable String pluginConfigId,
    @Nullable Upstream upstream,
    @Nullable String upstreamId,
    @Nullable String serviceId,
    @Nullable Boolean enableWebsocket,
    int status,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Route {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    uris = List.copyOf(uris);
    methods = List.copyOf(methods);
    hosts = List.copyOf(hosts);
    remoteAddrs = List.copyOf(remoteAddrs);
    vars = JsonTree.freezeArray(vars);
    plugins = JsonTree.freezePlugins(plugins);
  }
}
