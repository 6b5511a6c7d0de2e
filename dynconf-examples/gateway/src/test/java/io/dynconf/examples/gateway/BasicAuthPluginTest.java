package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** APISIX's basic-auth through a real gateway, with consumers added through the admin API. */
class BasicAuthPluginTest extends PluginGatewayTest {

  @BeforeEach
  void start() throws Exception {
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"basic-auth\":{\"username\":\"jack-u\",\"password\":\"s3cret\"}}}", 201);
  }

  private static String basic(String userPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void authenticatesConsumersAndRefusesEverythingElse() throws Exception {
    gw.route("r", "/b", "\"basic-auth\":{}");
    gw.awaitStatus("/b", 200, "Authorization", basic("jack-u:s3cret"));
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("jack");
    assertThat(gw.lastUpstreamHeader("Authorization")).as("kept by default").isEqualTo(basic("jack-u:s3cret"));
    assertThat(gw.get("/b", "Authorization", "basic " + Base64.getEncoder().withoutPadding()
        .encodeToString("jack-u:s3cret".getBytes(StandardCharsets.UTF_8))).statusCode())
        .as("scheme case-insensitive, padding optional").isEqualTo(200);

    HttpResponse<String> missing = gw.get("/b");
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.body()).isEqualTo("{\"message\":\"Missing authorization in request\"}\n");
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"basic\"");
    assertThat(gw.get("/b", "Authorization", "Bearer x").body()).contains("Invalid authorization in request");
    assertThat(gw.get("/b", "Authorization", "Basic !!!").body()).contains("Invalid authorization in request");
    assertThat(gw.get("/b", "Authorization", basic("no-colon")).body()).contains("Invalid authorization in request");
    assertThat(gw.get("/b", "Authorization", basic("jack-u:wrong")).body()).contains("Invalid user authorization");
    assertThat(gw.get("/b", "Authorization", basic("nobody:s3cret")).body()).contains("Invalid user authorization");
  }

  @Test
  void hideCredentialsRealmAndConsumersChangingAtRunTime() throws Exception {
    gw.route("r", "/b", "\"basic-auth\":{\"hide_credentials\":true,\"realm\":\"my api\"}");
    gw.awaitStatus("/b", 200, "Authorization", basic("jack-u:s3cret"));
    assertThat(gw.lastUpstreamHeader("Authorization")).isNull();
    assertThat(gw.get("/b").headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"my api\"");

    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"basic-auth\":{\"username\":\"jack-u\",\"password\":\"new\"}}}", 200);
    gw.awaitStatus("/b", 200, "Authorization", basic("jack-u:new"));
    assertThat(gw.get("/b", "Authorization", basic("jack-u:s3cret")).statusCode()).isEqualTo(401);
  }

  @Test
  void anonymousConsumerWhenAuthenticationFails() throws Exception {
    gw.put("/apisix/admin/consumers", "{\"username\":\"guest\"}", 201);
    gw.route("a", "/a", "\"basic-auth\":{\"anonymous_consumer\":\"guest\"}");
    gw.route("m", "/m", "\"basic-auth\":{\"anonymous_consumer\":\"ghost\"}");
    gw.awaitStatus("/a", 200);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("guest");
    gw.get("/a", "Authorization", basic("jack-u:s3cret"));
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("jack");
    HttpResponse<String> r = gw.get("/m");
    assertThat(r.statusCode()).as("the anonymous consumer does not exist").isEqualTo(401);
    assertThat(r.body()).contains("Invalid user authorization");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"basic-auth\":{\"realm\":\"a\\\"b\"}", "plugins/basic-auth/realm");
    gw.refused("\"basic-auth\":{\"realm\":\"\"}", "plugins/basic-auth/realm");
    gw.refused("\"basic-auth\":{\"hide_credentials\":1}", "plugins/basic-auth/hide_credentials");
    gw.refused("\"basic-auth\":{\"anonymous_consumer\":\"\"}", "plugins/basic-auth/anonymous_consumer");
    HttpResponse<String> r = gw.admin("PUT", "/apisix/admin/consumers",
        "{\"username\":\"rose\",\"plugins\":{\"basic-auth\":{\"username\":\"rose-u\"}}}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("plugins/basic-auth/password");
  }
}
