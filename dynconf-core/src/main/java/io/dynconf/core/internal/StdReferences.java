package io.dynconf.core.internal;

import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.Reference;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.StreamRoute;
import io.dynconf.core.apisix.Upstream;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The references the standard types make, in field order; fields that are not set make none. */
public final class StdReferences {
  private StdReferences() {}

  /** {@code upstream_id}, {@code service_id}, {@code plugin_config_id}, {@code upstream.tls.client_cert_id}. */
  public static List<Reference> route(Route route) {
    List<Reference> refs = new ArrayList<>();
    add(refs, "upstreams", route.upstreamId(), "upstream_id");
    add(refs, "services", route.serviceId(), "service_id");
    add(refs, "plugin_configs", route.pluginConfigId(), "plugin_config_id");
    clientCert(refs, route.upstream(), "upstream.");
    return refs;
  }

  /** {@code upstream_id}, {@code upstream.tls.client_cert_id}. */
  public static List<Reference> service(Service service) {
    List<Reference> refs = new ArrayList<>();
    add(refs, "upstreams", service.upstreamId(), "upstream_id");
    clientCert(refs, service.upstream(), "upstream.");
    return refs;
  }

  /** {@code tls.client_cert_id}: an ssl (of type client). */
  public static List<Reference> upstream(Upstream upstream) {
    List<Reference> refs = new ArrayList<>();
    clientCert(refs, upstream, "");
    return refs;
  }

  /** {@code upstream_id}, {@code service_id}. */
  public static List<Reference> streamRoute(StreamRoute route) {
    List<Reference> refs = new ArrayList<>();
    add(refs, "upstreams", route.upstreamId(), "upstream_id");
    add(refs, "services", route.serviceId(), "service_id");
    return refs;
  }

  /** {@code group_id}. */
  public static List<Reference> consumer(Consumer consumer) {
    List<Reference> refs = new ArrayList<>();
    add(refs, "consumer_groups", consumer.groupId(), "group_id");
    return refs;
  }

  /** A credential references its consumer (by username), from its key. */
  public static List<Reference> credential(io.dynconf.core.apisix.Credential credential) {
    return List.of(Reference.to("consumers", credential.consumer(), "consumer"));
  }

  private static void clientCert(List<Reference> refs, @Nullable Upstream upstream, String fieldPrefix) {
    if (upstream != null && upstream.tls() != null) {
      add(refs, "ssls", upstream.tls().clientCertId(), fieldPrefix + "tls.client_cert_id");
    }
  }

  private static void add(List<Reference> refs, String type, @Nullable String id, String field) {
    if (id != null) {
      refs.add(Reference.to(type, id, field));
    }
  }
}
