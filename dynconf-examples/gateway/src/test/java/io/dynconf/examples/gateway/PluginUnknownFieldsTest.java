package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Members a plugin does not know, at the top of its configuration: APISIX's plugin schemas leave
 * their top level open, so APISIX accepts any such member and ignores it; the Dashboard relies on
 * it for empty ones (its no-op edit of a plugin whose configuration holds empty or null members).
 * Here an empty one (null, "", {} or []) is stored as sent and ignored, and one with a value is
 * refused naming it, so that a misspelled field is not silently ignored. Fields APISIX's plugin
 * defines and this gateway does not implement are refused by name.
 */
class PluginUnknownFieldsTest extends PluginGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void unknownMembersAreStoredAsSentAndIgnoredByThePlugin() throws Exception {
    String conf = "{\"empty_obj\":{},\"empty_arr\":[],\"empty_str\":\"\",\"custom_note\":null}";
    gw.route("ka", "/ka", "\"key-auth\":" + conf);
    HttpResponse<String> got = gw.admin("GET", "/apisix/admin/routes/ka", null);
    assertThat(got.statusCode()).isEqualTo(200);
    JsonNode stored = JSON.readTree(got.body()).path("value").path("plugins").path("key-auth");
    assertThat(stored).as(got.body()).isEqualTo(JSON.readTree(conf));

    // the plugin works as if the members were absent: default header apikey
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"k-jack\",\"note\":\"\"}}}", 201);
    gw.awaitStatus("/ka", 200, "apikey", "k-jack");
    assertThat(gw.get("/ka").statusCode()).isEqualTo(401);
    assertThat(gw.get("/ka", "apikey", "other").statusCode()).isEqualTo(401);

    // the same on a plugin with required fields: limit-count still limits
    gw.route("lc", "/lc", "\"limit-count\":{\"count\":1,\"time_window\":60,\"rejected_code\":503,\"ui_hint\":{}}");
    gw.awaitStatus("/lc", 200);
    assertThat(gw.get("/lc").statusCode()).isEqualTo(503);
  }

  @Test
  void anUnknownMemberWithAValueIsRefusedSoThatATypoIsNotSilentlyIgnored() throws Exception {
    gw.refused("\"cors\":{\"allow_origin\":\"*\"}", "plugins/cors/allow_origin", "unknown field");
    gw.refused("\"limit-count\":{\"count\":1,\"time_window\":60,\"rejected_cod\":503}", "plugins/limit-count/rejected_cod",
        "unless it is empty");
    gw.refused("\"key-auth\":{\"hedaer\":\"X-Key\"}", "plugins/key-auth/hedaer", "unknown field");
    assertThat(gw.admin("GET", "/apisix/admin/routes/bad", null).statusCode()).as("nothing stored").isEqualTo(404);
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
    assertThat(schema.path("additionalProperties").path("anyOf").size()).as("only empty unknown members: %s", r.body()).isEqualTo(4);
    assertThat(schema.path("properties").path("realm").has("not")).as("realm refused: %s", r.body()).isTrue();
  }
}
