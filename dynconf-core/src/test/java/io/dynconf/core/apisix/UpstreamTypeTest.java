package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;


import static io.dynconf.core.apisix.SslTypeTest.CERT;
import static io.dynconf.core.apisix.SslTypeTest.ENCRYPTED_KEY;
import static io.dynconf.core.apisix.SslTypeTest.KEY;
import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.quote;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamTypeTest {

  private static Upstream upstream(String json) {
    return decode(StandardTypes.UPSTREAMS, "1", json);
  }

  private static InvalidConfigException rejected(String json) {
    return rejection(StandardTypes.UPSTREAMS, "1", json);
  }

  @Test
  void appliesApisixDefaults() {
    Upstream upstream = upstream("{\"nodes\": {\"127.0.0.1:1980\": 1}}");

    assertThat(upstream.id()).isEqualTo("1");
    assertThat(upstream.type()).isEqualTo("roundrobin");
    assertThat(upstream.hashOn()).isEqualTo("vars");
    assertThat(upstream.scheme()).isEqualTo("http");
    assertThat(upstream.passHost()).isEqualTo("pass");
    assertThat(upstream.retries()).isNull();
    assertThat(upstream.timeout()).isNull();
    assertThat(upstream.tls()).isNull();
    assertThat(upstream.keepalivePool()).isNull();
    assertThat(upstream.checks()).isEmpty();
    assertThat(upstream.labels()).isEmpty();
  }

  @Test
  void decodesTheMapFormOfTheChashExample() {
    Upstream upstream = upstream("""
        {"type": "chash", "key": "remote_addr", "nodes": {"127.0.0.1:80": 1, "foo.com:80": 2}}""");

    assertThat(upstream.type()).isEqualTo("chash");
    assertThat(upstream.key()).isEqualTo("remote_addr");
    assertThat(upstream.nodes()).containsExactly(
        new Upstream.Node("127.0.0.1", 80, 1, 0, Map.of()),
        new Upstream.Node("foo.com", 80, 2, 0, Map.of()));
  }

  @Test
  void decodesTheListFormWithPriorityMetadataAndDefaults() {
    Upstream upstream = upstream("""
        {"nodes": [
          {"host": "127.0.0.1", "port": 1980, "weight": 1, "priority": 10, "metadata": {"zone": "a"}},
          {"host": "[::1]", "port": 1981.0, "weight": 0},
          {"host": "backend.local", "weight": 3}
        ]}""");

    assertThat(upstream.nodes()).containsExactly(
        new Upstream.Node("127.0.0.1", 1980, 1, 10, Map.of("zone", "a")),
        new Upstream.Node("[::1]", 1981, 0, 0, Map.of()),
        new Upstream.Node("backend.local", null, 3, 0, Map.of()));
  }

  @Test
  void parsesMapFormAddressesAsApisixDoes() {
    Upstream upstream = upstream("""
        {"nodes": {"[::1]:8080": 1, "[2001:db8::1]": 2, "2001:db8::2": 3, "example.com": 4, "10.0.0.1:443": 5}}""");

    assertThat(upstream.nodes()).extracting(Upstream.Node::host, Upstream.Node::port, Upstream.Node::weight)
        .containsExactly(
            tuple("[::1]", 8080, 1),
            tuple("[2001:db8::1]", null, 2),
            tuple("[2001:db8::2]", null, 3),
            tuple("example.com", null, 4),
            tuple("10.0.0.1", 443, 5));
  }

  @Test
  void decodesEveryOtherField() {
    Upstream upstream = upstream("""
        {
          "name": "backend", "desc": "the backend", "labels": {"env": "prod"},
          "nodes": {"127.0.0.1:1980": 1},
          "retries": 2, "retry_timeout": 1.5,
          "timeout": {"connect": 5, "send": 6, "read": 7},
          "keepalive_pool": {"size": 10},
          "type": "least_conn", "scheme": "https",
          "pass_host": "rewrite", "upstream_host": "internal.example.com",
          "checks": {"active": {"http_path": "/status", "healthy": {"interval": 2, "successes": 1}}},
          "create_time": 1, "update_time": 2
        }""");

    assertThat(upstream.name()).isEqualTo("backend");
    assertThat(upstream.desc()).isEqualTo("the backend");
    assertThat(upstream.labels()).containsExactly(Map.entry("env", "prod"));
    assertThat(upstream.retries()).isEqualTo(2);
    assertThat(upstream.retryTimeout()).isEqualTo(1.5);
    assertThat(upstream.timeout()).isEqualTo(new Upstream.Timeout(5, 6, 7));
    assertThat(upstream.keepalivePool()).isEqualTo(new Upstream.KeepalivePool(10, 60, 1000));
    assertThat(upstream.type()).isEqualTo("least_conn");
    assertThat(upstream.scheme()).isEqualTo("https");
    assertThat(upstream.passHost()).isEqualTo("rewrite");
    assertThat(upstream.upstreamHost()).isEqualTo("internal.example.com");
    assertThat(upstream.checks()).isEqualTo(Map.of("active", Map.of("http_path", "/status",
        "healthy", Map.of("interval", 2L, "successes", 1L))));
    assertThat(upstream.createTime()).isEqualTo(1L);
    assertThat(upstream.updateTime()).isEqualTo(2L);
  }

  @Test
  void decodesServiceDiscoveryWithoutNodes() {
    Upstream upstream = upstream("""
        {"service_name": "APISIX-NACOS", "discovery_type": "nacos",
         "discovery_args": {"namespace_id": "test_ns", "group_name": "test_group"}}""");

    assertThat(upstream.nodes()).isEmpty();
    assertThat(upstream.serviceName()).isEqualTo("APISIX-NACOS");
    assertThat(upstream.discoveryType()).isEqualTo("nacos");
    assertThat(upstream.discoveryArgs()).containsExactly(Map.entry("namespace_id", "test_ns"), Map.entry("group_name", "test_group"));
  }

  @Test
  void acceptsAClientCertificateInPemOrEncryptedFormAndReferencesTheSsl() {
    Upstream pem = upstream("{\"nodes\": {\"a:443\": 1}, \"scheme\": \"https\", \"tls\": {\"client_cert\": " + quote(CERT)
        + ", \"client_key\": " + quote(KEY) + "}}");
    Upstream encrypted = upstream("{\"nodes\": {\"a:443\": 1}, \"tls\": {\"client_cert\": " + quote(CERT)
        + ", \"client_key\": " + quote(ENCRYPTED_KEY) + ", \"verify\": true}}");
    Upstream byId = upstream("{\"nodes\": {\"a:443\": 1}, \"tls\": {\"client_cert_id\": 9}}");

    assertThat(pem.tls()).isEqualTo(new Upstream.Tls(null, CERT, KEY, false));
    assertThat(encrypted.tls().verify()).isTrue();
    assertThat(StandardTypes.UPSTREAMS.referencesOf(pem)).isEmpty();
    assertThat(StandardTypes.UPSTREAMS.referencesOf(byId)).containsExactly(Reference.to("ssls", "9", "tls.client_cert_id"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"consumer", "vars_combinations"})
  void acceptsChashKeysAsApisixDoes(String hashOn) {
    String key = hashOn.equals("consumer") ? "" : ", \"key\": \"$host$request_uri\"";
    Upstream upstream = upstream("{\"type\": \"chash\", \"hash_on\": \"" + hashOn + "\"" + key + ", \"nodes\": {\"a:80\": 1}}");

    assertThat(upstream.hashOn()).isEqualTo(hashOn);
  }

  @Test
  void acceptsAnyBalancerNameSoCustomBalancersCanBePluggedIn() {
    assertThat(upstream("{\"type\": \"my_balancer\", \"nodes\": {\"a:80\": 1}}").type()).isEqualTo("my_balancer");
  }

  @Test
  void rejectsAnIdThatDiffersFromTheKey() {
    InvalidConfigException e = rejected("{\"id\": 2, \"nodes\": {\"a:80\": 1}}");

    assertThat(e.field()).isEqualTo("/id");
    assertThat(e.reason()).contains("\"2\" differs from the id in the key (\"1\")");
  }

  @Test
  void rejectsChashWithoutKey() {
    InvalidConfigException e = rejected("{\"type\": \"chash\", \"nodes\": {\"a:80\": 1}}");

    assertThat(e.field()).isEqualTo("/key");
    assertThat(e.reason()).isEqualTo("missing key: a chash upstream that hashes on vars needs one");
  }

  @ParameterizedTest(name = "hash_on {0}, key {1}")
  @CsvSource({
      "vars, http_x_user",
      "vars, cookie_sid",
      "header, 'X User'",
      "cookie, 'sid;'",
  })
  void rejectsAChashKeyThatDoesNotSuitHashOn(String hashOn, String key) {
    InvalidConfigException e = rejected("{\"type\": \"chash\", \"hash_on\": \"" + hashOn + "\", \"key\": \"" + key
        + "\", \"nodes\": {\"a:80\": 1}}");

    assertThat(e.field()).isEqualTo("/key");
    assertThat(e.reason()).startsWith("\"" + key + "\" is not a valid key for hash_on " + hashOn);
  }

  @Test
  void rejectsPassHostRewriteWithoutUpstreamHost() {
    InvalidConfigException e = rejected("{\"pass_host\": \"rewrite\", \"nodes\": {\"a:80\": 1}}");

    assertThat(e.field()).isEqualTo("/upstream_host");
    assertThat(e.reason()).isEqualTo("`upstream_host` can't be empty when `pass_host` is `rewrite`");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"a:0\": 1}              | /nodes/a:0          | invalid port 0: must be from 1 to 65535",
      "{\"a:65536\": 1}          | /nodes/a:65536      | invalid port 65536: must be from 1 to 65535",
      "{\"a:http\": 1}           | /nodes/a:http       | invalid port http: must be from 1 to 65535",
      "{\"a/b:0\": 1}            | /nodes/a~1b:0       | invalid port 0: must be from 1 to 65535",
      "{\"[::1:80\": 1}          | /nodes/[::1:80      | \"[::1:80\" is not [IPv6] or [IPv6]:port",
      "{\"[::1]80\": 1}          | /nodes/[::1]80      | \"[::1]80\" is not [IPv6] or [IPv6]:port",
      "{\"[db8:zz]:80\": 1}      | /nodes/[db8:zz]:80  | \"[db8:zz]:80\" is not [IPv6] or [IPv6]:port",
      "{\"2001:db8::1:80:x\": 1} | /nodes/2001:db8::1:80:x | \"2001:db8::1:80:x\" is not a valid IPv6 address",
      "{\":80\": 1}              | /nodes/:80          | \":80\" has no host",
      "[{\"host\": \"::1\", \"port\": 80, \"weight\": 1}]           | /nodes/0/host | IPv6 address must be enclosed with '[' and ']'",
      "[{\"host\": \"a\", \"weight\": 1}, {\"host\": \"[::1\", \"weight\": 1}] | /nodes/1/host | \"[::1\" is not an IPv6 address in brackets",
      "[{\"host\": \"a\", \"port\": 70000, \"weight\": 1}]          | /nodes/0/port | 70000 is not less or equal to 65535",
      "[{\"port\": 80, \"weight\": 1}]                              | /nodes/0      | required key [host] not found",
  })
  void rejectsBadNodesAtTheirField(String nodes, String field, String reason) {
    InvalidConfigException e = rejected("{\"nodes\": " + nodes + "}");

    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).startsWith(reason);
  }

  @Test
  void rejectsAClientCertificateThatIsNotPem() {
    InvalidConfigException e = rejected("{\"nodes\": {\"a:443\": 1}, \"tls\": {\"client_cert\": " + quote("x".repeat(200))
        + ", \"client_key\": " + quote(KEY) + "}}");

    assertThat(e.field()).isEqualTo("/tls/client_cert");
    assertThat(e.reason()).startsWith("not a PEM certificate");
  }

  @Test
  void rejectsAClientKeyThatIsNeitherPemNorEncrypted() {
    InvalidConfigException e = rejected("{\"nodes\": {\"a:443\": 1}, \"tls\": {\"client_cert\": " + quote(CERT)
        + ", \"client_key\": " + quote("not base64 at all! ".repeat(5)) + "}}");

    assertThat(e.field()).isEqualTo("/tls/client_key");
    assertThat(e.reason()).startsWith("neither a PEM private key");
  }

  @Test
  void rejectsNodesAndDiscoveryTogether() {
    InvalidConfigException e = rejected("{\"nodes\": {\"a:80\": 1}, \"service_name\": \"s\", \"discovery_type\": \"dns\"}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains("2 subschemas matched instead of one");
  }

  @Test
  void nodesAreImmutable() {
    List<Upstream.Node> nodes = upstream("{\"nodes\": {\"a:80\": 1}}").nodes();

    assertThatThrownBy(() -> nodes.add(nodes.get(0)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"active\": {\"timeout\": 0}} | /checks/active/timeout | must be greater than 0 seconds, was 0",
      "{\"active\": {\"concurrency\": 0}} | /checks/active/concurrency | must be at least 1, was 0",
      "{\"active\": {\"http_path\": \"status\"}} | /checks/active/http_path | \"status\" must start with '/' for http probes",
      "{\"active\": {\"healthy\": {\"http_statuses\": [200, 404]}, \"unhealthy\": {\"http_statuses\": [404, 500]}}} | /checks/active/unhealthy/http_statuses | status 404 is also listed in checks/active/healthy/http_statuses: a status is healthy or unhealthy, not both",
      "{\"active\": {}, \"passive\": {\"healthy\": {\"http_statuses\": [200, 500]}, \"unhealthy\": {\"http_statuses\": [500]}}} | /checks/passive/unhealthy/http_statuses | status 500 is also listed in checks/passive/healthy/http_statuses: a status is healthy or unhealthy, not both",
  })
  void rejectsHealthChecksThatCannotWork(String checks, String field, String reason) {
    InvalidConfigException e = rejected("{\"nodes\": {\"a:80\": 1}, \"checks\": " + checks + "}");

    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).isEqualTo(reason);
  }

  @Test
  void acceptsATcpProbeWithoutAPathAndAHttpProbeWithOne() {
    assertThat(upstream("{\"nodes\": {\"a:80\": 1}, \"checks\": {\"active\": {\"type\": \"tcp\", \"http_path\": \"x\"}}}")
        .checks()).containsKey("active");
    assertThat(upstream("{\"nodes\": {\"a:80\": 1}, \"checks\": {\"active\": {\"http_path\": \"/health\", \"timeout\": 0.5}}}")
        .checks()).containsKey("active");
  }

  @Test
  void rejectsAnEmptyBalancerType() {
    InvalidConfigException e = rejected("{\"type\": \"\", \"nodes\": {\"a:80\": 1}}");

    assertThat(e.field()).isEqualTo("/type");
    assertThat(e.reason()).startsWith("empty balancer type");
  }

  @Test
  void rejectsAnUnknownHashOn() {
    InvalidConfigException e = rejected("{\"type\": \"chash\", \"hash_on\": \"query\", \"key\": \"a\", \"nodes\": {\"a:80\": 1}}");

    assertThat(e.field()).isEqualTo("/hash_on");
  }

  @Test
  void rejectsANegativeWeight() {
    InvalidConfigException e = rejected("{\"nodes\": [{\"host\": \"a\", \"port\": 80, \"weight\": -1}]}");

    assertThat(e.field()).isEqualTo("/nodes/0/weight");
  }
}
