package io.dynconf.examples.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.Health;
import io.dynconf.core.Pending;
import io.dynconf.core.Rejection;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.EtcdStatus;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.HealthListener;
import io.dynconf.radix.balance.NodeHealth;
import io.dynconf.radix.balance.UpstreamHealth;
import io.dynconf.radix.balance.Node;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators see on the admin listener: {@code GET /dynconf/status} (JSON: health, the source and its
 * lag, the registry's state and applied revision, versions and sizes per store, rejected items
 * with reasons, pending items and what they wait for, routes left out and why) and {@code GET
 * /apisix/prometheus/metrics} (Prometheus text under APISIX's names, see {@link GatewayMetrics}:
 * {@code apisix_http_status}, {@code apisix_http_latency}, {@code apisix_bandwidth}, connections,
 * {@code apisix_upstream_status} of nodes with health checks, {@code apisix_etcd_reachable} and
 * {@code apisix_etcd_modify_indexes} (per store the revision of its last change, deletes included,
 * where APISIX takes the highest modifiedIndex of the items left), {@code apisix_node_info}; then
 * the {@code dynconf_*} config metrics: revision, lag, versions, rejections, pending);
 * {@code /dynconf/status} also lists {@code upstreams_health} as APISIX's
 * {@code /v1/healthcheck} does.
 */
public final class Operators implements HealthListener {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(Operators.class);

  /** The stores {@code apisix_etcd_modify_indexes} reports, as APISIX's exporter lists them. */
  private static final java.util.List<String> MODIFY_INDEX_KEYS = java.util.List.of("routes", "services", "ssls",
      "consumers", "global_rules", "upstreams", "stream_routes", "protos");
  private static final String HOSTNAME = io.dynconf.netty.plugin.HostName.get();
  private static final String VERSION = version();

  private final ConfigSource source;
  private final ConfigRegistry registry;
  private final RouteTable routes;
  private final GatewayMetrics metrics;
  private volatile @Nullable Balancers balancers;

  public Operators(ConfigSource source, ConfigRegistry registry, RouteTable routes, GatewayMetrics metrics) {
    this.source = source;
    this.registry = registry;
    this.routes = routes;
    this.metrics = metrics;
  }

  private volatile java.util.function.Supplier<Map<String, Map<String, Long>>> pluginCounters = Map::of;

  /** Where the plugins' counters come from ({@code GatewayPlugin.counters()}: a logger's sent and dropped entries). */
  public void pluginCounters(java.util.function.Supplier<Map<String, Map<String, Long>>> counters) {
    this.pluginCounters = counters;
  }

  /** The balancers whose node health the status and metrics show (they take this as their listener, so they come later). */
  public void balancers(Balancers balancers) {
    this.balancers = balancers;
  }

  @Override
  public void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {
    LOG.info("upstream {} node {}: {} ({})", upstreamKey, node.address(), healthy ? "healthy" : "unhealthy", reason);
  }

  @Override
  public void allUnhealthy(String upstreamKey, boolean allUnhealthy) {
    if (allUnhealthy) {
      LOG.warn("upstream {}: every node is unhealthy; requests go to all of them (APISIX's fallback)", upstreamKey);
    } else {
      LOG.info("upstream {}: a node is healthy again", upstreamKey);
    }
  }

  private List<UpstreamHealth> health() {
    Balancers b = balancers;
    return b == null ? List.of() : b.health();
  }

  public String statusJson() {
    ConfigSnapshot s = registry.snapshot();
    ConfigRegistry.Status st = registry.status();
    ObjectNode root = JSON.createObjectNode();
    ObjectNode src = root.putObject("source");
    src.put("description", source.toString());
    if (source instanceof EtcdSource etcd) {
      EtcdStatus es = etcd.status();
      src.put("state", es.state().name());
      src.put("etcd_revision", es.etcdRevision());
      src.put("lag_revisions", Math.max(0, es.etcdRevision() - st.appliedRevision()));
      src.put("reconnects", es.reconnects());
      src.put("last_error", es.lastError());
    }
    Health h = registry.health(); // the one truthful answer to "am I current?" (UP, STALE, DOWN)
    ObjectNode health = root.putObject("health");
    health.put("status", h.status().name());
    health.put("since", h.since() == null ? null : h.since().toString());
    health.put("reason", h.reason());
    health.put("source_connected", h.sourceConnected());
    health.put("last_contact", h.lastContact() == null ? null : h.lastContact().toString());
    ObjectNode reg = root.putObject("registry");
    reg.put("state", st.state().name());
    reg.put("applied_revision", st.appliedRevision());
    reg.put("snapshot_version", st.snapshotVersion());
    reg.put("relists", st.relists());
    reg.put("from_last_known_good", s.fromLastKnownGood());
    reg.put("last_error", st.lastError());
    reg.put("snapshot_time", s.time().toString());
    ObjectNode checked = reg.putObject("checked_values"); // values the admin API checked, handed to the registry
    registry.checkedValues().counts().forEach(checked::put);
    ObjectNode stores = root.putObject("stores");
    for (ConfigStore<?> store : s.stores()) {
      ObjectNode o = stores.putObject(store.type().name());
      o.put("size", store.size());
      o.put("version", store.version());
      o.put("revision", store.revision());
    }
    ArrayNode rejected = root.putArray("rejected");
    for (Rejection r : s.rejections().values()) {
      ObjectNode o = rejected.addObject();
      o.put("key", r.key());
      o.put("mod_revision", r.modRevision());
      o.put("field", r.field());
      o.put("reason", r.reason());
      o.put("time", r.time().toString());
    }
    ArrayNode pending = root.putArray("pending");
    for (Pending p : s.pending().values()) {
      ObjectNode o = pending.addObject();
      o.put("key", p.key());
      o.put("mod_revision", p.modRevision());
      o.put("waits_for", p.toString());
    }
    ObjectNode rt = root.putObject("routes");
    rt.put("routed", routes.router().size());
    rt.put("revision", routes.revision());
    ObjectNode skipped = rt.putObject("not_routed");
    routes.skipped().forEach(skipped::put);
    root.put("requests_in_flight", metrics.inFlight());
    ObjectNode pluginsNode = root.putObject("plugins"); // counters plugins report (a logger's sent and dropped entries)
    pluginCounters.get().forEach((plugin, counters) -> {
      ObjectNode o = pluginsNode.putObject(plugin);
      counters.forEach(o::put);
    });
    ArrayNode upstreams = root.putArray("upstreams_health"); // as APISIX's /v1/healthcheck: upstreams with checks
    for (UpstreamHealth u : health()) {
      if (!u.checks()) {
        continue;
      }
      ObjectNode o = upstreams.addObject();
      o.put("name", u.upstreamKey());
      o.put("type", u.activeType());
      o.put("probing", u.probing());
      o.put("checker_starts", u.checkerStarts());
      o.put("all_unhealthy", u.allUnhealthy());
      ArrayNode nodes = o.putArray("nodes");
      for (NodeHealth n : u.nodes()) {
        ObjectNode x = nodes.addObject();
        x.put("ip", n.node().host());
        x.put("port", n.node().port());
        x.put("status", n.status());
        x.put("healthy", n.healthy());
        x.put("since_seconds", n.inStateFor().toMillis() / 1000.0);
        x.put("last_probe", n.lastProbe() == null ? null : n.lastProbe().toString());
        x.put("last_probe_ago_seconds", n.lastProbeAgo() == null ? null : n.lastProbeAgo().toMillis() / 1000.0);
        ObjectNode counter = x.putObject("counter");
        counter.put("success", n.successes());
        counter.put("http_failure", n.httpFailures());
        counter.put("tcp_failure", n.tcpFailures());
        counter.put("timeout_failure", n.timeouts());
      }
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String version() {
    String v = Operators.class.getPackage().getImplementationVersion();
    return "dynconf-" + (v == null ? "dev" : v);
  }

  public String prometheus() {
    StringBuilder out = new StringBuilder(4096);
    metrics.write(out);
    ConfigSnapshot s = registry.snapshot();
    ConfigRegistry.Status st = registry.status();
    Map<String, Map<String, Long>> pc = pluginCounters.get();
    if (!pc.isEmpty()) {
      out.append("# HELP dynconf_plugin_counter Counters plugins report (a logger's sent, pending and dropped entries).\n");
      out.append("# TYPE dynconf_plugin_counter gauge\n");
      pc.forEach((plugin, counters) -> counters.forEach((name, v) -> out.append("dynconf_plugin_counter{plugin=\"").append(plugin)
          .append("\",counter=\"").append(name).append("\"} ").append(v).append('\n')));
    }
    out.append("# HELP dynconf_config_applied_revision The source revision the configuration reflects.\n");
    out.append("# TYPE dynconf_config_applied_revision gauge\n");
    out.append("dynconf_config_applied_revision ").append(st.appliedRevision()).append('\n');
    if (source instanceof EtcdSource etcd) {
      EtcdStatus es = etcd.status();
      out.append("# HELP dynconf_config_lag_revisions etcd's revision minus the applied revision.\n");
      out.append("# TYPE dynconf_config_lag_revisions gauge\n");
      out.append("dynconf_config_lag_revisions ").append(Math.max(0, es.etcdRevision() - st.appliedRevision())).append('\n');
    }
    out.append("# HELP dynconf_config_snapshot_version Incremented on every applied change.\n");
    out.append("# TYPE dynconf_config_snapshot_version counter\n");
    out.append("dynconf_config_snapshot_version ").append(st.snapshotVersion()).append('\n');
    out.append("# HELP dynconf_config_items Items served per store.\n# TYPE dynconf_config_items gauge\n");
    for (ConfigStore<?> store : s.stores()) {
      out.append("dynconf_config_items{type=\"").append(store.type().name()).append("\"} ").append(store.size()).append('\n');
    }
    out.append("# HELP dynconf_config_rejected Items rejected (the previous good value keeps serving).\n");
    out.append("# TYPE dynconf_config_rejected gauge\n");
    out.append("dynconf_config_rejected ").append(s.rejections().size()).append('\n');
    out.append("# HELP dynconf_config_pending Items waiting for a reference.\n# TYPE dynconf_config_pending gauge\n");
    out.append("dynconf_config_pending ").append(s.pending().size()).append('\n');
    out.append("# HELP dynconf_routes_not_routed Routes left out (disabled, Lua filter, missing reference).\n");
    out.append("# TYPE dynconf_routes_not_routed gauge\n");
    out.append("dynconf_routes_not_routed ").append(routes.skipped().size()).append('\n');
    if (source instanceof EtcdSource etcd) {
      EtcdStatus es = etcd.status();
      out.append("# HELP apisix_etcd_reachable Config server etcd reachable from APISIX, 0 is unreachable\n");
      out.append("# TYPE apisix_etcd_reachable gauge\n");
      boolean reachable = es.state() == EtcdStatus.State.CONNECTED || es.state() == EtcdStatus.State.IDLE;
      out.append("apisix_etcd_reachable ").append(reachable ? 1 : 0).append('\n');
      out.append("# HELP apisix_etcd_modify_indexes Etcd modify index for APISIX keys\n");
      out.append("# TYPE apisix_etcd_modify_indexes gauge\n");
      long max = 0;
      for (String key : MODIFY_INDEX_KEYS) {
        ConfigStore<?> store = null;
        for (ConfigStore<?> candidate : s.stores()) {
          if (candidate.type().name().equals(key)) {
            store = candidate;
          }
        }
        long revision = store == null ? 0 : store.revision();
        max = Math.max(max, revision);
        out.append("apisix_etcd_modify_indexes{key=\"").append(key).append("\"} ").append(revision).append('\n');
      }
      out.append("apisix_etcd_modify_indexes{key=\"max_modify_index\"} ").append(max).append('\n');
      out.append("apisix_etcd_modify_indexes{key=\"x_etcd_index\"} ").append(es.etcdRevision()).append('\n');
    }
    out.append("# HELP apisix_node_info Info of APISIX node\n# TYPE apisix_node_info gauge\n");
    out.append("apisix_node_info{hostname=\"").append(GatewayMetrics.escape(HOSTNAME)).append("\",version=\"")
        .append(GatewayMetrics.escape(VERSION)).append("\"} 1\n");
    out.append("# HELP apisix_upstream_status Health of upstream nodes with health checks: 1 takes traffic, 0 does not.\n");
    out.append("# TYPE apisix_upstream_status gauge\n");
    for (UpstreamHealth u : health()) {
      if (u.checks()) {
        for (NodeHealth n : u.nodes()) {
          out.append("apisix_upstream_status{name=\"").append(GatewayMetrics.escape(u.upstreamKey())).append("\",ip=\"")
              .append(GatewayMetrics.escape(n.node().host())).append("\",port=\"").append(n.node().port()).append("\"} ")
              .append(n.healthy() ? 1 : 0).append('\n');
        }
      }
    }
    return out.toString();
  }
}
