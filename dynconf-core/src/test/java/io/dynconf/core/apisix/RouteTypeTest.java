package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTypeTest {

  private static Route route(String json) {
    return decode(StandardTypes.ROUTES, "1", json);
  }

  private static InvalidConfigException rejected(String json) {
    return rejection(StandardTypes.ROUTES, "1", json);
  }

  @Test
  void decodesTheAdminApiExampleWithDefaultsApplied() {
    Route route = route("""
        {
          "uri": "/index.html",
          "hosts": ["foo.com", "*.bar.com"],
          "remote_addrs": ["127.0.0.0/8"],
          "methods": ["PUT", "GET"],
          "enable_websocket": true,
          "upstream": {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}}
        }""");

    assertThat(route.id()).isEqualTo("1");
    assertThat(route.uris()).containsExactly("/index.html");
    assertThat(route.hosts()).containsExactly("foo.com", "*.bar.com");
    assertThat(route.remoteAddrs()).containsExactly("127.0.0.0/8");
    assertThat(route.methods()).containsExactly("PUT", "GET");
    assertThat(route.enableWebsocket()).isTrue();
    assertThat(route.status()).isEqualTo(1);
    assertThat(route.priority()).isZero();
    assertThat(route.upstream()).isNotNull();
    assertThat(route.upstream().nodes()).containsExactly(new Upstream.Node("127.0.0.1", 1980, 1, 0, Map.of()));
    assertThat(route.upstream().id()).isNull();
    assertThat(route.vars()).isEmpty();
    assertThat(route.plugins()).isEmpty();
    assertThat(route.name()).isNull();
    assertThat(route.timeout()).isNull();
  }

  @Test
  void decodesPluginsTimeoutLabelsAndTimestamps() {
    Route route = route("""
        {
          "id": "1", "name": "r1", "desc": "limited", "uri": "/hello", "priority": 10, "status": 0,
          "labels": {"env": "prod", "team": "edge"},
          "timeout": {"connect": 3, "send": 3, "read": 2.5},
          "plugins": {"limit-count": {"count": 2, "time_window": 60, "rejected_code": 503, "key": "remote_addr"}},
          "upstream_id": 1, "service_id": "s1", "plugin_config_id": "pc1",
          "create_time": 1700000000, "update_time": 1700000100
        }""");

    assertThat(route.name()).isEqualTo("r1");
    assertThat(route.desc()).isEqualTo("limited");
    assertThat(route.priority()).isEqualTo(10);
    assertThat(route.status()).isZero();
    assertThat(route.labels()).containsExactly(Map.entry("env", "prod"), Map.entry("team", "edge"));
    assertThat(route.timeout()).isEqualTo(new Upstream.Timeout(3, 3, 2.5));
    assertThat(route.plugins()).containsOnlyKeys("limit-count");
    assertThat(route.plugins().get("limit-count"))
        .containsExactly(Map.entry("count", 2L), Map.entry("time_window", 60L), Map.entry("rejected_code", 503L),
            Map.entry("key", "remote_addr"));
    assertThat(route.upstreamId()).isEqualTo("1");
    assertThat(route.serviceId()).isEqualTo("s1");
    assertThat(route.pluginConfigId()).isEqualTo("pc1");
    assertThat(route.createTime()).isEqualTo(1700000000L);
    assertThat(route.updateTime()).isEqualTo(1700000100L);
    assertThat(route.enableWebsocket()).isNull();
  }

  @Test
  void normalisesTheSingularSpellingsToLists() {
    Route route = route("""
        {"uri": "/a", "host": "foo.com", "remote_addr": "::1", "upstream_id": "1"}""");

    assertThat(route.uris()).containsExactly("/a");
    assertThat(route.hosts()).containsExactly("foo.com");
    assertThat(route.remoteAddrs()).containsExactly("::1");
  }

  @Test
  void keepsThePluralSpellingsInOrder() {
    Route route = route("""
        {"uris": ["/b", "/a/*"], "hosts": ["b.com", "a.com"], "remote_addrs": ["10.0.0.0/8", "fe80::/10"], "upstream_id": "1"}""");

    assertThat(route.uris()).containsExactly("/b", "/a/*");
    assertThat(route.hosts()).containsExactly("b.com", "a.com");
    assertThat(route.remoteAddrs()).containsExactly("10.0.0.0/8", "fe80::/10");
  }

  @Test
  void keepsTheVarsExpressionAsAJavaTree() {
    Route route = route("""
        {"uri": "/a", "upstream_id": "1",
         "vars": [["arg_name", "==", "json"], ["arg_age", ">", 18], ["http_x", "~=", null]]}""");

    assertThat(route.vars()).containsExactly(List.of("arg_name", "==", "json"), List.of("arg_age", ">", 18L),
        Arrays.asList("http_x", "~=", null));
  }

  @Test
  void acceptsAScriptRouteAndKeepsTheLuaAsText() {
    Route route = route("""
        {"uri": "/a", "script": "local _M = {} return _M", "filter_func": "function(vars) return true end"}""");

    assertThat(route.script()).isEqualTo("local _M = {} return _M");
    assertThat(route.filterFunc()).isEqualTo("function(vars) return true end");
  }

  @Test
  void rejectsAnIdThatDiffersFromTheKey() {
    InvalidConfigException e = rejected("""
        {"id": "2", "uri": "/a", "upstream_id": "1"}""");

    assertThat(e.field()).isEqualTo("/id");
    assertThat(e.reason()).contains("\"2\" differs from the id in the key (\"1\")");
  }

  @Test
  void rejectsARouteWithoutUriOrUris() {
    InvalidConfigException e = rejected("""
        {"upstream_id": "1"}""");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains("required key [");
  }

  @Test
  void rejectsARouteWithNothingToHandleItEvenWithAPluginConfig() {
    InvalidConfigException e = rejected("""
        {"uri": "/a", "plugin_config_id": "1"}""");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains("required key");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"uri\": \"/a\", \"uris\": [\"/b\"], \"upstream_id\": \"1\"}                      | only one of \"uri\" and \"uris\" may be set",
      "{\"uri\": \"/a\", \"remote_addr\": \"1.1.1.1\", \"remote_addrs\": [\"2.2.2.2\"], \"upstream_id\": \"1\"} | only one of \"remote_addr\" and \"remote_addrs\" may be set",
      "{\"uri\": \"/a\", \"script\": \"local _M = {} return _M\", \"plugins\": {}}                                 | \"script\" cannot be combined with \"plugins\"",
      "{\"uri\": \"/a\", \"script\": \"local _M = {} return _M\", \"plugin_config_id\": \"1\"}                       | \"script\" cannot be combined with \"plugin_config_id\"",
      "{\"uri\": \"/a\"}                                                                  | required key [plugins], [upstream], [upstream_id], [service_id] or [script] not found",
  })
  void enforcesApisixRulesAboutWhichFieldsGoTogether(String json, String reason) {
    InvalidConfigException e = rejected(json);

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains(reason.trim());
  }

  @Test
  void rejectsHostTogetherWithHosts() {
    InvalidConfigException e = rejected("""
        {"uri": "/a", "host": "a.com", "hosts": ["b.com"], "upstream_id": "1"}""");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains("\"host\"").contains("\"hosts\"");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"status\": 2}                      | /status       | 2 is not a valid enum value",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"methods\": [\"get\"]}             | /methods/0    | get is not a valid enum value",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"hosts\": [\"a b\"]}               | /hosts/0      | does not match pattern",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"extra\": 1}                       | ''            | extraneous key [extra]",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"remote_addrs\": [\"10.0.0.0/33\"]} | /remote_addrs/0 | 10.0.0.0/33",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"timeout\": {\"connect\": 1}}      | /timeout      | required key [read] not found (and 1 more violation)",
      "{\"uri\": \"/a\", \"plugins\": {\"limit-count\": 1}}                          | /plugins/limit-count | expected type: object",
      "{\"uri\": \"/a\", \"upstream\": {\"nodes\": [{\"host\": \"a\", \"port\": 0, \"weight\": 1}]}} | /upstream/nodes/0/port | 0 is not greater or equal to 1",
      "{\"uri\": \"/a\", \"upstream\": {\"nodes\": {\"a:80\": -1}}}                  | /upstream/nodes/a:80 | -1 is not greater or equal to 0",
  })
  void rejectsSchemaViolationsAtTheirField(String json, String field, String reason) {
    InvalidConfigException e = rejected(json);

    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).contains(reason);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"remote_addr\": \":/8\"}                      | /remote_addr",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"remote_addrs\": [\"10.0.0.1\", \"fe80::/129\"]} | /remote_addrs/1",
      "{\"uri\": \"/a\", \"upstream_id\": \"1\", \"remote_addrs\": [\"1:2:3/64\"]}               | /remote_addrs/0",
  })
  void rejectsRemoteAddressesTheLooseSchemaPatternLetThrough(String json, String field) {
    InvalidConfigException e = rejected(json);

    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).endsWith("is not an IP address or CIDR block");
  }

  @Test
  void rejectsAPathPatternTheRouterCannotCompile() {
    InvalidConfigException single = rejected("""
        {"uri": "/a/*/b", "upstream_id": "1"}""");
    assertThat(single.field()).isEqualTo("/uri");
    assertThat(single.reason()).contains("/a/*/b").contains("'*'");

    InvalidConfigException many = rejected("""
        {"uris": ["/ok", "/u/:id/:id"], "upstream_id": "1"}""");
    assertThat(many.field()).isEqualTo("/uris/1");
    assertThat(many.reason()).contains("/u/:id/:id").contains("id");
  }

  @Test
  void rejectsABadVarsExpressionAtTheOffendingElement() {
    InvalidConfigException e = rejected("""
        {"uri": "/a", "upstream_id": "1", "vars": [["arg_name", "=", "json"]]}""");

    assertThat(e.field()).isEqualTo("/vars/0/1");
    assertThat(e.reason()).startsWith("invalid operator '='");
  }

  @Test
  void rejectsAVarsRegexThatDoesNotCompile() {
    InvalidConfigException e = rejected("""
        {"uri": "/a", "upstream_id": "1", "vars": [["OR", ["arg_a", "==", "1"], ["uri", "~~", "^/(api"]]]}""");

    assertThat(e.field()).isEqualTo("/vars/0/2/2");
    assertThat(e.reason()).startsWith("invalid regular expression \"^/(api\": Unclosed group");
  }

  @Test
  void rejectsVarsNotWrappedInBrackets() {
    InvalidConfigException e = rejected("""
        {"uri": "/a", "upstream_id": "1", "vars": ["arg_name", "==", "json"]}""");

    assertThat(e.field()).isEqualTo("/vars/0");
    assertThat(e.reason()).startsWith("rule should be wrapped inside brackets");
  }

  @Test
  void checksAnEmbeddedUpstreamLikeAStoredOne() {
    InvalidConfigException chash = rejected("""
        {"uri": "/a", "upstream": {"type": "chash", "nodes": {"127.0.0.1:80": 1}}}""");
    InvalidConfigException port = rejected("""
        {"uri": "/a", "upstream": {"nodes": {"127.0.0.1:0": 1}}}""");

    assertThat(chash.field()).isEqualTo("/upstream/key");
    assertThat(chash.reason()).startsWith("missing key");
    assertThat(port.field()).isEqualTo("/upstream/nodes/127.0.0.1:0");
    assertThat(port.reason()).isEqualTo("invalid port 0: must be from 1 to 65535");
  }

  @Test
  void reportsItsReferences() {
    Route route = route("""
        {"uri": "/a", "upstream_id": 7, "service_id": "s", "plugin_config_id": "p",
         "upstream": {"nodes": {"a:1": 1}, "tls": {"client_cert_id": "c"}}}""");

    assertThat(StandardTypes.ROUTES.referencesOf(route)).containsExactly(
        Reference.to("upstreams", "7", "upstream_id"),
        Reference.to("services", "s", "service_id"),
        Reference.to("plugin_configs", "p", "plugin_config_id"),
        Reference.to("ssls", "c", "upstream.tls.client_cert_id"));
    assertThat(StandardTypes.ROUTES.referencesOf(route("{\"uri\": \"/a\", \"plugins\": {}}"))).isEmpty();
  }
}
