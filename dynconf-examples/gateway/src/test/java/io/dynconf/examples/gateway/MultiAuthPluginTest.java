package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** APISIX's multi-auth through a real gateway: each inner plugin authenticating, all failing, bad configurations refused. */
class MultiAuthPluginTest extends PluginGatewayTest {
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private static String jwt(String key, String secret) throws Exception {
    String signed = URL.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + URL.encodeToString(("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return signed + "." + URL.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theFirstPluginThatAuthenticatesSetsTheConsumer() throws Exception {
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"basic-auth\":{\"username\":\"jack\",\"password\":\"pw\"}}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"rose\",\"plugins\":{\"key-auth\":{\"key\":\"rose-key\"}}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"tom\",\"plugins\":{\"jwt-auth\":{\"key\":\"tom-key\",\"secret\":\"tom-secret\"}}}", 201);
    gw.route("m", "/m", "\"multi-auth\":{\"auth_plugins\":[{\"basic-auth\":{}},{\"key-auth\":{\"header\":\"X-Key\",\"hide_credentials\":true}},"
        + "{\"jwt-auth\":{}}]},\"proxy-rewrite\":{\"headers\":{\"X-Seen\":\"1\"}}");
    gw.awaitStatus("/m", 200, "Authorization", basic("jack", "pw"));
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("jack");

    assertThat(gw.get("/m", "X-Key", "rose-key").statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("rose");
    assertThat(gw.lastUpstreamHeader("X-key")).as("key-auth's own hide_credentials applies").isNull();

    assertThat(gw.get("/m", "Authorization", "Bearer " + jwt("tom-key", "tom-secret")).statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("tom");

    // basic-auth fails (wrong password), key-auth then succeeds
    assertThat(gw.get("/m", "Authorization", basic("jack", "wrong"), "X-Key", "rose-key").statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("rose");

    int hits = gw.backend.hits.get();
    for (String[] headers : new String[][] {{}, {"Authorization", basic("jack", "wrong")}, {"X-Key", "nope"},
        {"Authorization", "Bearer " + jwt("tom-key", "other-secret")}, {"apikey", "rose-key"}}) {
      HttpResponse<String> r = gw.get("/m", headers);
      assertThat(r.statusCode()).as(String.join(" ", headers)).isEqualTo(401);
      assertThat(r.body()).isEqualTo("{\"message\":\"Authorization Failed\"}\n");
    }
    assertThat(gw.backend.hits.get()).as("no failed request went upstream").isEqualTo(hits);
  }

  @Test
  void theDashboardsConfigurationIsAccepted() throws Exception {
    gw.route("d", "/d", "\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"jwt-auth\":{}}]}");
    gw.awaitStatus("/d", 401);
    HttpResponse<String> schema = gw.admin("GET", "/apisix/admin/plugins/multi-auth", null);
    assertThat(schema.statusCode()).isEqualTo(200);
    assertThat(schema.body()).contains("\"key-auth\"", "\"jwt-auth\"", "\"basic-auth\"").doesNotContain("\"cors\"");
  }

  @Test
  void onAConsumerAValidConfigurationIsAcceptedAndInertAsInApisix() throws Exception {
    gw.put("/apisix/admin/consumers", "{\"username\":\"ann\",\"plugins\":{\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},"
        + "{\"jwt-auth\":{}}]},\"key-auth\":{\"key\":\"ann-key\"}}}", 201);
    HttpResponse<String> bad = gw.admin("PUT", "/apisix/admin/consumers",
        "{\"username\":\"bob\",\"plugins\":{\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}}]}}}");
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("plugins/multi-auth/auth_plugins");
    gw.route("m", "/m", "\"multi-auth\":{\"auth_plugins\":[{\"basic-auth\":{}},{\"key-auth\":{}}]}");
    gw.awaitStatus("/m", 200, "apikey", "ann-key");
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("ann");
  }

  @Test
  void badConfigurationsAreRefusedNamingThePluginAndField() throws Exception {
    gw.refused("\"multi-auth\":{}", "plugins/multi-auth/auth_plugins", "required");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}}]}", "plugins/multi-auth/auth_plugins", "at least 2");
    gw.refused("\"multi-auth\":{\"auth_plugins\":{\"key-auth\":{}}}", "plugins/multi-auth/auth_plugins", "array");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"cors\":{}}]}", "plugins/multi-auth/auth_plugins/1/cors",
        "not an authentication plugin");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"no-such-auth\":{}}]}", "plugins/multi-auth/auth_plugins/1/no-such-auth",
        "unknown plugin");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{\"header\":1}},{\"basic-auth\":{}}]}",
        "plugins/multi-auth/auth_plugins/0/key-auth/header", "string");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"basic-auth\":{\"realm\":\"\"}}]}",
        "plugins/multi-auth/auth_plugins/1/basic-auth/realm");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"key-auth\":{\"realm\":\"x\"}}]}",
        "plugins/multi-auth/auth_plugins/1/key-auth/realm", "not supported");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"jwt-auth\":{}}]}}]}",
        "plugins/multi-auth/auth_plugins/1/multi-auth", "inside multi-auth");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{}]}", "plugins/multi-auth/auth_plugins/1", "names no plugin");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},\"jwt-auth\"]}", "plugins/multi-auth/auth_plugins/1");
    gw.refused("\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"jwt-auth\":true}]}", "plugins/multi-auth/auth_plugins/1/jwt-auth");
  }
}
