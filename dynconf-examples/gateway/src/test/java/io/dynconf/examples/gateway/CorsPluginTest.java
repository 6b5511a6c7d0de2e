package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;



import org.junit.jupiter.api.Test;


/** APISIX's cors through a real gateway: every option of its documentation, and the refusals. */
class CorsPluginTest extends PluginGatewayTest {
  @Test
  void defaultsAllowEveryOriginAndAnswerPreflightThemselves() throws Exception {
    gw.route("r1", "/c", "\"cors\":{}");
    gw.awaitStatus("/c", 200);
    HttpResponse<String> r = gw.get("/c", "Origin", "http://a.test");
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).hasValue("*");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValue("*");
    assertThat(r.headers().firstValue("Access-Control-Max-Age")).hasValue("5");
    assertThat(r.headers().firstValue("Access-Control-Expose-Headers")).isEmpty();
    assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
    assertThat(r.headers().firstValue("Vary")).as("allow_origins is *").isEmpty();
    assertThat(r.body()).startsWith("web GET /c");

    int before = gw.backend.hits.get();
    HttpResponse<String> pre = gw.send("OPTIONS", "/c", "Origin", "http://a.test", "Access-Control-Request-Method", "PUT");
    assertThat(pre.statusCode()).isEqualTo(200);
    assertThat(pre.body()).isEmpty();
    assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(gw.backend.hits.get()).as("a preflight never reaches the upstream").isEqualTo(before);
  }

  @Test
  void listedOriginsAreEchoedOthersGetNoCorsHeaders() throws Exception {
    gw.route("r1", "/c", """
        "cors":{"allow_origins":"http://a.test,https://b.test:8443","allow_methods":"GET,POST",
          "allow_headers":"X-One,X-Two","expose_headers":"X-Exposed","max_age":3600,"allow_credential":true}""");
    gw.awaitStatus("/c", 200);
    HttpResponse<String> r = gw.get("/c", "Origin", "https://b.test:8443");
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://b.test:8443");
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET,POST");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValue("X-One,X-Two");
    assertThat(r.headers().firstValue("Access-Control-Expose-Headers")).hasValue("X-Exposed");
    assertThat(r.headers().firstValue("Access-Control-Max-Age")).hasValue("3600");
    assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    assertThat(r.headers().allValues("Vary")).contains("Origin");

    HttpResponse<String> other = gw.get("/c", "Origin", "http://evil.test");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(other.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
    assertThat(other.headers().allValues("Vary")).contains("Origin");

    gw.route("r2", "/single", "\"cors\":{\"allow_origins\":\"http://a.test\"}");
    gw.awaitStatus("/single", 200);
    assertThat(gw.get("/single", "Origin", "http://a.test").headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://a.test");
    assertThat(gw.get("/single", "Origin", "http://b.test").headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void doubleStarEchoesOriginMethodsAndRequestedHeaders() throws Exception {
    gw.route("r1", "/c", "\"cors\":{\"allow_origins\":\"**\",\"allow_methods\":\"**\",\"allow_headers\":\"**\",\"allow_credential\":true}");
    gw.awaitStatus("/c", 200);
    HttpResponse<String> r = gw.send("OPTIONS", "/c", "Origin", "http://any.test", "Access-Control-Request-Headers", "X-Custom");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://any.test");
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValue("X-Custom");
    assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
  }

  @Test
  void regexOriginsReplaceTheListAndApplyToPluginAnswersToo() throws Exception {
    gw.route("r1", "/c", """
        "cors":{"allow_origins":"http://listed.test","allow_origins_by_regex":[".*\\\\.example\\\\.com$","^http://x\\\\.test$"]},
        "uri-blocker":{"block_rules":["blocked"]}""");
    gw.awaitStatus("/c", 200);
    assertThat(gw.get("/c", "Origin", "http://a.example.com").headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("http://a.example.com");
    assertThat(gw.get("/c", "Origin", "http://x.test").headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://x.test");
    assertThat(gw.get("/c", "Origin", "http://listed.test").headers().firstValue("Access-Control-Allow-Origin"))
        .as("allow_origins is ignored when allow_origins_by_regex is set").isEmpty();
    HttpResponse<String> blocked = gw.get("/c?blocked", "Origin", "http://a.example.com");
    assertThat(blocked.statusCode()).isEqualTo(403);
    assertThat(blocked.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://a.example.com");
  }

  @Test
  void timingAllowOrigins() throws Exception {
    gw.route("r1", "/t", "\"cors\":{\"timing_allow_origins\":\"http://a.test,http://b.test\"}");
    gw.route("r2", "/tr", "\"cors\":{\"timing_allow_origins_by_regex\":[\"\\\\.example\\\\.com$\"]}");
    gw.awaitStatus("/tr", 200);
    assertThat(gw.get("/t", "Origin", "http://b.test").headers().firstValue("Timing-Allow-Origin")).hasValue("http://b.test");
    assertThat(gw.get("/t", "Origin", "http://c.test").headers().firstValue("Timing-Allow-Origin")).isEmpty();
    assertThat(gw.get("/tr", "Origin", "http://a.example.com").headers().firstValue("Timing-Allow-Origin")).hasValue("http://a.example.com");
    assertThat(gw.get("/tr", "Origin", "http://a.example.org").headers().firstValue("Timing-Allow-Origin")).isEmpty();
    assertThat(gw.get("/c").statusCode()).isEqualTo(404);
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"cors\":{\"allow_credential\":true}", "plugins/cors/allow_origins", "allow_credential");
    gw.refused("\"cors\":{\"allow_origins\":\"http://a.test\",\"allow_credential\":true}", "plugins/cors/allow_methods");
    gw.refused("\"cors\":{\"allow_origins\":\"a.test\"}", "plugins/cors/allow_origins");
    gw.refused("\"cors\":{\"allow_origins\":\"http://a.test,\"}", "plugins/cors/allow_origins");
    gw.refused("\"cors\":{\"timing_allow_origins\":\"nope\"}", "plugins/cors/timing_allow_origins");
    gw.refused("\"cors\":{\"allow_origins_by_regex\":[\"(\"]}", "plugins/cors/allow_origins_by_regex/0");
    gw.refused("\"cors\":{\"allow_origins_by_regex\":[]}", "plugins/cors/allow_origins_by_regex");
    gw.refused("\"cors\":{\"allow_origins_by_regex\":[\"a\",\"a\"]}", "plugins/cors/allow_origins_by_regex/1");
    gw.refused("\"cors\":{\"timing_allow_origins_by_regex\":[\"[\"]}", "plugins/cors/timing_allow_origins_by_regex/0");
    gw.refused("\"cors\":{\"max_age\":\"5\"}", "plugins/cors/max_age");
    gw.refused("\"cors\":{\"allow_credential\":\"yes\"}", "plugins/cors/allow_credential");
    gw.refused("\"cors\":{\"allow_origins_by_metadata\":[]}", "plugins/cors/allow_origins_by_metadata");
    gw.refused("\"cors\":{\"allow_origins_by_metadata\":[\"a\",\"a\"]}", "plugins/cors/allow_origins_by_metadata/1", "unique");
    gw.refused("\"cors\":{\"allow_origins_by_metadata\":[\"\"]}", "plugins/cors/allow_origins_by_metadata/0");
    gw.refused("\"cors\":{\"allow_origins_by_metadata\":\"a\"}", "plugins/cors/allow_origins_by_metadata");
  }
}
