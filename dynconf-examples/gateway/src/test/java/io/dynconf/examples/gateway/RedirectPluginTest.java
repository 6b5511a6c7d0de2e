package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;



import org.junit.jupiter.api.Test;


/** APISIX's redirect through a real gateway (the JDK client does not follow redirects by default). */
class RedirectPluginTest extends PluginGatewayTest {
  private static String location(HttpResponse<String> r) {
    return r.headers().firstValue("Location").orElse(null);
  }

  @Test
  void uriTemplateWithVariablesAndRetCode() throws Exception {
    gw.route("t", "/t/*", "\"redirect\":{\"uri\":\"/new${uri}?from=$arg_from&h=$host&lit=\\\\$host&missing=$arg_none&cost=$\"}");
    gw.route("c", "/c", "\"redirect\":{\"uri\":\"https://example.test/x\",\"ret_code\":307}");
    gw.awaitStatus("/c", 307);
    HttpResponse<String> r = gw.get("/t/a?from=me");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(location(r)).isEqualTo("/new/t/a?from=me&h=127.0.0.1&lit=\\$host&missing=&cost=$");
    assertThat(r.body()).isEmpty();
    assertThat(location(gw.get("/c"))).isEqualTo("https://example.test/x");
    int before = gw.backend.hits.get();
    gw.get("/c");
    assertThat(gw.backend.hits.get()).isEqualTo(before);
  }

  @Test
  void regexUriRedirectsOnlyWhenItMatches() throws Exception {
    gw.route("r", "/r/*", "\"redirect\":{\"regex_uri\":[\"^/r/(\\\\w+)/(\\\\w+)\",\"/to/$2/${1}\"],\"ret_code\":301}");
    gw.awaitStatus("/r/a/b/c", 301);
    assertThat(location(gw.get("/r/a/b/c?q=1"))).isEqualTo("/to/b/a/c");
    assertThat(gw.get("/r/only").statusCode()).as("no match: proxied").isEqualTo(200);
  }

  @Test
  void httpToHttpsByMethodAndForwardedProto() throws Exception {
    gw.route("h", "/h", "\"redirect\":{\"http_to_https\":true}");
    gw.awaitStatus("/h", 301);
    assertThat(location(gw.get("/h?a=1&b"))).isEqualTo("https://127.0.0.1/h?a=1&b");
    assertThat(gw.send("HEAD", "/h").statusCode()).isEqualTo(301);
    HttpResponse<String> post = gw.send("POST", "/h");
    assertThat(post.statusCode()).isEqualTo(308);
    assertThat(location(post)).isEqualTo("https://127.0.0.1/h");
    assertThat(gw.get("/h", "X-Forwarded-Proto", "https").statusCode()).as("already https").isEqualTo(200);
    String raw = gw.raw("GET /h HTTP/1.1\r\nHost: Shop.Example.test:8080\r\nConnection: close\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 301").containsIgnoringCase("location: https://shop.example.test/h\r\n");

    gw.route("off", "/off", "\"redirect\":{\"http_to_https\":false}");
    gw.awaitStatus("/off", 200);
  }

  @Test
  void encodeUriAndAppendQueryString() throws Exception {
    gw.route("e", "/e/*", "\"redirect\":{\"uri\":\"/to$uri\",\"encode_uri\":true}");
    gw.route("a", "/a/*", "\"redirect\":{\"uri\":\"/to$uri\",\"append_query_string\":true}");
    gw.route("aq", "/aq", "\"redirect\":{\"uri\":\"/to?fixed=1\",\"append_query_string\":true}");
    gw.route("n", "/n/*", "\"redirect\":{\"uri\":\"/to$uri\"}");
    gw.awaitStatus("/n/x", 302);
    assertThat(location(gw.get("/e/a%20b%23d%25/%C3%A9?q=1"))).isEqualTo("/to/e/a%20b%23d%25/%C3%A9");
    assertThat(location(gw.get("/e/a%3Fb%20c"))).as("as APISIX: only what precedes the first ? is encoded")
        .isEqualTo("/to/e/a?b c");
    assertThat(location(gw.get("/a/x?q=1&r=2"))).isEqualTo("/to/a/x?q=1&r=2");
    assertThat(location(gw.get("/a/x"))).isEqualTo("/to/a/x");
    assertThat(location(gw.get("/aq?q=1"))).isEqualTo("/to?fixed=1&q=1");
    assertThat(location(gw.get("/n/x?q=1"))).as("the query is dropped by default").isEqualTo("/to/n/x");
    String raw = gw.raw("GET /n/a%0D%0Ab HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    assertThat(raw).as("a decoded CR LF cannot end the header").contains("Location: /to/n/a%0D%0Ab\r\n");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"redirect\":{}", "plugins/redirect/uri", "exactly one");
    gw.refused("\"redirect\":{\"ret_code\":301}", "plugins/redirect/uri");
    gw.refused("\"redirect\":{\"uri\":\"/a\",\"regex_uri\":[\"a\",\"b\"]}", "plugins/redirect/regex_uri");
    gw.refused("\"redirect\":{\"uri\":\"/a\",\"http_to_https\":true}", "plugins/redirect/regex_uri", "not several");
    gw.refused("\"redirect\":{\"uri\":\"/\"}", "plugins/redirect/uri");
    gw.refused("\"redirect\":{\"regex_uri\":[\"a\"]}", "plugins/redirect/regex_uri");
    gw.refused("\"redirect\":{\"regex_uri\":[\"(\",\"b\"]}", "plugins/redirect/regex_uri/0");
    gw.refused("\"redirect\":{\"regex_uri\":[\"(a)\",\"$2\"]}", "plugins/redirect/regex_uri/1");
    gw.refused("\"redirect\":{\"uri\":\"/a\",\"ret_code\":199}", "plugins/redirect/ret_code");
    gw.refused("\"redirect\":{\"http_to_https\":true,\"append_query_string\":true}", "plugins/redirect/append_query_string");
    gw.refused("\"redirect\":{\"uri\":\"/a\",\"encode_uri\":\"yes\"}", "plugins/redirect/encode_uri");
  }
}
