package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;



import org.junit.jupiter.api.Test;


/** APISIX's uri-blocker through a real gateway. */
class UriBlockerPluginTest extends PluginGatewayTest {
  @Test
  void blocksTheRequestUriQueryIncludedWithAnEmptyBodyByDefault() throws Exception {
    gw.route("r", "/u/*", "\"uri-blocker\":{\"block_rules\":[\"^/u/admin\",\"\\\\.php$\",\"token=\"]}");
    gw.awaitStatus("/u/admin/x", 403);
    assertThat(gw.get("/u/admin/x").body()).isEmpty();
    assertThat(gw.get("/u/index.php").statusCode()).isEqualTo(403);
    assertThat(gw.get("/u/a?token=1").statusCode()).as("the query is part of $request_uri").isEqualTo(403);
    assertThat(gw.get("/u/ADMIN").statusCode()).as("case-sensitive by default").isEqualTo(200);
    assertThat(gw.get("/u/ok").statusCode()).isEqualTo(200);
  }

  @Test
  void rejectedCodeMessageAndCaseInsensitivity() throws Exception {
    gw.route("r", "/u/*", "\"uri-blocker\":{\"block_rules\":[\"admin\"],\"rejected_code\":410,"
        + "\"rejected_msg\":\"access is \\\"not\\\" allowed\",\"case_insensitive\":true}");
    gw.awaitStatus("/u/Admin", 410);
    HttpResponse<String> r = gw.get("/u/ADMIN");
    assertThat(r.statusCode()).isEqualTo(410);
    assertThat(r.body()).isEqualTo("{\"error_msg\":\"access is \\\"not\\\" allowed\"}\n");
    assertThat(gw.get("/u/other").statusCode()).isEqualTo(200);
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"uri-blocker\":{}", "plugins/uri-blocker/block_rules", "required");
    gw.refused("\"uri-blocker\":{\"block_rules\":[\"(\"]}", "plugins/uri-blocker/block_rules/0");
    gw.refused("\"uri-blocker\":{\"block_rules\":[\"a\",\"a\"]}", "plugins/uri-blocker/block_rules/1");
    gw.refused("\"uri-blocker\":{\"block_rules\":[\"\"]}", "plugins/uri-blocker/block_rules/0");
    gw.refused("\"uri-blocker\":{\"block_rules\":[\"a\"],\"rejected_code\":199}", "plugins/uri-blocker/rejected_code");
    gw.refused("\"uri-blocker\":{\"block_rules\":[\"a\"],\"rejected_msg\":\"\"}", "plugins/uri-blocker/rejected_msg");
    gw.refused("\"uri-blocker\":{\"block_rules\":[\"a\"],\"case_insensitive\":1}", "plugins/uri-blocker/case_insensitive");
  }
}
