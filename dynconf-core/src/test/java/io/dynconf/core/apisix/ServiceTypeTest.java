package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceTypeTest {

  @Test
  void decodesTheAdminApiExample() {
    Service service = decode(StandardTypes.SERVICES, "201", """
        {
          "plugins": {"limit-count": {"count": 2, "time_window": 60, "rejected_code": 503, "key": "remote_addr"}},
          "enable_websocket": true,
          "upstream": {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}},
          "hosts": ["foo.com", "bar.com"],
          "name": "svc", "desc": "a service", "labels": {"team": "edge"}
        }""");

    assertThat(service.id()).isEqualTo("201");
    assertThat(service.plugins().get("limit-count")).containsEntry("count", 2L);
    assertThat(service.enableWebsocket()).isTrue();
    assertThat(service.upstream().nodes()).containsExactly(new Upstream.Node("127.0.0.1", 1980, 1, 0, Map.of()));
    assertThat(service.upstream().scheme()).isEqualTo("http");
    assertThat(service.hosts()).containsExactly("foo.com", "bar.com");
    assertThat(service.name()).isEqualTo("svc");
    assertThat(service.desc()).isEqualTo("a service");
    assertThat(service.labels()).containsExactly(Map.entry("team", "edge"));
    assertThat(service.upstreamId()).isNull();
    assertThat(service.script()).isNull();
  }

  @Test
  void referencesItsUpstream() {
    Service service = decode(StandardTypes.SERVICES, "1", "{\"upstream_id\": \"u1\"}");

    assertThat(service.upstreamId()).isEqualTo("u1");
    assertThat(service.hosts()).isEmpty();
    assertThat(service.enableWebsocket()).isNull();
    assertThat(StandardTypes.SERVICES.referencesOf(service)).containsExactly(Reference.to("upstreams", "u1", "upstream_id"));
  }

  @Test
  void checksTheEmbeddedUpstream() {
    InvalidConfigException e = rejection(StandardTypes.SERVICES, "1",
        "{\"upstream\": {\"pass_host\": \"rewrite\", \"nodes\": {\"a:80\": 1}}}");

    assertThat(e.field()).isEqualTo("/upstream/upstream_host");
    assertThat(e.reason()).isEqualTo("`upstream_host` can't be empty when `pass_host` is `rewrite`");
  }

  @Test
  void rejectsRouteOnlyFields() {
    InvalidConfigException e = rejection(StandardTypes.SERVICES, "1", "{\"uri\": \"/a\", \"upstream_id\": \"1\"}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).isEqualTo("extraneous key [uri] is not permitted");
  }

  @Test
  void rejectsAnIdThatDiffersFromTheKey() {
    InvalidConfigException e = rejection(StandardTypes.SERVICES, "1", "{\"id\": \"one\", \"upstream_id\": \"1\"}");

    assertThat(e.field()).isEqualTo("/id");
  }
}
