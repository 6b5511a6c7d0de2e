package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;



import org.junit.jupiter.api.Test;


/** APISIX's response-rewrite through a real gateway: what reaches the client. */
class ResponseRewritePluginTest extends PluginGatewayTest {
  @Test
  void aStatusAloneKeepsTheUpstreamsBody() throws Exception {
    gw.route("r", "/r/*", "\"response-rewrite\":{\"status_code\":202}");
    gw.awaitStatus("/r/a", 202);
    assertThat(gw.get("/r/a").body()).isEqualTo("web GET /r/a body=0");
  }

  @Test
  void aBase64BodyIsDecodedAndItsLengthSent() throws Exception {
    gw.route("r", "/r/*", "\"response-rewrite\":{\"body\":\"aGVsbG8gd29ybGQ=\",\"body_base64\":true}");
    gw.awaitStatus("/r/a", 200);
    HttpResponse<String> r = gw.get("/r/a");
    assertThat(r.body()).isEqualTo("hello world");
    assertThat(r.headers().firstValue("Content-Length")).hasValue("11");
  }

  @Test
  void setAddAndRemoveResponseHeaders() throws Exception {
    gw.route("r", "/r/*", "\"response-rewrite\":{\"headers\":{\"set\":{\"X-Set\":\"s\"},"
        + "\"add\":[\"X-Add: a1\",\"X-Add:a2\"],\"remove\":[\"Content-Type\"]}}");
    gw.awaitStatus("/r/a", 200);
    HttpResponse<String> r = gw.get("/r/a");
    assertThat(r.headers().firstValue("X-Set")).hasValue("s");
    assertThat(r.headers().allValues("X-Add")).containsExactly("a1", "a2");
    assertThat(r.headers().firstValue("Content-Type")).as("the upstream's header removed").isEmpty();
    assertThat(r.body()).isEqualTo("web GET /r/a body=0");
  }

  @Test
  void aPluginsOwnAnswerIsRewrittenToo() throws Exception {
    gw.route("r", "/r/*", "\"uri-blocker\":{\"block_rules\":[\"secret\"]},"
        + "\"response-rewrite\":{\"status_code\":404,\"headers\":{\"X-Why\":\"hidden\"}}");
    gw.awaitStatus("/r/secret", 404);
    HttpResponse<String> r = gw.get("/r/secret");
    assertThat(r.headers().firstValue("X-Why")).hasValue("hidden");
    assertThat(gw.get("/r/open").statusCode()).isEqualTo(404);
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"response-rewrite\":{\"status_code\":199}", "plugins/response-rewrite/status_code");
    gw.refused("\"response-rewrite\":{\"status_code\":599}", "plugins/response-rewrite/status_code");
    gw.refused("\"response-rewrite\":{\"body\":\"not base64!\",\"body_base64\":true}", "plugins/response-rewrite/body", "base64");
    gw.refused("\"response-rewrite\":{\"headers\":{\"add\":[\"no colon\"]}}", "plugins/response-rewrite/headers/add");
    gw.refused("\"response-rewrite\":{\"headers\":{}}", "plugins/response-rewrite/headers");
    gw.refused("\"response-rewrite\":{\"vars\":[[\"status\",\"==\",200]]}", "plugins/response-rewrite/vars", "not supported");
    gw.refused("\"response-rewrite\":{\"filters\":[{\"regex\":\"a\",\"replace\":\"b\"}]}", "plugins/response-rewrite/filters",
        "not supported");
    gw.refused("\"response-rewrite\":{\"body\":1}", "plugins/response-rewrite/body");
    assertThat(gw.get("/bad").statusCode()).as("nothing refused was stored").isEqualTo(404);
  }
}
