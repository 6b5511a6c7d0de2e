package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;




import org.junit.jupiter.api.Test;


/** APISIX's proxy-rewrite through a real gateway: what reaches the upstream. */
class ProxyRewritePluginTest extends PluginGatewayTest {
  @Test
  void uriReplacesThePathAndKeepsTheQueryAndWinsOverRegexUri() throws Exception {
    gw.route("r", "/p/*", "\"proxy-rewrite\":{\"uri\":\"/new\",\"regex_uri\":[\"^/p/(.*)\",\"/other/$1\"]}");
    gw.awaitStatus("/p/a", 200);
    assertThat(gw.get("/p/a/b?x=1&y=2").body()).isEqualTo("web GET /new?x=1&y=2 body=0");
    assertThat(gw.get("/p/a").body()).isEqualTo("web GET /new body=0");
  }

  @Test
  void regexUriRewritesAMatchingPathAndLeavesAnotherAlone() throws Exception {
    gw.route("r", "/p/*", "\"proxy-rewrite\":{\"regex_uri\":[\"^/p/v(\\\\d+)/(.*)\",\"/api/$2/v${1}\"]}");
    gw.awaitStatus("/p/v2/users", 200);
    assertThat(gw.get("/p/v2/users").body()).isEqualTo("web GET /api/users/v2 body=0");
    assertThat(gw.get("/p/latest/users?q=1").body()).as("no match: the path is kept").isEqualTo("web GET /p/latest/users?q=1 body=0");
  }

  @Test
  void useRealRequestUriUnsafeForwardsTheClientsTargetAsSent() throws Exception {
    gw.route("r", "/p/*", "\"proxy-rewrite\":{\"uri\":\"/new\",\"use_real_request_uri_unsafe\":true}");
    gw.awaitStatus("/p/a", 200);
    assertThat(gw.get("/p/a%20b?x=%41").body()).isEqualTo("web GET /p/a%20b?x=%41 body=0");
  }

  @Test
  void hostAndTheHeadersMapSetWhatTheUpstreamSees() throws Exception {
    gw.route("r", "/p/*", "\"proxy-rewrite\":{\"host\":\"internal.test:8080\",\"headers\":{\"X-Api-Version\":\"v2\",\"X-Num\":7}}");
    gw.awaitStatus("/p/a", 200);
    assertThat(gw.get("/p/a", "X-Api-Version", "v1").statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("Host")).isEqualTo("internal.test:8080");
    assertThat(gw.lastUpstreamHeader("X-api-version")).as("the map form sets, replacing the client's").isEqualTo("v2");
    assertThat(gw.lastUpstreamHeader("X-num")).isEqualTo("7");
  }

  @Test
  void setAddAndRemove() throws Exception {
    gw.route("r", "/p/*", "\"proxy-rewrite\":{\"headers\":{\"set\":{\"X-Set\":\"s\"},\"add\":{\"X-Add\":\"a2\"},"
        + "\"remove\":[\"X-Remove\",\"User-Agent\"]}}");
    gw.awaitStatus("/p/a", 200);
    assertThat(gw.get("/p/a", "X-Set", "client", "X-Add", "a1", "X-Remove", "bye").statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("X-set")).isEqualTo("s");
    assertThat(gw.lastUpstreamHeader("X-add")).as("add keeps the client's value").isEqualTo("a1,a2");
    assertThat(gw.lastUpstreamHeader("X-remove")).isNull();
    assertThat(gw.lastUpstreamHeader("User-agent")).isNull();
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"proxy-rewrite\":{}", "plugins/proxy-rewrite", "at least one of");
    gw.refused("\"proxy-rewrite\":{\"uri\":\"relative\"}", "plugins/proxy-rewrite/uri");
    gw.refused("\"proxy-rewrite\":{\"regex_uri\":[\"^/a\"]}", "plugins/proxy-rewrite/regex_uri");
    gw.refused("\"proxy-rewrite\":{\"regex_uri\":[\"(\",\"/b\"]}", "plugins/proxy-rewrite/regex_uri/0");
    gw.refused("\"proxy-rewrite\":{\"regex_uri\":[\"^/a/(.*)\",\"/b/$2\"]}", "plugins/proxy-rewrite/regex_uri/1", "$2");
    gw.refused("\"proxy-rewrite\":{\"host\":\"a b\"}", "plugins/proxy-rewrite/host");
    gw.refused("\"proxy-rewrite\":{\"headers\":{}}", "plugins/proxy-rewrite/headers");
    gw.refused("\"proxy-rewrite\":{\"headers\":{\"set\":{\"X:A\":\"1\"}}}", "plugins/proxy-rewrite/headers/set");
    gw.refused("\"proxy-rewrite\":{\"uri\":\"/x\",\"method\":\"POST\"}", "plugins/proxy-rewrite/method");
    gw.refused("\"proxy-rewrite\":{\"uri\":null}", "plugins/proxy-rewrite/uri");
    assertThat(gw.get("/bad").statusCode()).as("nothing refused was stored").isEqualTo(404);
  }
}
