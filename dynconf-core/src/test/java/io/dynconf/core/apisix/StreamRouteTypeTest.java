package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamRouteTypeTest {

  private static StreamRoute streamRoute(String json) {
    return decode(StandardTypes.STREAM_ROUTES, "1", json);
  }

  @Test
  void decodesTheAdminApiExample() {
    StreamRoute route = streamRoute("""
        {"remote_addr": "127.0.0.1", "upstream": {"nodes": {"127.0.0.1:1995": 1}, "type": "roundrobin"}}""");

    assertThat(route.id()).isEqualTo("1");
    assertThat(route.remoteAddr()).isEqualTo("127.0.0.1");
    assertThat(route.upstream().nodes()).containsExactly(new Upstream.Node("127.0.0.1", 1995, 1, 0, Map.of()));
    assertThat(route.serverAddr()).isNull();
    assertThat(route.serverPort()).isNull();
    assertThat(route.protocol()).isNull();
  }

  @Test
  void decodesServerMatchingAndAnXrpcProtocol() {
    StreamRoute route = streamRoute("""
        {"server_addr": "10.0.0.0/8", "server_port": 6379, "sni": "a.test.com", "upstream_id": "u", "service_id": "s",
         "protocol": {"name": "redis", "superior_id": "2", "conf": {"faults": [{"commands": ["get"], "delay": 5}]},
                      "logger": [{"name": "syslog", "filter": [["rpc_time", ">=", 0.01]], "conf": {}}]}}""");

    assertThat(route.serverAddr()).isEqualTo("10.0.0.0/8");
    assertThat(route.serverPort()).isEqualTo(6379);
    assertThat(route.sni()).isEqualTo("a.test.com");
    assertThat(route.protocol().name()).isEqualTo("redis");
    assertThat(route.protocol().superiorId()).isEqualTo("2");
    assertThat(route.protocol().conf()).isEqualTo(Map.of("faults", List.of(Map.of("commands", List.of("get"), "delay", 5L))));
    assertThat(route.protocol().logger()).containsExactly(
        Map.of("name", "syslog", "filter", List.of(List.of("rpc_time", ">=", 0.01)), "conf", Map.of()));
    assertThat(StandardTypes.STREAM_ROUTES.referencesOf(route)).containsExactly(
        Reference.to("upstreams", "u", "upstream_id"), Reference.to("services", "s", "service_id"));
  }

  @Test
  void onlySchemaChecksAnEmbeddedUpstreamAsApisixDoes() {
    StreamRoute route = streamRoute("{\"upstream\": {\"type\": \"chash\", \"nodes\": {\"127.0.0.1:6379\": 1}}}");

    assertThat(route.upstream().key()).isNull();
  }

  @Test
  void rejectsARouteThatIsItsOwnSuperior() {
    InvalidConfigException e = rejection(StandardTypes.STREAM_ROUTES, "1", "{\"protocol\": {\"name\": \"redis\", \"superior_id\": 1}}");

    assertThat(e.field()).isEqualTo("/protocol/superior_id");
    assertThat(e.reason()).isEqualTo("a stream route cannot be its own superior");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"remote_addr\": \":/8\"}                                   | /remote_addr          | \":/8\" is not an IP address or CIDR block",
      "{\"server_addr\": \"fe80::/200\"}                            | /server_addr          | \"fe80::/200\" is not an IP address or CIDR block",
      "{\"server_port\": 0}                                         | /server_port          | 0 is not greater or equal to 1",
      "{\"protocol\": {\"conf\": {}}}                               | /protocol             | required key [name] not found",
      "{\"protocol\": {\"name\": \"redis\", \"logger\": [\"syslog\"]}} | /protocol/logger/0 | expected an object",
      "{\"uri\": \"/a\"}                                            | ''                    | extraneous key [uri] is not permitted",
  })
  void rejectsBadFieldsAtTheirPointer(String json, String field, String reason) {
    InvalidConfigException e = rejection(StandardTypes.STREAM_ROUTES, "1", json);

    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).startsWith(reason);
  }
}
