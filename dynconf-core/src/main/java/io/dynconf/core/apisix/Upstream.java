package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX upstream ({@code /apisix/upstreams/<id>}, or embedded in a route, service or stream
 * route): where and how requests are proxied. Immutable; optional fields are null when absent,
 * collections empty; APISIX's defaults are applied ({@code type} roundrobin, {@code hash_on} vars,
 * {@code scheme} http, {@code pass_host} pass, node {@code priority} 0, the {@code tls} and
 * {@code keepalive_pool} member defaults).
 *
 * <p>Both forms of {@code nodes} become one {@link #nodes()} list, in the order written: the list
 * form {@code [{host, port, weight, priority, metadata}]} as is, the map form {@code {"host:port":
 * weight}} parsed as APISIX does ({@code [v6]:port} keeps the brackets; the port may be left out).
 * An IPv6 host is always in brackets. Free-form members ({@code checks}, {@code discovery_args},
 * node {@code metadata}) are free-form JSON trees (see {@link StandardTypes}); {@code checks} is
 * kept as written (its defaults belong to the health checker).
 *
 * @param id the id: the key's id for a stored upstream, the written {@code id} (or null) for an
 *     embedded one
 * @param nodes the nodes; empty when the upstream uses service discovery
 * @param retries retries; null means APISIX's default (number of nodes − 1)
 * @param retryTimeout seconds to keep retrying, null when unset
 * @param timeout proxy timeouts, null when unset
 * @param type the balancer: {@code roundrobin}, {@code chash}, {@code ewma}, {@code least_conn}
 *     (not restricted here, as in APISIX's schema, so that custom balancers can be plugged in)
 * @param checks the health checks ({@code active}, {@code passive}), empty when unset
 * @param hashOn what {@code chash} hashes on: {@code vars}, {@code header}, {@code cookie},
 *     {@code consumer}, {@code vars_combinations}
 * @param key the {@code chash} key
 * @param passHost {@code pass}, {@code node} or {@code rewrite} (then {@code upstreamHost} is set)
 */
public record Upstream(
    @Nullable String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    List<Node> nodes,
    @Nullable Integer retries,
    @Nullable Double retryTimeout,
    @Nullable Timeout timeout,
    @Nullable Tls tls,
    @Nullable KeepalivePool keepalivePool,
    String type,
    Map<String, @Nullable Object> checks,
    String hashOn,
    @Nullable String key,
    String scheme,
    @Nullable String discoveryType,
    Map<String, @Nullable Object> discoveryArgs,
    @Nullable String serviceName,
    String passHost,
    @Nullable String upstreamHost,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Upstream {
    labels = JsonTree.copyOf(labels);
    nodes = List.copyOf(nodes);
    Objects.requireNonNull(type, "type");
    checks = JsonTree.freezeObject(checks);
    Objects.requireNonNull(hashOn, "hashOn");
    Objects.requireNonNull(scheme, "scheme");
    discoveryArgs = JsonTree.freezeObject(discoveryArgs);
    Objects.requireNonNull(passHost, "passHost");
  }

  /**
   * One upstream server.
   *
   * @param host a host name, an IPv4 address or an IPv6 address in brackets ({@code [::1]})
   * @param port the port (1–65535), or null when not written: APISIX then uses 80, or 443 for
   *     the {@code https} and {@code grpcs} schemes
   * @param weight the weight, 0 or more
   * @param priority the priority (default 0); lower priorities are used only when every node of
   *     a higher one has failed
   * @param metadata free-form metadata, empty when unset
   */
  public record Node(String host, @Nullable Integer port, int weight, int priority, Map<String, @Nullable Object> metadata) {
    public Node {
      Objects.requireNonNull(host, "host");
      metadata = JsonTree.freezeObject(metadata);
    }
  }

  /**
   * Proxy timeouts in seconds, each greater than 0 (APISIX's {@code timeout_def}; also the type of
   * a route's {@code timeout}, which overrides its upstream's).
   */
  public record Timeout(double connect, double send, double read) {}

  /**
   * TLS toward the upstream: a client certificate, given inline or as the id of an ssl of type
   * {@code client}. {@code clientKey} is as stored: PEM, or APISIX's encrypted form.
   *
   * @param verify whether to verify the server's certificate (default false)
   */
  public record Tls(@Nullable String clientCertId, @Nullable String clientCert, @Nullable String clientKey, boolean verify) {}

  /**
   * The connection pool (defaults: size 320, idle timeout 60 s, 1000 requests per connection).
   *
   * @param idleTimeout seconds
   */
  public record KeepalivePool(int size, double idleTimeout, int requests) {}
}
