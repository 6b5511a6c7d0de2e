package io.dynconf.jmh;

import java.nio.charset.StandardCharsets;

/** Realistic APISIX route JSON for the registry benchmarks. */
final class RouteFixtures {
  private RouteFixtures() {}

  static final String UPSTREAM = "{\"type\":\"roundrobin\",\"nodes\":{\"10.0.0.1:8080\":1,\"10.0.0.2:8080\":1}}";

  /** A route as an APISIX user writes one: uri, methods, hosts, a vars rule, a plugin, an upstream reference. */
  static byte[] route(int i) {
    return ("{\"id\":\"" + i + "\",\"name\":\"route-" + i + "\",\"uri\":\"/api/v1/svc" + (i % 97) + "/items/" + i + "\","
            + "\"methods\":[\"GET\",\"POST\"],\"hosts\":[\"api" + (i % 10) + ".example.com\"],"
            + "\"vars\":[[\"http_x_tenant\",\"==\",\"t" + (i % 50) + "\"]],"
            + "\"plugins\":{\"limit-count\":{\"count\":100,\"time_window\":60,\"key\":\"remote_addr\"}},"
            + "\"priority\":" + (i % 3) + ",\"upstream_id\":\"u1\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
