package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;



import org.junit.jupiter.api.Test;


/** APISIX's ip-restriction through a real gateway (the client is 127.0.0.1). */
class IpRestrictionPluginTest extends PluginGatewayTest {
  @Test
  void whitelistLetsListedAddressesThroughAndRefusesOthers() throws Exception {
    gw.route("in", "/in", "\"ip-restriction\":{\"whitelist\":[\"10.0.0.0/8\",\"127.0.0.0/24\",\"::1\"]}");
    gw.route("out", "/out", "\"ip-restriction\":{\"whitelist\":[\"10.0.0.0/8\",\"fe80::/10\"]}");
    gw.awaitStatus("/out", 403);
    assertThat(gw.get("/in").statusCode()).isEqualTo(200);
    HttpResponse<String> r = gw.get("/out");
    assertThat(r.body()).isEqualTo("{\"message\":\"Your IP address is not allowed\"}\n");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void blacklistRefusesListedAddressesWithTheConfiguredAnswer() throws Exception {
    gw.route("b", "/b", "\"ip-restriction\":{\"blacklist\":[\"127.0.0.1\"],\"message\":\"go away\",\"response_code\":404}");
    gw.route("ok", "/ok", "\"ip-restriction\":{\"blacklist\":[\"192.168.1.0/24\"]}");
    gw.awaitStatus("/ok", 200);
    gw.awaitStatus("/b", 404);
    assertThat(gw.get("/b").body()).isEqualTo("{\"message\":\"go away\"}\n");
    int before = gw.backend.hits.get();
    gw.get("/b");
    assertThat(gw.backend.hits.get()).isEqualTo(before);
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"ip-restriction\":{}", "plugins/ip-restriction/whitelist", "exactly one");
    gw.refused("\"ip-restriction\":{\"whitelist\":[\"1.1.1.1\"],\"blacklist\":[\"2.2.2.2\"]}", "plugins/ip-restriction/blacklist");
    gw.refused("\"ip-restriction\":{\"whitelist\":[]}", "plugins/ip-restriction/whitelist");
    gw.refused("\"ip-restriction\":{\"whitelist\":[\"1.1.1.1\",\"300.1.1.1\"]}", "plugins/ip-restriction/whitelist/1", "300.1.1.1");
    gw.refused("\"ip-restriction\":{\"blacklist\":[\"10.0.0.0/33\"]}", "plugins/ip-restriction/blacklist/0");
    gw.refused("\"ip-restriction\":{\"blacklist\":[\"1.1.1.1\"],\"response_code\":401}", "plugins/ip-restriction/response_code");
    gw.refused("\"ip-restriction\":{\"blacklist\":[\"1.1.1.1\"],\"message\":\"\"}", "plugins/ip-restriction/message");
    gw.refused("\"ip-restriction\":{\"blacklist\":[\"1.1.1.1\"],\"message\":\"" + "x".repeat(1025) + "\"}",
        "plugins/ip-restriction/message");
    gw.refused("\"ip-restriction\":{\"blacklist\":\"1.1.1.1\"}", "plugins/ip-restriction/blacklist");
  }
}
