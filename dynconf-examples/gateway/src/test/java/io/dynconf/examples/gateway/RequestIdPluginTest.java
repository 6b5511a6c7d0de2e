package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import java.util.HashSet;
import java.util.Set;


import org.junit.jupiter.api.Test;


/** APISIX's request-id through a real gateway: every algorithm, the header options, the refusals. */
class RequestIdPluginTest extends PluginGatewayTest {
  @Test
  void aNewUuidGoesUpstreamAndBackAndAClientsIdIsKept() throws Exception {
    gw.route("r", "/id", "\"request-id\":{}");
    gw.awaitStatus("/id", 200);
    HttpResponse<String> r = gw.get("/id");
    String id = r.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(gw.lastUpstreamHeader("X-request-id")).isEqualTo(id);
    assertThat(gw.get("/id").headers().firstValue("X-Request-Id")).isNotEqualTo(r.headers().firstValue("X-Request-Id"));

    HttpResponse<String> own = gw.get("/id", "X-Request-Id", "client-chosen");
    assertThat(own.headers().firstValue("X-Request-Id")).hasValue("client-chosen");
    assertThat(gw.lastUpstreamHeader("X-request-id")).isEqualTo("client-chosen");
  }

  @Test
  void headerNameIncludeInResponseAndAnUpstreamsOwnHeader() throws Exception {
    gw.route("r", "/id", "\"request-id\":{\"header_name\":\"X-Trace\",\"include_in_response\":false}");
    gw.route("ct", "/ct", "\"request-id\":{\"header_name\":\"Content-Type\"}");
    gw.awaitStatus("/ct", 200);
    HttpResponse<String> r = gw.get("/id");
    assertThat(r.headers().firstValue("X-Trace")).isEmpty();
    assertThat(r.headers().firstValue("X-Request-Id")).isEmpty();
    assertThat(gw.lastUpstreamHeader("X-trace")).isNotEmpty();
    assertThat(gw.get("/ct").headers().firstValue("Content-Type")).as("the upstream's header is kept").hasValue("text/plain");
  }

  @Test
  void everyAlgorithm() throws Exception {
    gw.route("v7", "/v7", "\"request-id\":{\"algorithm\":\"uuidv7\"}");
    gw.route("nano", "/nano", "\"request-id\":{\"algorithm\":\"nanoid\"}");
    gw.route("ksuid", "/ksuid", "\"request-id\":{\"algorithm\":\"ksuid\"}");
    gw.route("range", "/range", "\"request-id\":{\"algorithm\":\"range_id\",\"range_id\":{\"length\":40,\"char_set\":\"abcdef\"}}");
    gw.route("rdef", "/rdef", "\"request-id\":{\"algorithm\":\"range_id\"}");
    gw.awaitStatus("/rdef", 200);
    long before = System.currentTimeMillis();
    String v7 = gw.get("/v7").headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(v7).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    long millis = Long.parseLong(v7.substring(0, 8) + v7.substring(9, 13), 16);
    assertThat(millis).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    assertThat(gw.get("/nano").headers().firstValue("X-Request-Id").orElseThrow()).matches("[A-Za-z0-9_-]{21}");
    assertThat(gw.get("/ksuid").headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9A-Za-z]{27}");
    assertThat(gw.get("/range").headers().firstValue("X-Request-Id").orElseThrow()).matches("[a-f]{40}");
    assertThat(gw.get("/rdef").headers().firstValue("X-Request-Id").orElseThrow()).matches("[a-zA-Z0-9]{16}");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      assertThat(seen.add(gw.get("/nano").headers().firstValue("X-Request-Id").orElseThrow())).isTrue();
    }
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"request-id\":{\"algorithm\":\"snowflake\"}", "plugins/request-id/algorithm");
    gw.refused("\"request-id\":{\"header_name\":1}", "plugins/request-id/header_name");
    gw.refused("\"request-id\":{\"include_in_response\":\"yes\"}", "plugins/request-id/include_in_response");
    gw.refused("\"request-id\":{\"range_id\":{\"length\":5}}", "plugins/request-id/range_id/length");
    gw.refused("\"request-id\":{\"range_id\":{\"char_set\":\"abc\"}}", "plugins/request-id/range_id/char_set");
    gw.refused("\"request-id\":{\"range_id\":[]}", "plugins/request-id/range_id");
  }
}
