package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.apisix.PluginCatalog;
import io.dynconf.core.apisix.PluginInfo;
import io.dynconf.core.apisix.PluginSchemaConformance;
import io.dynconf.core.source.InMemorySource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * APISIX 3.x admin behaviours of issue 15 (endpoints, shapes, checks), written from APISIX's
 * documentation and its admin sources' behaviour, over a real socket.
 */
class AdminApiParityTest {
  static final String LIMIT_COUNT = """
      {"type":"object","properties":{"count":{"type":"integer","exclusiveMinimum":0},
       "time_window":{"type":"integer","exclusiveMinimum":0},"key":{"type":"string","default":"remote_addr"}},
       "required":["count","time_window"]}""";
  static final String KEY_AUTH = """
      {"type":"object","properties":{"header":{"type":"string","default":"apikey"},"hide_credentials":{"type":"boolean"}}}""";
  static final String KEY_AUTH_CONSUMER = """
      {"type":"object","properties":{"key":{"type":"string","minLength":1}},"required":["key"]}""";
  static final String HTTP_LOGGER = """
      {"type":"object","properties":{"uri":{"type":"string","pattern":"^https?://"}},"required":["uri"]}""";
  static final String HTTP_LOGGER_METADATA = """
      {"type":"object","properties":{"log_format":{"type":"object"}},"additionalProperties":false}""";
  static final PluginCatalog CATALOG = PluginCatalog.fromSchemas(List.of(
      PluginInfo.of("limit-count", 1002, LIMIT_COUNT),
      new PluginInfo("key-auth", 2500, 0.1, "auth", KEY_AUTH, KEY_AUTH_CONSUMER, null),
      new PluginInfo("http-logger", 410, 0.1, null, HTTP_LOGGER, null, HTTP_LOGGER_METADATA)));
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InMemorySource source = new InMemorySource();
  private final AdminApi admin = AdminTesting.builder(source, new AdminTesting.TestClock(1_700_000_000L)).plugins(CATALOG).build();
  private final AdminHttpServer http = new AdminHttpServer(admin);

  @AfterEach
  void close() {
    http.close();
    admin.close();
  }

  private static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.body(), e);
    }
  }

  private HttpResponse<String> ok(String method, String target, String body) {
    HttpResponse<String> r = http.send(method, target, body);
    assertThat(r.statusCode()).as("%s %s: %s", method, target, r.body()).isBetween(200, 201);
    return r;
  }

  // ---------------------------------------------------------------- endpoints

  @Test
  void headOfTheAdminRootAnswers200WithoutAKey() {
    HttpResponse<String> r = http.send("HEAD", "/apisix/admin", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(http.send("HEAD", "/apisix/admin/routes", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void pluginsListIsSortedByPriorityHighestFirst() {
    HttpResponse<String> r = http.send("GET", "/apisix/admin/plugins/list", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).toString()).isEqualTo("[\"key-auth\",\"limit-count\",\"http-logger\"]");
    assertThat(http.send("GET", "/apisix/admin/plugins/list", null, null).statusCode()).isEqualTo(401);
    assertThat(http.send("GET", "/apisix/admin/plugins/list", null, AdminTesting.VIEWER_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void pluginsAllPublishesEverySchemaThePluginHas() {
    JsonNode all = json(ok("GET", "/apisix/admin/plugins?all=true", null));
    assertThat(all.size()).isEqualTo(3);
    assertThat(all.path("limit-count").path("priority").asInt()).isEqualTo(1002);
    assertThat(all.path("limit-count").path("schema").path("required").toString()).isEqualTo("[\"count\",\"time_window\"]");
    assertThat(all.path("limit-count").has("consumer_schema")).isFalse();
    assertThat(all.path("key-auth").path("type").asText()).isEqualTo("auth");
    assertThat(all.path("key-auth").path("consumer_schema").path("required").toString()).isEqualTo("[\"key\"]");
    assertThat(all.path("http-logger").path("metadata_schema").path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(json(ok("GET", "/apisix/admin/plugins?all=true&subsystem=stream", null)).size()).isZero();
    assertThat(http.send("GET", "/apisix/admin/plugins?all=true&subsystem=tcp", null).statusCode()).isEqualTo(400);
  }

  @Test
  void onePluginsSchemaBySchemaType() {
    assertThat(json(ok("GET", "/apisix/admin/plugins/limit-count", null)).path("required").toString()).isEqualTo("[\"count\",\"time_window\"]");
    assertThat(json(ok("GET", "/apisix/admin/plugins/key-auth?schema_type=consumer", null)).path("required").toString()).isEqualTo("[\"key\"]");
    // APISIX 3.18's plugins.lua: only "consumer" selects another schema; "metadata" (or anything else) is the plain one
    assertThat(json(ok("GET", "/apisix/admin/plugins/http-logger?schema_type=metadata", null)).path("required").toString())
        .isEqualTo("[\"uri\"]");
    assertThat(json(ok("GET", "/apisix/admin/plugins/http-logger?schema_type=other", null)).path("required").toString())
        .isEqualTo("[\"uri\"]");
    // as APISIX's plugin.lua injects into every plugin's schema (not into consumer or metadata schemas): its mark and _meta
    JsonNode limitCount = json(ok("GET", "/apisix/admin/plugins/limit-count", null));
    assertThat(limitCount.path("$comment").asText()).isEqualTo("this is a mark for our injected plugin schema");
    assertThat(limitCount.path("properties").path("_meta").path("properties").path("disable").path("type").asText()).isEqualTo("boolean");
    assertThat(limitCount.path("properties").path("_meta").path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(json(ok("GET", "/apisix/admin/plugins?all=true", null)).path("limit-count").path("schema").path("$comment").asText())
        .isEqualTo("this is a mark for our injected plugin schema");
    assertThat(json(ok("GET", "/apisix/admin/schema/plugins/limit-count", null)).path("properties").has("_meta")).isTrue();
    assertThat(json(ok("GET", "/apisix/admin/plugins/key-auth?schema_type=consumer", null)).has("$comment")).isFalse();
    HttpResponse<String> none = http.send("GET", "/apisix/admin/plugins/limit-count?schema_type=consumer", null);
    assertThat(none.statusCode()).isEqualTo(400);
    assertThat(json(none).path("error_msg").asText()).isEqualTo("not found schema");
    HttpResponse<String> unknown = http.send("GET", "/apisix/admin/plugins/no-such-plugin", null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).path("error_msg").asText()).isEqualTo("plugin not found in subsystem http");
    // APISIX serves the same schema at schema/plugins/<name>
    assertThat(json(ok("GET", "/apisix/admin/schema/plugins/limit-count", null)).path("required").toString()).isEqualTo("[\"count\",\"time_window\"]");
    assertThat(http.send("GET", "/apisix/admin/schema/plugins/no-such-plugin", null).statusCode()).isEqualTo(404);
  }

  @Test
  void reloadAnswersDoneAndNeedsTheAdminRole() {
    HttpResponse<String> r = http.send("PUT", "/apisix/admin/plugins/reload", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("\"done\"");
    assertThat(http.send("PUT", "/apisix/admin/plugins/reload", null, AdminTesting.VIEWER_KEY).statusCode()).isEqualTo(403);
    assertThat(http.send("POST", "/apisix/admin/plugins/reload", null).statusCode()).isEqualTo(404);
  }

  @Test
  void thePublishedSchemasAreWhatTheCheckerEnforces() {
    PluginSchemaConformance.assertAgree(CATALOG, "limit-count", true,
        "{\"count\":1,\"time_window\":60}", "{\"count\":5,\"time_window\":1,\"key\":\"consumer_name\"}");
    PluginSchemaConformance.assertAgree(CATALOG, "limit-count", false,
        "{\"count\":0,\"time_window\":60}", "{\"count\":1}", "{\"count\":\"1\",\"time_window\":60}");
    PluginSchemaConformance.assertAgree(CATALOG, "key-auth", true, "{}", "{\"header\":\"X-Key\",\"hide_credentials\":true}");
    PluginSchemaConformance.assertAgree(CATALOG, "key-auth", false, "{\"hide_credentials\":\"yes\"}", "{\"header\":1}");
    PluginSchemaConformance.assertAgree(CATALOG, "http-logger", true, "{\"uri\":\"http://127.0.0.1:1/log\"}");
    PluginSchemaConformance.assertAgree(CATALOG, "http-logger", false, "{}", "{\"uri\":\"ftp://x\"}");
  }

  @Test
  void aRouteWithAPluginTheSchemaRejectsIsRejected() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    HttpResponse<String> bad = http.send("PUT", "/apisix/admin/routes/1",
        "{\"uri\":\"/a\",\"upstream_id\":\"1\",\"plugins\":{\"limit-count\":{\"count\":0,\"time_window\":60}}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).path("error_msg").asText()).contains("/plugins/limit-count/count");
    ok("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/a\",\"upstream_id\":\"1\",\"plugins\":{\"limit-count\":{\"count\":1,\"time_window\":60}}}");
  }

  @Test
  void pluginMetadataNamesAKnownPluginAndMatchesItsMetadataSchema() {
    HttpResponse<String> unknown = http.send("PUT", "/apisix/admin/plugin_metadata/no-such-plugin", "{\"log_format\":{}}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).path("error_msg").asText()).contains("unknown plugin [no-such-plugin]");
    // a plugin without a metadata schema takes any object, as APISIX (it injects an empty object schema)
    HttpResponse<String> noSchema = http.send("PUT", "/apisix/admin/plugin_metadata/limit-count", "{\"anything\":{}}");
    assertThat(noSchema.statusCode()).as(noSchema.body()).isEqualTo(201);
    HttpResponse<String> notAnObject = http.send("PUT", "/apisix/admin/plugin_metadata/limit-count", "[1]");
    assertThat(notAnObject.statusCode()).isEqualTo(400);
    HttpResponse<String> invalid = http.send("PUT", "/apisix/admin/plugin_metadata/http-logger", "{\"log_format\":\"text\"}");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(json(invalid).path("error_msg").asText()).contains("log_format");
    ok("PUT", "/apisix/admin/plugin_metadata/http-logger", "{\"log_format\":{\"host\":\"$host\"}}");
  }

  @Test
  void schemaValidateChecksOneObjectWithoutStoringIt() {
    HttpResponse<String> good = http.send("POST", "/apisix/admin/schema/validate/routes", "{\"uri\":\"/a\",\"upstream\":" + UPSTREAM + "}");
    assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    assertThat(json(good).path("valid").asBoolean()).isTrue();
    HttpResponse<String> singular = http.send("POST", "/apisix/admin/schema/validate/upstream", "{\"nodes\":{\"127.0.0.1:1\":1},\"type\":\"chash\"}");
    assertThat(singular.statusCode()).isEqualTo(400); // chash needs a key
    assertThat(json(singular).path("error_msg").asText()).contains("invalid configuration");
    assertThat(http.send("POST", "/apisix/admin/schema/validate/routes", "{\"uri\":\"/a\",\"plugins\":{\"limit-count\":{}}}").statusCode()).isEqualTo(400);
    assertThat(http.send("POST", "/apisix/admin/schema/validate/nothing", "{}").statusCode()).isEqualTo(404);
    assertThat(http.send("POST", "/apisix/admin/schema/validate/routes", "{}", null).statusCode()).isEqualTo(401);
    assertThat(AdminTesting.resources(source)).isEmpty();
  }

  @Test
  void configsValidateChecksAWholeStandaloneConfiguration() {
    String good = "{\"routes\":[{\"id\":\"r1\",\"uri\":\"/r1\",\"upstream_id\":\"u1\"}],\"upstreams\":[{\"id\":\"u1\","
        + UPSTREAM.substring(1) + "],\"routes_conf_version\":3}";
    HttpResponse<String> r = http.send("POST", "/apisix/admin/configs/validate", good);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("valid").asBoolean()).isTrue();
    String bad = "{\"routes\":[{\"id\":\"r1\",\"uri\":\"/r1\",\"upstream_id\":\"u2\"},{\"id\":\"r2\"}],\"upstreams\":[{\"id\":\"u1\","
        + UPSTREAM.substring(1) + "],\"planets\":[]}";
    HttpResponse<String> b = http.send("POST", "/apisix/admin/configs/validate", bad);
    assertThat(b.statusCode()).isEqualTo(400);
    JsonNode body = json(b);
    assertThat(body.path("valid").asBoolean(true)).isFalse();
    List<String> errors = new ArrayList<>();
    body.path("errors").forEach(e -> errors.add(e.path("resource_type").asText() + "/" + e.path("index").asText("-") + ": " + e.path("error").asText()));
    assertThat(errors).hasSize(3);
    assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("routes/0: /upstream_id: upstream \"u2\" is not in this configuration"));
    assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("routes/1: invalid configuration"));
    assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("planets/-: unknown resource type"));
    assertThat(http.send("GET", "/apisix/admin/configs/validate", null).statusCode()).isEqualTo(404);
    assertThat(AdminTesting.resources(source)).isEmpty();
  }

  @Test
  void configsValidateNamesEachBadObjectByIdAndTakesObjectsWithoutIds() {
    // APISIX: each error carries resource_id (the id, a consumer's username, "" without one);
    // duplicates read "found duplicate id r1 in routes"; objects without ids are checked, not refused
    String up = ",\"upstream\":" + UPSTREAM + "}";
    String body = "{\"routes\":[{\"id\":\"r1\",\"uri\":\"/a\"" + up + ",{\"id\":\"r1\",\"uri\":\"/b\"" + up + ",{\"uri\":7" + up
        + ",{\"uri\":\"/no-id\"" + up + "],"
        + "\"consumers\":[{\"username\":\"jack\"},{\"username\":\"jack\"}],\"services\":[{\"upstream\":" + UPSTREAM + "}]}";
    HttpResponse<String> r = http.send("POST", "/apisix/admin/configs/validate", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    List<String> errors = new ArrayList<>();
    json(r).path("errors").forEach(e -> errors.add(e.path("resource_type").asText() + "/" + e.path("index").asInt() + "/"
        + e.path("resource_id").asText("<absent>") + ": " + e.path("error").asText()));
    assertThat(errors).containsExactlyInAnyOrder(
        "routes/1/r1: found duplicate id r1 in routes",
        "routes/2/: invalid configuration: /uri: expected type: string, found: integer",
        "consumers/1/jack: found duplicate username jack in consumers");
    HttpResponse<String> noIds = http.send("POST", "/apisix/admin/configs/validate",
        "{\"routes\":[{\"uri\":\"/a\",\"upstream\":" + UPSTREAM + "},{\"uri\":\"/b\",\"upstream\":" + UPSTREAM + "}],\"services\":[{\"upstream\":" + UPSTREAM + "}]}");
    assertThat(noIds.statusCode()).as(noIds.body()).isEqualTo(200);
    assertThat(json(noIds).path("valid").asBoolean()).isTrue();
  }

  @Test
  void anUpstreamThatATrafficSplitPluginSendsToIsNotDeleted() {
    // APISIX's upstream delete checker also searches the traffic-split plugin of routes, services,
    // plugin configs, consumers, consumer groups and global rules
    PluginCatalog withSplit = PluginCatalog.fromSchemas(List.of(
        PluginInfo.of("traffic-split", 966, "{\"type\":\"object\",\"properties\":{\"rules\":{\"type\":\"array\"}}}")));
    try (AdminApi api = AdminTesting.builder(new InMemorySource(), new AdminTesting.TestClock(1_700_000_000L)).plugins(withSplit).build();
        AdminHttpServer http = new AdminHttpServer(api)) {
      trafficSplitKeepsItsUpstreams(http);
    }
  }

  private static void trafficSplitKeepsItsUpstreams(AdminHttpServer http) {
    java.util.function.BiConsumer<String, String> ok = (target, body) -> {
      String method = body == null ? "DELETE" : "PUT";
      HttpResponse<String> r = http.send(method, target, body);
      assertThat(r.statusCode()).as("%s %s: %s", method, target, r.body()).isBetween(200, 201);
    };
    ok.accept("/apisix/admin/upstreams/u1", UPSTREAM);
    ok.accept("/apisix/admin/upstreams/u2", UPSTREAM);
    String split = "{\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"u1\",\"weight\":1},{\"weight\":1}]}]}}";
    ok.accept("/apisix/admin/routes/r1", "{\"uri\":\"/r\",\"upstream_id\":\"u2\",\"plugins\":" + split + "}");
    ok.accept("/apisix/admin/global_rules/g1", "{\"plugins\":" + split + "}");
    // a bulk DELETE reads the same users as a single one (and, within the bulk, the state it leaves)
    HttpResponse<String> bulkRefused = http.send("POST", "/apisix/admin/bulk",
        "{\"operations\":[{\"method\":\"DELETE\",\"type\":\"upstreams\",\"id\":\"u1\"}]}");
    assertThat(bulkRefused.statusCode()).as(bulkRefused.body()).isEqualTo(400);
    assertThat(json(bulkRefused).path("error_msg").asText()).contains("plugin in route [r1]").contains("plugin in global_rules [g1]");
    HttpResponse<String> refused = http.send("DELETE", "/apisix/admin/upstreams/u1", null);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused).path("error_msg").asText()).startsWith("can not delete this upstream, plugin in ")
        .contains("plugin in route [r1]").contains("plugin in global_rules [g1]").contains(" are still using it now");
    ok.accept("/apisix/admin/routes/r1", null);
    assertThat(json(http.send("DELETE", "/apisix/admin/upstreams/u1", null)).path("error_msg").asText())
        .startsWith("can not delete this upstream, plugin in global_rules [g1] is still using it now");
    ok.accept("/apisix/admin/global_rules/g1", "{\"plugins\":{\"traffic-split\":{\"rules\":[]}}}");
    ok.accept("/apisix/admin/upstreams/u1", null);
    ok.accept("/apisix/admin/global_rules/g1", "{\"plugins\":" + split.replace("u1", "u2") + "}");
    ok.accept("/apisix/admin/upstreams/u2?force=true", null); // force deletes it anyway, as APISIX
    assertThat(http.send("GET", "/apisix/admin/upstreams/u2", null).statusCode()).isEqualTo(404);
  }

  @Test
  void listingsFilterByServiceIdAndUpstreamId() {
    ok("PUT", "/apisix/admin/upstreams/u1", UPSTREAM);
    ok("PUT", "/apisix/admin/upstreams/u2", UPSTREAM);
    ok("PUT", "/apisix/admin/services/s1", "{\"upstream_id\":\"u1\"}");
    ok("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/1\",\"service_id\":\"s1\"}");
    ok("PUT", "/apisix/admin/routes/2", "{\"uri\":\"/2\",\"upstream_id\":\"u2\"}");
    ok("PUT", "/apisix/admin/routes/3", "{\"uri\":\"/3\",\"service_id\":\"s1\",\"upstream_id\":\"u2\"}");
    assertThat(ids(ok("GET", "/apisix/admin/routes?filter=service_id%3Ds1", null))).containsExactlyInAnyOrder("1", "3");
    assertThat(ids(ok("GET", "/apisix/admin/routes?filter=upstream_id%3Du2", null))).containsExactlyInAnyOrder("2", "3");
    assertThat(ids(ok("GET", "/apisix/admin/routes?filter=service_id%3Ds1%26upstream_id%3Du2", null))).containsExactly("3");
    assertThat(ids(ok("GET", "/apisix/admin/routes?filter=service_id%3Dnone", null))).isEmpty();
    assertThat(json(ok("GET", "/apisix/admin/routes?filter=service_id%3Ds1", null)).path("total").asInt()).isEqualTo(2);
    assertThat(http.send("GET", "/apisix/admin/routes?filter=service_id", null).statusCode()).isEqualTo(400);
  }

  private static List<String> ids(HttpResponse<String> r) {
    List<String> out = new ArrayList<>();
    json(r).path("list").forEach(i -> out.add(i.path("value").path("id").asText()));
    return out;
  }

  // ---------------------------------------------------------------- shapes

  @Test
  void aWrongMethodOnSchemaIs404() {
    assertThat(http.send("GET", "/apisix/admin/schema/routes", null).statusCode()).isEqualTo(200);
    assertThat(http.send("PUT", "/apisix/admin/schema/routes", "{}").statusCode()).isEqualTo(404);
    assertThat(http.send("DELETE", "/apisix/admin/schema/routes", null).statusCode()).isEqualTo(404);
  }

  @Test
  void anIntegerIdInABodyIsEchoedAsAnInteger() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    HttpResponse<String> r = ok("PUT", "/apisix/admin/routes", "{\"id\":7,\"uri\":\"/7\",\"upstream_id\":\"1\"}");
    assertThat(json(r).path("value").path("id").isIntegralNumber()).as(r.body()).isTrue();
    assertThat(json(r).path("value").path("id").asInt()).isEqualTo(7);
    assertThat(json(ok("GET", "/apisix/admin/routes/7", null)).path("value").path("id").isIntegralNumber()).isTrue();
    assertThat(json(ok("PUT", "/apisix/admin/routes/8", "{\"uri\":\"/8\",\"upstream_id\":\"1\"}")).path("value").path("id").asText()).isEqualTo("8");
    // a PATCH stores the path's id, a string, as APISIX's PATCH does
    JsonNode patched = json(ok("PATCH", "/apisix/admin/routes/7", "{\"uri\":\"/seven\"}")).path("value");
    assertThat(patched.path("id").isTextual()).as(patched.toString()).isTrue();
    assertThat(patched.path("id").asText()).isEqualTo("7");
    assertThat(json(ok("GET", "/apisix/admin/routes/7", null)).path("value").path("id").isTextual()).isTrue();
  }

  @Test
  void integerIdsBelowOneAreRejected() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    for (String id : new String[] {"0", "-1"}) {
      HttpResponse<String> r = http.send("PUT", "/apisix/admin/routes", "{\"id\":" + id + ",\"uri\":\"/x\",\"upstream_id\":\"1\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(json(r).path("error_msg").asText()).contains("id");
    }
    assertThat(http.send("PUT", "/apisix/admin/upstreams", "{\"id\":0," + UPSTREAM.substring(1)).statusCode()).isEqualTo(400);
  }

  @Test
  void theCatchAllUriWithoutALeadingSlashIsAccepted() {
    // "1" (which APISIX's schema takes and its router never matches) is still refused by the
    // route decoder's PathPattern (core.internal/core.match, outside the admin API): see issue 15
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    ok("PUT", "/apisix/admin/routes/2", "{\"uri\":\"*\",\"upstream_id\":\"1\"}");
    assertThat(json(ok("GET", "/apisix/admin/routes/2", null)).path("value").path("uri").asText()).isEqualTo("*");
  }

  @Test
  void controlCharactersInsideStringsAreAcceptedAndStoredEscaped() {
    String content = "syntax = 'proto3';\n\tpackage helloworld;\r\nmessage Ping {}";
    String raw = "{\"content\":\"" + content + "\"}"; // raw newline, tab and carriage return, as APISIX's decoder takes them
    ok("PUT", "/apisix/admin/protos/1", raw);
    assertThat(json(ok("GET", "/apisix/admin/protos/1", null)).path("value").path("content").asText()).isEqualTo(content);
    String stored = new String(source.get("/apisix/protos/1").value(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(stored).contains("\\n").doesNotContain("\n");
  }
}
