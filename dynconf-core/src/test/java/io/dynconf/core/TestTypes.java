package io.dynconf.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Small resource types for registry tests, independent of the standard APISIX types. */
final class TestTypes {
  private TestTypes() {}

  static final ResourceType<ObjectNode> UPSTREAMS =
      ResourceType.builder("upstreams", ObjectNode.class)
          .schema("{\"type\":\"object\",\"required\":[\"nodes\"],\"properties\":{\"nodes\":{\"type\":\"object\"}}}")
          .build();

  static final ResourceType<ObjectNode> SERVICES =
      ResourceType.builder("services", ObjectNode.class)
          .schema("{\"type\":\"object\",\"properties\":{\"upstream_id\":{\"type\":\"string\"}}}")
          .references(Set.of("upstreams"), s -> refs(s, "upstream_id", "upstreams"))
          .build();

  static final ResourceType<ObjectNode> ROUTES =
      ResourceType.builder("routes", ObjectNode.class)
          .schema("{\"type\":\"object\",\"required\":[\"uri\"],\"properties\":{"
              + "\"uri\":{\"type\":\"string\",\"pattern\":\"^/\"},"
              + "\"methods\":{\"type\":\"array\",\"items\":{\"enum\":[\"GET\",\"POST\"]}},"
              + "\"upstream_id\":{\"type\":\"string\"},\"service_id\":{\"type\":\"string\"}}}")
          .checker(r -> {
            if (r.path("uri").asText().contains("..")) {
              throw new InvalidConfigException("/uri", "must not contain \"..\"");
            }
          })
          .references(Set.of("upstreams", "services"), r -> {
            List<Reference> out = new ArrayList<>(refs(r, "upstream_id", "upstreams"));
            out.addAll(refs(r, "service_id", "services"));
            return out;
          })
          .build();

  static List<ResourceType<?>> all() {
    return List.of(ROUTES, SERVICES, UPSTREAMS);
  }

  private static List<Reference> refs(ObjectNode o, String field, String type) {
    return o.hasNonNull(field) ? List.of(Reference.to(type, o.get(field).asText(), field)) : List.of();
  }

  static String upstream(String host) {
    return "{\"nodes\":{\"" + host + ":80\":1}}";
  }

  static String route(String uri) {
    return "{\"uri\":\"" + uri + "\"}";
  }

  static String route(String uri, String upstreamId) {
    return "{\"uri\":\"" + uri + "\",\"upstream_id\":\"" + upstreamId + "\"}";
  }
}
