package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;



import org.junit.jupiter.api.Test;


/** APISIX's real-ip through a real gateway (the connection comes from 127.0.0.1). */
class RealIpPluginTest extends PluginGatewayTest {
  /** The X-Real-IP the upstream got for GET {@code path}. */
  private String realIp(String path, String... headers) throws Exception {
    HttpResponse<String> r = gw.get(path, headers);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    return gw.lastUpstreamHeader("X-real-ip");
  }

  @Test
  void aQueryArgumentFromATrustedClientBecomesTheAddressIpRestrictionAndTheUpstreamSee() throws Exception {
    gw.route("q", "/q", "\"real-ip\":{\"source\":\"arg_realip\",\"trusted_addresses\":[\"127.0.0.0/24\"]},"
        + "\"ip-restriction\":{\"whitelist\":[\"1.2.3.4\",\"2001:db8::/32\"]}");
    gw.awaitStatus("/q?realip=1.2.3.4", 200);
    assertThat(gw.lastUpstreamHeader("X-real-ip")).isEqualTo("1.2.3.4");
    assertThat(gw.lastUpstreamHeader("X-forwarded-for")).isEqualTo("1.2.3.4");
    assertThat(realIp("/q?realip=1.2.3.4:8080")).isEqualTo("1.2.3.4"); // a port is allowed
    assertThat(realIp("/q?realip=2001:db8::2")).isEqualTo("2001:db8::2");
    assertThat(realIp("/q?realip=1.2.3.4&realip=9.9.9.9")).isEqualTo("1.2.3.4"); // the first value, as nginx's $arg_
    // missing or bad addresses change nothing: the connection's 127.0.0.1 is not whitelisted
    assertThat(gw.get("/q").statusCode()).isEqualTo(403);
    assertThat(gw.get("/q?realip=not-an-ip").statusCode()).isEqualTo(403);
    assertThat(gw.get("/q?realip=1.2.3.4:70000").statusCode()).isEqualTo(403);
    assertThat(gw.get("/q?realip=1.2.3.4:0").statusCode()).isEqualTo(403);
    assertThat(gw.get("/q?realip=300.2.3.4").statusCode()).isEqualTo(403);
  }

  @Test
  void anUntrustedClientKeepsItsOwnAddress() throws Exception {
    gw.route("u", "/u", "\"real-ip\":{\"source\":\"http_x_real_ip\",\"trusted_addresses\":[\"10.0.0.0/8\",\"::1\"]}");
    gw.route("t", "/t", "\"real-ip\":{\"source\":\"http_x_real_ip\"}");
    gw.awaitStatus("/u", 200);
    gw.awaitStatus("/t", 200);
    assertThat(realIp("/u", "X-Real-IP", "5.6.7.8")).isEqualTo("127.0.0.1");
    assertThat(realIp("/t", "X-Real-IP", "5.6.7.8")).isEqualTo("5.6.7.8"); // no trusted_addresses: every client
    assertThat(realIp("/t", "X-Real-IP", "[2001:db8::1]:443")).isEqualTo("2001:db8::1");
    assertThat(realIp("/t", "X-Real-IP", "[2001:db8::3]")).isEqualTo("2001:db8::3");
    assertThat(realIp("/t", "X-Real-IP", "[2001:db8::3]x")).isEqualTo("127.0.0.1");
    assertThat(realIp("/t", "X-Real-IP", "5.6.7.8:65535")).isEqualTo("5.6.7.8");
    assertThat(realIp("/t", "X-Real-IP", "5.6.7.8:65536")).isEqualTo("127.0.0.1");
  }

  @Test
  void xForwardedForGivesItsLastAddress() throws Exception {
    gw.route("x", "/x", "\"real-ip\":{\"source\":\"http_x_forwarded_for\"}");
    gw.awaitStatus("/x", 200);
    assertThat(realIp("/x", "X-Forwarded-For", "1.1.1.1, 2.2.2.2")).isEqualTo("2.2.2.2");
    assertThat(realIp("/x", "X-Forwarded-For", "1.1.1.1,   3.3.3.3:81")).isEqualTo("3.3.3.3");
    assertThat(realIp("/x", "X-Forwarded-For", "4.4.4.4")).isEqualTo("4.4.4.4");
    // several headers: the last one, as APISIX reads it
    assertThat(realIp("/x", "X-Forwarded-For", "5.5.5.5", "X-Forwarded-For", "6.6.6.6, 7.7.7.7")).isEqualTo("7.7.7.7");
    assertThat(realIp("/x", "X-Forwarded-For", "1.1.1.1, garbage")).isEqualTo("127.0.0.1");
    assertThat(realIp("/x")).isEqualTo("127.0.0.1");
  }

  @Test
  void recursiveTakesTheRightmostUntrustedAddress() throws Exception {
    gw.route("r", "/r", "\"real-ip\":{\"source\":\"http_x_forwarded_for\",\"recursive\":true,"
        + "\"trusted_addresses\":[\"127.0.0.1\",\"10.0.0.0/8\"]}");
    gw.route("n", "/n", "\"real-ip\":{\"source\":\"http_x_forwarded_for\",\"recursive\":false,"
        + "\"trusted_addresses\":[\"127.0.0.1\",\"10.0.0.0/8\"]}");
    gw.route("o", "/o", "\"real-ip\":{\"source\":\"http_x_forwarded_for\",\"recursive\":true}");
    gw.awaitStatus("/r", 200);
    gw.awaitStatus("/n", 200);
    gw.awaitStatus("/o", 200);
    assertThat(realIp("/r", "X-Forwarded-For", "3.3.3.3, 4.4.4.4, 10.0.0.5, 10.1.1.1")).isEqualTo("4.4.4.4");
    assertThat(realIp("/r", "X-Forwarded-For", "10.0.0.1,10.0.0.2, 10.0.0.3")).isEqualTo("10.0.0.1"); // all trusted: the leftmost
    assertThat(realIp("/n", "X-Forwarded-For", "3.3.3.3, 4.4.4.4, 10.0.0.5")).isEqualTo("10.0.0.5");
    // recursive without trusted_addresses: the last address, as APISIX
    assertThat(realIp("/o", "X-Forwarded-For", "3.3.3.3, 4.4.4.4, 10.0.0.5")).isEqualTo("10.0.0.5");
  }

  @Test
  void onAGlobalRuleItFeedsTheGlobalIpRestriction() throws Exception {
    // both on a global rule: real-ip's rewrite phase runs before ip-restriction's access phase
    gw.put("/apisix/admin/global_rules/g", "{\"plugins\":{\"real-ip\":{\"source\":\"http_x_real_ip\"},"
        + "\"ip-restriction\":{\"blacklist\":[\"6.6.6.6\"]}}}", 201);
    gw.route("p", "/p", "");
    gw.awaitStatus("/p", 403, "X-Real-IP", "6.6.6.6");
    assertThat(realIp("/p", "X-Real-IP", "7.7.7.7")).isEqualTo("7.7.7.7");
  }

  @Test
  void itsPriorityPutsItBeforeTheOtherBuiltIns() {
    io.dynconf.netty.plugin.Plugins plugins = io.dynconf.netty.plugin.Plugins.load(getClass().getClassLoader());
    io.dynconf.netty.plugin.PluginChain chain = plugins.compile(java.util.Map.of(
        "ip-restriction", java.util.Map.of("whitelist", java.util.List.of("1.2.3.4")),
        "request-id", java.util.Map.of(),
        "real-ip", java.util.Map.of("source", "arg_ip"),
        "traffic-split", java.util.Map.of()));
    assertThat(chain.names()).containsExactly("real-ip", "request-id", "ip-restriction", "traffic-split");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    String p = "plugins/real-ip";
    gw.refused("\"real-ip\":{}", p + "/source", "required");
    gw.refused("\"real-ip\":{\"source\":\"\"}", p + "/source");
    gw.refused("\"real-ip\":{\"source\":1}", p + "/source", "string");
    gw.refused("\"real-ip\":{\"source\":\"arg_ip\",\"trusted_addresses\":[]}", p + "/trusted_addresses", "at least 1");
    gw.refused("\"real-ip\":{\"source\":\"arg_ip\",\"trusted_addresses\":\"10.0.0.1\"}", p + "/trusted_addresses");
    gw.refused("\"real-ip\":{\"source\":\"arg_ip\",\"trusted_addresses\":[\"10.0.0.1\",\"300.0.0.1\"]}",
        p + "/trusted_addresses/1", "invalid ip address: 300.0.0.1");
    gw.refused("\"real-ip\":{\"source\":\"arg_ip\",\"trusted_addresses\":[\"10.0.0.0/33\"]}", p + "/trusted_addresses/0");
    gw.refused("\"real-ip\":{\"source\":\"arg_ip\",\"trusted_addresses\":[\"::1/129\"]}", p + "/trusted_addresses/0");
    gw.refused("\"real-ip\":{\"source\":\"arg_ip\",\"recursive\":\"yes\"}", p + "/recursive", "boolean");
  }
}
