package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Members a plugin does not know, at the top of its configuration: APISIX's plugin schemas leave
 * their top level open (no {@code additionalProperties: false}), so APISIX accepts such members,
 * stores them as sent and ignores them; the Dashboard relies on it (its no-op edit of a plugin
 * whose configuration holds empty or null members). Fields APISIX's plugin defines and this
 * gateway does not implement are refused by name instead of being silently ignored.
 */
class PluginUnknownFieldsTest extends PluginGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void unknownMembersAreStoredAsSentAndIgnoredByThePlugin() throws Exception {
    String conf = "{\"empty_obj\":{},\"empty_arr\":[],\"empty_str\":\"\",\"kept\":\"x\",\"custom_note\":null}";
    gw.route("ka", "/ka", "\"key-auth\":" + conf);
    HttpResponse<String> got = gw.admin("GET", "/apisix/admin/routes/ka", null);
    assertThat(got.statusCode()).isEqualTo(200);
    JsonNode stored = JSON.readTree(got.body()).path("value").path("plugins").path("key-auth");
    assertThat(stored).as(got.body()).isEqualTo(JSON.readTree(conf));

    // the plugin works as if the members were absent: default header apikey
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"k-jack\",\"note\":1}}}", 201);
    gw.awaitStatus("/ka", 200, "apikey", "k-jack");
    assertThat(gw.get("/ka").statusCode()).isEqualTo(401);
    assertThat(gw.get("/ka", "apikey", "other").statusCode()).isEqualTo(401);

    // the same on a plugin with required fields: limit-count still limits
    gw.route("lc", "/lc", "\"limit-count\":{\"count\":1,\"time_window\":60,\"rejected_code\":503,\"ui_hint\":{\"x\":[]}}");
    gw.awaitStatus("/lc", 200);
    assertThat(gw.get("/lc").statusCode()).isEqualTo(503);
  }

  @Test
  void fieldsOfApisixsPluginsThatThisGatewayLacksAreRefusedByName() throws Exception {
    gw.refused("\"key-auth\":{\"realm\":\"api\"}", "plugins/key-auth/realm", "not supported by this gateway");
    gw.refused("\"key-auth\":{\"anonymous_consumer\":\"anon\"}", "plugins/key-auth/anonymous_consumer", "not supported");
    gw.refused("\"proxy-rewrite\":{\"uri\":\"/x\",\"method\":\"POST\"}", "plugins/proxy-rewrite/method", "not supported");
    gw.refused("\"limit-count\":{\"count\":1,\"time_window\":1,\"window_type\":\"sliding\"}", "plugins/limit-count/window_type", "not supported");
    gw.refused("\"response-rewrite\":{\"status_code\":200,\"max_resp_body_size\":10}", "plugins/response-rewrite/max_resp_body_size",
        "not supported");
    // a known member may not be null, an unknown one inside a nested object is still refused
    gw.refused("\"key-auth\":{\"header\":null}", "plugins/key-auth/header", "must not be null");
    gw.refused("\"proxy-rewrite\":{\"headers\":{\"set\":{\"X-A\":\"1\"},\"other\":{}}}", "plugins/proxy-rewrite/headers/other", "unknown field");
    assertThat(gw.admin("GET", "/apisix/admin/routes/bad", null).statusCode()).as("nothing stored").isEqualTo(404);
  }

  @Test
  void thePublishedSchemaSaysTheSame() throws Exception {
    HttpResponse<String> r = gw.admin("GET", "/apisix/admin/plugins/key-auth", null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode schema = JSON.readTree(r.body());
    assertThat(schema.has("additionalProperties")).as("top level left open, as APISIX's: %s", r.body()).isFalse();
    assertThat(schema.path("properties").path("realm").has("not")).as("realm refused: %s", r.body()).isTrue();
  }
}
