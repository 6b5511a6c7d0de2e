package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX stream route ({@code /apisix/stream_routes/<id>}): an L4 (TCP/UDP, optionally xRPC)
 * route. Immutable; optional fields are null when absent, collections empty. {@code plugins} and
 * the protocol's {@code conf} and loggers are free-form JSON trees (see {@link StandardTypes}).
 * As in APISIX, an embedded upstream is only schema-checked, and its default scheme {@code http}
 * means {@code tcp} here.
 *
 * @param id the key's id
 * @param remoteAddr the client address or CIDR block to match
 * @param serverAddr the server address or CIDR block to match
 * @param sni the server name to match
 */
public record StreamRoute(
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    @Nullable String remoteAddr,
    @Nullable String serverAddr,
    @Nullable Integer serverPort,
    @Nullable String sni,
    @Nullable Upstream upstream,
    @Nullable String upstreamId,
    @Nullable String serviceId,
    Map<String, Map<String, @Nullable Object>> plugins,
    @Nullable Protocol protocol,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public StreamRoute {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    plugins = JsonTree.freezePlugins(plugins);
  }

  /**
   * The xRPC protocol spoken on the route.
   *
   * @param name the protocol, for example {@code redis} or {@code dubbo}
   * @param superiorId the stream route this one is a sub-route of
   * @param conf the protocol's configuration, empty when unset
   * @param logger the loggers, each {@code {name, filter, conf}}
   */
  public record Protocol(
      String name, @Nullable String superiorId, Map<String, @Nullable Object> conf, List<Map<String, @Nullable Object>> logger) {
    public Protocol {
      Objects.requireNonNull(name, "name");
      conf = JsonTree.freezeObject(conf);
      logger = logger.stream().map(JsonTree::freezeObject).toList();
    }
  }
}
