package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * cors's plugin metadata through a real gateway (admin API, data port, upstream over sockets):
 * named origin lists at {@code /apisix/plugin_metadata/cors}, referenced by a route's
 * {@code allow_origins_by_metadata}, read by each request from the registry's newest snapshot. Run
 * on a standalone file ({@link CorsMetadataTest}) and on etcd ({@link CorsMetadataEtcdTest}).
 */
abstract class CorsMetadataScenarios {
  static final String METADATA = "/apisix/admin/plugin_metadata/cors";
  private static final ObjectMapper JSON = new ObjectMapper();

  PluginGateway gw;

  private Optional<String> allowOrigin(String path, String origin) throws Exception {
    HttpResponse<String> r = gw.get(path, "Origin", origin);
    assertThat(r.statusCode()).as("%s from %s: %s", path, origin, r.body()).isEqualTo(200);
    return r.headers().firstValue("Access-Control-Allow-Origin");
  }

  private void putMetadata(String body) throws Exception {
    HttpResponse<String> r = gw.admin("PUT", METADATA, body);
    assertThat(r.statusCode()).as("%s -> %s", body, r.body()).isIn(200, 201);
  }

  @Test
  void namedOriginsAllowTheirOriginsAndAChangeTakesEffectOnTheNextRequest() throws Exception {
    gw.route("r1", "/m", "\"cors\":{\"allow_origins_by_metadata\":[\"team\",\"partners\"],\"allow_methods\":\"GET,POST\",\"max_age\":60}");
    gw.awaitStatus("/m", 200);
    assertThat(allowOrigin("/m", "http://a.test")).as("no plugin metadata yet: nothing is allowed by it").isEmpty();

    putMetadata("{\"allow_origins\":{\"team\":\"http://a.test,https://b.test:8443\",\"partners\":\"https://p.test\"}}");
    // the admin API answers once this node serves the write: the next request sees it
    HttpResponse<String> simple = gw.get("/m", "Origin", "https://b.test:8443");
    assertThat(simple.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://b.test:8443");
    assertThat(simple.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET,POST");
    assertThat(simple.headers().firstValue("Access-Control-Max-Age")).hasValue("60");
    assertThat(simple.headers().allValues("Vary")).as("allow_origins is *").doesNotContain("Origin");
    assertThat(simple.body()).startsWith("web GET /m");
    assertThat(allowOrigin("/m", "http://a.test")).hasValue("http://a.test");

    int hits = gw.backend.hits.get();
    HttpResponse<String> preflight = gw.send("OPTIONS", "/m", "Origin", "https://p.test", "Access-Control-Request-Method", "POST");
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://p.test");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET,POST");
    HttpResponse<String> refusedPreflight = gw.send("OPTIONS", "/m", "Origin", "https://evil.test", "Access-Control-Request-Method", "POST");
    assertThat(refusedPreflight.statusCode()).isEqualTo(200);
    assertThat(refusedPreflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(refusedPreflight.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
    assertThat(gw.backend.hits.get()).as("preflights never reach the upstream").isEqualTo(hits);

    assertThat(allowOrigin("/m", "https://evil.test")).isEmpty();
    assertThat(allowOrigin("/m", "http://b.test:8443")).as("another scheme").isEmpty();
    assertThat(gw.get("/m").headers().firstValue("Access-Control-Allow-Origin")).as("no Origin header").isEmpty();

    // a new value: "partners" is gone (a name the metadata does not hold allows nothing), "team" changed
    putMetadata("{\"allow_origins\":{\"team\":\"http://c.test\"}}");
    assertThat(allowOrigin("/m", "http://c.test")).hasValue("http://c.test");
    assertThat(allowOrigin("/m", "http://a.test")).isEmpty();
    assertThat(allowOrigin("/m", "https://p.test")).isEmpty();

    // "*" and "**" allow every origin, which is echoed (not "*")
    putMetadata("{\"allow_origins\":{\"team\":\"*\",\"partners\":\"**\"}}");
    assertThat(allowOrigin("/m", "https://any.test")).hasValue("https://any.test");

    assertThat(gw.admin("DELETE", METADATA, null).statusCode()).isEqualTo(200);
    assertThat(allowOrigin("/m", "https://any.test")).as("metadata deleted").isEmpty();
  }

  @Test
  void metadataCombinesWithAllowOriginsAndRegexesInApisixsOrder() throws Exception {
    putMetadata("{\"allow_origins\":{\"k1\":\"https://domain.com\",\"k2\":\"https://sub.domain.com,https://sub2.domain.com\"}}");
    gw.route("r1", "/local", "\"cors\":{\"allow_origins\":\"https://test.com\",\"allow_origins_by_metadata\":[\"k1\",\"k2\"]}");
    gw.route("r2", "/star", "\"cors\":{\"allow_origins\":\"*\",\"allow_origins_by_metadata\":[\"k1\"]}");
    gw.route("r3", "/regex", "\"cors\":{\"allow_origins\":\"https://test.com\",\"allow_origins_by_regex\":[\"\\\\.example\\\\.com$\"],"
        + "\"allow_origins_by_metadata\":[\"k1\"]}");
    gw.route("r4", "/regex-star", "\"cors\":{\"allow_origins_by_regex\":[\"\\\\.example\\\\.com$\"],\"allow_origins_by_metadata\":[\"k1\"]}");
    gw.awaitStatus("/regex-star", 200);

    assertThat(allowOrigin("/local", "https://domain.com")).as("by metadata, first name").hasValue("https://domain.com");
    assertThat(allowOrigin("/local", "https://sub2.domain.com")).as("by metadata, second name").hasValue("https://sub2.domain.com");
    assertThat(allowOrigin("/local", "https://test.com")).as("by allow_origins").hasValue("https://test.com");
    assertThat(allowOrigin("/local", "http://foo.example.org")).isEmpty();
    assertThat(gw.get("/local", "Origin", "http://foo.example.org").headers().allValues("Vary")).contains("Origin");

    assertThat(allowOrigin("/star", "https://domain.com")).hasValue("https://domain.com");
    assertThat(allowOrigin("/star", "http://foo.example.org")).as("allow_origins * does not widen the metadata's origins").isEmpty();

    assertThat(allowOrigin("/regex", "https://a.example.com")).as("by regex").hasValue("https://a.example.com");
    assertThat(allowOrigin("/regex", "https://domain.com")).hasValue("https://domain.com");
    assertThat(allowOrigin("/regex", "https://test.com")).as("allow_origins_by_regex replaces allow_origins").isEmpty();

    assertThat(allowOrigin("/regex-star", "https://domain.com")).hasValue("https://domain.com");
    assertThat(allowOrigin("/regex-star", "https://a.example.com"))
        .as("APISIX consults regexes after the metadata only when allow_origins is set and not *").isEmpty();
  }

  @Test
  void invalidMetadataIsRefusedNamingTheFieldAndChangesNothing() throws Exception {
    String good = "{\"allow_origins\":{\"k1\":\"https://domain.com\"},\"other\":1}";
    putMetadata(good);
    gw.route("r1", "/m", "\"cors\":{\"allow_origins_by_metadata\":[\"k1\"]}");
    gw.awaitStatus("/m", 200);
    JsonNode stored = JSON.readTree(gw.admin("GET", METADATA, null).body()).path("value");
    assertThat(stored.path("allow_origins").path("k1").asText()).isEqualTo("https://domain.com");
    assertThat(stored.path("other").asInt()).as("other members are kept, as APISIX keeps them").isEqualTo(1);
    assertThat(stored.has("create_time")).as("plugin metadata takes no timestamps in APISIX").isFalse();

    String[][] bad = {
        {"{\"allow_origins\":{\"k1\":\"domain.com\"}}", "/allow_origins/k1"},
        {"{\"allow_origins\":{\"k1\":\"https://x.com,*\"}}", "/allow_origins/k1"},
        {"{\"allow_origins\":{\"k1\":\"https://x.com\",\"a/b\":\"\"}}", "/allow_origins/a~1b"},
        {"{\"allow_origins\":{\"k1\":5}}", "/allow_origins/k1"},
        {"{\"allow_origins\":\"*\"}", "/allow_origins"},
        {"{\"allow_origins\":[\"https://x.com\"]}", "/allow_origins"}};
    for (String[] b : bad) {
      HttpResponse<String> r = gw.admin("PUT", METADATA, b[0]);
      assertThat(r.statusCode()).as("%s -> %s", b[0], r.body()).isEqualTo(400);
      assertThat(r.body()).as(b[0]).contains(b[1]).contains("invalid configuration");
    }
    JsonNode after = JSON.readTree(gw.admin("GET", METADATA, null).body()).path("value");
    assertThat(after).as("nothing stored changed").isEqualTo(stored);
    assertThat(allowOrigin("/m", "https://domain.com")).hasValue("https://domain.com");

    // written into the file or etcd behind the admin API's back: the registry refuses it, the last good value serves
    String key = gw.gateway.source().prefix() + "/plugin_metadata/cors";
    gw.gateway.source().put(key, "{\"id\":\"cors\",\"allow_origins\":{\"k1\":\"not an origin\"}}");
    await().atMost(PluginGateway.WAIT).until(() -> gw.gateway.registry().snapshot().rejections().containsKey(key));
    assertThat(gw.gateway.registry().snapshot().rejections().get(key).message()).contains("/allow_origins/k1");
    assertThat(allowOrigin("/m", "https://domain.com")).hasValue("https://domain.com");
  }

  @Test
  void aRouteNamingEntriesTheMetadataLacksIsStoredAndAllowsNothingByThem() throws Exception {
    putMetadata("{\"allow_origins\":{\"k1\":\"https://domain.com\"}}");
    gw.route("r1", "/m", "\"cors\":{\"allow_origins_by_metadata\":[\"missing\",\"k1\"]}");
    gw.route("r2", "/only-missing", "\"cors\":{\"allow_origins\":\"https://test.com\",\"allow_origins_by_metadata\":[\"missing\"]}");
    gw.awaitStatus("/only-missing", 200);
    assertThat(allowOrigin("/m", "https://domain.com")).as("the next name still counts").hasValue("https://domain.com");
    assertThat(allowOrigin("/m", "https://other.test")).isEmpty();
    assertThat(allowOrigin("/only-missing", "https://domain.com")).isEmpty();
    assertThat(allowOrigin("/only-missing", "https://test.com")).as("allow_origins still applies").hasValue("https://test.com");

    putMetadata("{\"allow_origins\":{\"missing\":\"https://other.test\"}}");
    assertThat(allowOrigin("/m", "https://other.test")).as("the name now exists").hasValue("https://other.test");
    assertThat(allowOrigin("/m", "https://domain.com")).as("k1 is gone").isEmpty();
  }
}
