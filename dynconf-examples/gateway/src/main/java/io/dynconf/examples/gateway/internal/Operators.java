package io.dynconf.examples.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.Pending;
import io.dynconf.core.Rejection;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.EtcdStatus;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.HealthListener;
import io.dynconf.radix.balance.Node;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What operators see on the admin listener: {@code GET /dynconf/status} (JSON: the source and its
 * lag, the registry's state and applied revision, versions and sizes per store, rejected items
 * with reasons, pending items and what they wait for, routes left out and why) and {@code GET
 * /apisix/prometheus/metrics} (Prometheus text: requests by route and status, latency, requests in
 * flight, upstream node health, config revision, versions, rejections, pending).
 */
public final class Operators implements HealthListener {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConfigSource source;
  private final ConfigRegistry registry;
  private final RouteTable routes;
  private final GatewayMetrics metrics;
  private final Map<String, Boolean> nodeHealth = new ConcurrentHashMap<>();

  public Operators(ConfigSource source, ConfigRegistry registry, RouteTable routes, GatewayMetrics metrics) {
    this.source = source;
    this.registry = registry;
    this.routes = routes;
    this.metrics = metrics;
  }

  @Override
  public void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {
    nodeHealth.put(upstreamKey + "\u0000" + node.address(), healthy);
  }

  @Override
  public void allUnhealthy(String upstreamKey, boolean allUnhealthy) {}

  /** Drops the node health entries of a deleted upstream (its balancer key). */
  public void forgetUpstream(String upstreamKey) {
    String prefix = upstreamKey + "\u0000";
    nodeHealth.keySet().removeIf(k -> k.startsWith(prefix));
  }

  /** How many node health entries are kept (a bound check for tests). */
  public int nodeHealthEntries() {
    return nodeHealth.size();
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
    ObjectNode reg = root.putObject("registry");
    reg.put("state", st.state().name());
    reg.put("applied_revision", st.appliedRevision());
    reg.put("snapshot_version", st.snapshotVersion());
    reg.put("relists", st.relists());
    reg.put("from_last_known_good", s.fromLastKnownGood());
    reg.put("last_error", st.lastError());
    reg.put("snapshot_time", s.time().toString());
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
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public String prometheus() {
    StringBuilder out = new StringBuilder(4096);
    metrics.write(out);
    ConfigSnapshot s = registry.snapshot();
    ConfigRegistry.Status st = registry.status();
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
    out.append("# HELP dynconf_upstream_node_healthy 1 when the node is healthy (nodes whose health changed).\n");
    out.append("# TYPE dynconf_upstream_node_healthy gauge\n");
    new java.util.TreeMap<>(nodeHealth).forEach((k, v) -> {
      int sep = k.indexOf('\u0000');
      out.append("dynconf_upstream_node_healthy{upstream=\"").append(GatewayMetrics.escape(k.substring(0, sep)))
          .append("\",node=\"").append(GatewayMetrics.escape(k.substring(sep + 1))).append("\"} ").append(v ? 1 : 0).append('\n');
    });
    return out.toString();
  }
}
