package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** APISIX's consumer-restriction through a real gateway, with key-auth naming the consumer. */
class ConsumerRestrictionPluginTest extends PluginGatewayTest {

  @BeforeEach
  void start() throws Exception {
    gw.put("/apisix/admin/consumer_groups/gold", "{\"plugins\":{}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"group_id\":\"gold\",\"plugins\":{\"key-auth\":{\"key\":\"k-jack\"}}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"rose\",\"plugins\":{\"key-auth\":{\"key\":\"k-rose\"}}}", 201);
  }

  @Test
  void consumerNameWhitelistAndBlacklist() throws Exception {
    gw.route("w", "/w", "\"key-auth\":{},\"consumer-restriction\":{\"whitelist\":[\"jack\"]}");
    gw.route("b", "/b", "\"key-auth\":{},\"consumer-restriction\":{\"blacklist\":[\"jack\"],\"rejected_code\":429,"
        + "\"rejected_msg\":\"no jack\"}");
    gw.awaitStatus("/b", 200, "apikey", "k-rose");
    gw.awaitStatus("/w", 200, "apikey", "k-jack");
    HttpResponse<String> r = gw.get("/w", "apikey", "k-rose");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("{\"message\":\"The consumer_name is forbidden.\"}\n");
    HttpResponse<String> b = gw.get("/b", "apikey", "k-jack");
    assertThat(b.statusCode()).isEqualTo(429);
    assertThat(b.body()).isEqualTo("{\"message\":\"no jack\"}\n");
  }

  @Test
  void withoutTheValueTheRequestIsUnauthorized() throws Exception {
    gw.route("n", "/n", "\"consumer-restriction\":{\"whitelist\":[\"jack\"]}");
    gw.awaitStatus("/n", 401);
    assertThat(gw.get("/n").body())
        .isEqualTo("{\"message\":\"The request is rejected, please check the consumer_name for this request\"}\n");
    gw.route("s", "/s", "\"consumer-restriction\":{\"type\":\"service_id\",\"whitelist\":[\"s1\"]}");
    gw.awaitStatus("/s", 401);
    assertThat(gw.get("/s").body()).contains("please check the service_id for this request");
  }

  @Test
  void allowedByMethodsLimitsANonWhitelistedConsumersMethods() throws Exception {
    gw.route("m", "/m", "\"key-auth\":{},\"consumer-restriction\":{\"allowed_by_methods\":["
        + "{\"user\":\"jack\",\"methods\":[\"POST\"]},{\"user\":\"rose\",\"methods\":[\"GET\",\"HEAD\"]}]}");
    gw.awaitStatus("/m", 200, "apikey", "k-rose");
    assertThat(gw.get("/m", "apikey", "k-jack").statusCode()).isEqualTo(403);
    assertThat(gw.send("POST", "/m", "apikey", "k-jack").statusCode()).isEqualTo(200);
    assertThat(gw.send("DELETE", "/m", "apikey", "k-rose").statusCode()).isEqualTo(403);

    gw.route("wm", "/wm", "\"key-auth\":{},\"consumer-restriction\":{\"whitelist\":[\"jack\"],"
        + "\"allowed_by_methods\":[{\"user\":\"jack\",\"methods\":[\"POST\"]}]}");
    gw.awaitStatus("/wm", 200, "apikey", "k-jack");
    assertThat(gw.get("/wm", "apikey", "k-rose").statusCode()).isEqualTo(403);
  }

  @Test
  void routeServiceAndConsumerGroupTypes() throws Exception {
    gw.put("/apisix/admin/services/s1", "{\"upstream_id\":\"web\"}", 201);
    gw.put("/apisix/admin/routes/svc", "{\"uri\":\"/svc\",\"service_id\":\"s1\",\"plugins\":{"
        + "\"consumer-restriction\":{\"type\":\"service_id\",\"blacklist\":[\"s1\"]}}}", 201);
    gw.route("r1", "/r1", "\"consumer-restriction\":{\"type\":\"route_id\",\"whitelist\":[\"r1\"]}");
    gw.route("r2", "/r2", "\"consumer-restriction\":{\"type\":\"route_id\",\"whitelist\":[\"r1\"]}");
    gw.route("g", "/g", "\"key-auth\":{},\"consumer-restriction\":{\"type\":\"consumer_group_id\",\"whitelist\":[\"gold\"]}");
    gw.awaitStatus("/g", 200, "apikey", "k-jack");
    assertThat(gw.get("/svc").statusCode()).isEqualTo(403);
    assertThat(gw.get("/svc").body()).contains("The service_id is forbidden.");
    assertThat(gw.get("/r1").statusCode()).isEqualTo(200);
    assertThat(gw.get("/r2").statusCode()).isEqualTo(403);
    HttpResponse<String> noGroup = gw.get("/g", "apikey", "k-rose");
    assertThat(noGroup.statusCode()).isEqualTo(401);
    assertThat(noGroup.body()).contains("please check the consumer_group_id for this request");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"consumer-restriction\":{}", "plugins/consumer-restriction/whitelist");
    gw.refused("\"consumer-restriction\":{\"type\":\"ip\",\"whitelist\":[\"a\"]}", "plugins/consumer-restriction/type");
    gw.refused("\"consumer-restriction\":{\"whitelist\":[]}", "plugins/consumer-restriction/whitelist");
    gw.refused("\"consumer-restriction\":{\"blacklist\":[1]}", "plugins/consumer-restriction/blacklist/0");
    gw.refused("\"consumer-restriction\":{\"allowed_by_methods\":[{\"user\":\"a\",\"methods\":[\"FETCH\"]}]}",
        "plugins/consumer-restriction/allowed_by_methods/0/methods/0");
    gw.refused("\"consumer-restriction\":{\"allowed_by_methods\":[{\"user\":\"a\",\"methods\":[]}]}",
        "plugins/consumer-restriction/allowed_by_methods/0/methods");
    gw.refused("\"consumer-restriction\":{\"whitelist\":[\"a\"],\"rejected_code\":100}", "plugins/consumer-restriction/rejected_code");
    gw.refused("\"consumer-restriction\":{\"whitelist\":[\"a\"],\"rejected_msg\":1}", "plugins/consumer-restriction/rejected_msg");
  }
}
