package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static io.dynconf.core.admin.AdminTesting.VIEWER_KEY;
import static io.dynconf.core.admin.AdminTesting.json;
import static io.dynconf.core.admin.AdminTesting.request;
import static io.dynconf.core.admin.AdminTesting.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every verb and status code of the admin API, against a real source: {@code
 * AdminApiInMemoryContractTest} (core) and {@code AdminApiEtcdContractTest} (dynconf-etcd) extend
 * it. Revisions are read from responses, never assumed.
 */
public abstract class AdminApiContract {
  protected static final long T0 = 1_700_000_000L;

  /** What the API writes to: {@link #raw} behind a hook that lets a test slip a write in before a transaction. */
  protected ConfigSource source;
  /** The source under test, for writes that bypass the API. */
  protected ConfigSource raw;
  HookedSource hooked;
  protected AdminApi admin;
  protected AdminTesting.TestClock clock;

  /** A fresh, empty source with prefix {@code /apisix}. */
  protected abstract ConfigSource createSource() throws Exception;

  /** How many rounds the race tests run. */
  protected int raceRounds() {
    return 3;
  }

  @BeforeEach
  void setUpAdmin() throws Exception {
    raw = createSource();
    hooked = new HookedSource(raw);
    source = hooked;
    clock = new AdminTesting.TestClock(T0);
    admin = configure(AdminTesting.builder(source, clock).requestTimeout(Duration.ofSeconds(10))).build();
  }

  /** Sets what a subclass adds to the API under test (a node view, say); called after {@link #createSource()}. */
  protected AdminApi.Builder configure(AdminApi.Builder builder) {
    return builder;
  }

  @AfterEach
  void tearDownAdmin() {
    admin.close();
    source.close();
  }

  protected AdminResponse call(String method, String target, String body, String... headers) {
    return admin.handle(request(method, target, body, headers));
  }

  protected AdminResponse ok(String method, String target, String body, String... headers) {
    AdminResponse r = call(method, target, body, headers);
    assertThat(r.status()).as("%s %s: %s", method, target, r.bodyUtf8()).isBetween(200, 201);
    return r;
  }

  protected static void assertError(AdminResponse r, int status, String... fragments) {
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(status);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = json(r);
    assertThat(body.path("error_msg").isTextual()).as(r.bodyUtf8()).isTrue();
    for (String f : fragments) {
      assertThat(r.bodyUtf8()).contains(f);
    }
  }

  // ------------------------------------------------------------------ PUT / GET

  @Test
  void putCreatesWith201ThenReplacesWith200KeepingCreateTime() {
    AdminResponse created = call("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    assertThat(created.status()).isEqualTo(201);
    JsonNode c = json(created);
    assertThat(c.path("key").asText()).isEqualTo("/apisix/upstreams/1");
    assertThat(c.path("value").path("id").asText()).isEqualTo("1");
    assertThat(c.path("value").path("create_time").asLong()).isEqualTo(T0);
    assertThat(c.path("value").path("update_time").asLong()).isEqualTo(T0);
    assertThat(c.path("value").path("type").asText()).isEqualTo("roundrobin");
    // APISIX's write answers carry key and value only; the revision is in the headers
    assertThat(c.has("createdIndex")).isFalse();
    assertThat(c.has("modifiedIndex")).isFalse();
    long rev = Long.parseLong(created.header(AdminApi.REVISION_HEADER));
    assertThat(created.header("ETag")).isEqualTo("\"" + rev + "\"");
    assertThat(created.header("X-API-VERSION")).isEqualTo("v3");

    clock.set(T0 + 60);
    AdminResponse replaced = call("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"127.0.0.1:9090\":1},\"type\":\"chash\",\"key\":\"remote_addr\"}");
    assertThat(replaced.status()).isEqualTo(200);
    JsonNode r = json(replaced);
    assertThat(r.path("value").path("create_time").asLong()).isEqualTo(T0);
    assertThat(r.path("value").path("update_time").asLong()).isEqualTo(T0 + 60);
    assertThat(r.has("modifiedIndex")).isFalse();
    assertThat(Long.parseLong(replaced.header(AdminApi.REVISION_HEADER))).isGreaterThan(rev);
    JsonNode got = json(ok("GET", "/apisix/admin/upstreams/1", null)); // a GET shows both indexes
    assertThat(got.path("createdIndex").asLong()).isEqualTo(rev);
    assertThat(got.path("modifiedIndex").asLong()).isGreaterThan(rev);
    assertThat(source.get("/apisix/upstreams/1").utf8()).contains("9090").contains("\"id\":\"1\"");
  }

  @Test
  void putWithoutPathIdTakesTheBodyId() {
    AdminResponse r = call("PUT", "/apisix/admin/upstreams", "{\"id\":7,\"nodes\":{\"127.0.0.1:8080\":1},\"type\":\"roundrobin\"}");
    assertThat(r.status()).isEqualTo(201);
    assertThat(json(r).path("key").asText()).isEqualTo("/apisix/upstreams/7");
    assertThat(json(r).path("value").path("id").asText()).isEqualTo("7");
    assertError(call("PUT", "/apisix/admin/upstreams", UPSTREAM), 400, "missing upstream id");
    assertError(call("PUT", "/apisix/admin/upstreams/1", "{\"id\":\"2\",\"nodes\":{\"a:1\":1}}"), 400, "wrong upstream id");
  }

  @Test
  void getOneAnswersApisixShapeWithETag() {
    long rev = Long.parseLong(ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM).header(AdminApi.REVISION_HEADER));
    AdminResponse r = call("GET", "/apisix/admin/upstreams/1", null);
    assertThat(r.status()).isEqualTo(200);
    JsonNode b = json(r);
    assertThat(b.path("key").asText()).isEqualTo("/apisix/upstreams/1");
    assertThat(b.path("value").path("nodes").path("127.0.0.1:8080").asInt()).isEqualTo(1);
    assertThat(b.path("createdIndex").asLong()).isEqualTo(rev);
    assertThat(b.path("modifiedIndex").asLong()).isEqualTo(rev);
    assertThat(r.header("etag")).isEqualTo("\"" + rev + "\"");
  }

  @Test
  void getMissingAnswers404() {
    AdminResponse r = call("GET", "/apisix/admin/routes/nope", null);
    assertError(r, 404, "route nope not found");
    assertThat(json(r).path("message").asText()).isEqualTo("Key not found");
  }

  @Test
  void listAnswersTotalAndList() {
    JsonNode empty = json(ok("GET", "/apisix/admin/routes", null));
    assertThat(empty.path("total").asInt()).isZero();
    assertThat(empty.path("list").isArray()).isTrue();
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    ok("PUT", "/apisix/admin/routes/a", route("/a", "1"));
    ok("PUT", "/apisix/admin/routes/b", route("/b", "1"));
    JsonNode l = json(ok("GET", "/apisix/admin/routes/", null));
    assertThat(l.path("total").asInt()).isEqualTo(2);
    assertThat(l.path("list")).hasSize(2);
    assertThat(l.path("list").get(0).path("key").asText()).isEqualTo("/apisix/routes/a");
    assertThat(l.path("list").get(0).path("value").path("uri").asText()).isEqualTo("/a");
    assertThat(l.path("list").get(0).has("createdIndex")).isTrue();
    assertThat(l.path("list").get(0).has("modifiedIndex")).isTrue();
  }

  @Test
  void listPagesByCreationAndFilters() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    for (int i = 0; i < 25; i++) {
      String id = "r" + (char) ('z' - i); // key order is the reverse of creation order
      ok("PUT", "/apisix/admin/routes/" + id, "{\"uri\":\"/p/" + i + "\",\"name\":\"n" + i + "\",\"upstream_id\":\"1\""
          + (i % 5 == 0 ? ",\"labels\":{\"env\":\"prod\"}" : "") + "}");
    }
    JsonNode page2 = json(ok("GET", "/apisix/admin/routes?page=2&page_size=10", null));
    assertThat(page2.path("total").asInt()).isEqualTo(25);
    assertThat(page2.path("list")).hasSize(10);
    assertThat(page2.path("list").get(0).path("value").path("uri").asText()).isEqualTo("/p/10");
    assertThat(json(ok("GET", "/apisix/admin/routes?page=3&page_size=10", null)).path("list")).hasSize(5);
    assertThat(json(ok("GET", "/apisix/admin/routes?page=9&page_size=10", null)).path("list")).isEmpty();
    assertError(call("GET", "/apisix/admin/routes?page=1&page_size=5", null), 400, "page_size must be between 10 and 500");
    assertError(call("GET", "/apisix/admin/routes?page=x&page_size=10", null), 400, "page");
    assertThat(json(ok("GET", "/apisix/admin/routes?name=%5En1%24", null)).path("total").asInt()).isEqualTo(1);
    assertThat(json(ok("GET", "/apisix/admin/routes?label=env", null)).path("total").asInt()).isEqualTo(5);
    assertThat(json(ok("GET", "/apisix/admin/routes?uri=/p/2", null)).path("total").asInt()).isEqualTo(6); // 2, 20..24
    assertError(call("GET", "/apisix/admin/routes?name=(", null), 400, "name");
  }

  @Test
  void aUriWithoutALeadingSlashIsAcceptedAsApisixAcceptsIt() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    assertThat(ok("PUT", "/apisix/admin/routes/one", "{\"uri\":\"1\",\"upstream_id\":\"1\"}").status()).isEqualTo(201);
    assertThat(ok("PUT", "/apisix/admin/routes/all", "{\"uri\":\"*\",\"upstream_id\":\"1\"}").status()).isEqualTo(201);
    assertError(call("PUT", "/apisix/admin/routes/empty", "{\"uri\":\"\",\"upstream_id\":\"1\"}"), 400, "uri");
  }

  // ------------------------------------------------------------------ POST

  @Test
  void postGeneratesTwentyDigitIdsSortedByCreation() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      AdminResponse r = call("POST", "/apisix/admin/upstreams", UPSTREAM);
      assertThat(r.status()).isEqualTo(201);
      String id = json(r).path("value").path("id").asText();
      assertThat(id).matches("[0-9]{20}");
      assertThat(json(r).path("key").asText()).isEqualTo("/apisix/upstreams/" + id);
      ids.add(id);
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(json(ok("GET", "/apisix/admin/upstreams", null)).path("total").asInt()).isEqualTo(3);
  }

  @Test
  void postRejectsAnIdAndUnsupportedTypes() {
    assertError(call("POST", "/apisix/admin/upstreams", "{\"id\":\"1\",\"nodes\":{\"a:1\":1}}"), 400, "do not need it");
    assertError(call("POST", "/apisix/admin/upstreams/1", UPSTREAM), 400, "do not need it");
    AdminResponse r = call("POST", "/apisix/admin/consumers", "{\"username\":\"jack\"}");
    assertError(r, 405, "not supported `POST` method for consumer");
    assertThat(r.header("Allow")).doesNotContain("POST");
  }

  // ------------------------------------------------------------------ PATCH

  @Test
  void patchMergesTheObject() {
    ok("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"127.0.0.1:8080\":1,\"127.0.0.1:8081\":1},\"type\":\"roundrobin\",\"desc\":\"old\"}");
    clock.set(T0 + 5);
    AdminResponse r = call("PATCH", "/apisix/admin/upstreams/1", "{\"desc\":null,\"name\":\"n\",\"nodes\":{\"127.0.0.1:8081\":null,\"127.0.0.1:8082\":3}}");
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(200);
    JsonNode v = json(ok("GET", "/apisix/admin/upstreams/1", null)).path("value");
    assertThat(v.has("desc")).isFalse();
    assertThat(v.path("name").asText()).isEqualTo("n");
    assertThat(v.path("nodes").size()).isEqualTo(2);
    assertThat(v.path("nodes").path("127.0.0.1:8082").asInt()).isEqualTo(3);
    assertThat(v.path("create_time").asLong()).isEqualTo(T0);
    assertThat(v.path("update_time").asLong()).isEqualTo(T0 + 5);
    assertThat(r.header("ETag")).isEqualTo("\"" + r.header(AdminApi.REVISION_HEADER) + "\"");
  }

  @Test
  void patchReplacesASubPath() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    ok("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/a\",\"methods\":[\"GET\"],\"upstream_id\":\"1\"}");
    ok("PATCH", "/apisix/admin/routes/1/methods", "[\"POST\",\"PUT\"]");
    ok("PATCH", "/apisix/admin/routes/1/uri", "\"/b\"");
    ok("PATCH", "/apisix/admin/routes/1/labels/env", "\"prod\"");
    JsonNode v = json(ok("GET", "/apisix/admin/routes/1", null)).path("value");
    assertThat(v.path("methods").toString()).isEqualTo("[\"POST\",\"PUT\"]");
    assertThat(v.path("uri").asText()).isEqualTo("/b");
    assertThat(v.path("labels").path("env").asText()).isEqualTo("prod");
    assertError(call("PATCH", "/apisix/admin/routes/1/uri/x", "1"), 400, "invalid sub-path");
    assertError(call("PATCH", "/apisix/admin/routes/1/methods", "[\"GETX\"]"), 400, "/methods/0");
  }

  @Test
  void patchOfMissingOrInvalidResultChangesNothing() {
    assertError(call("PATCH", "/apisix/admin/upstreams/9", "{\"desc\":\"x\"}"), 404, "not found");
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    KeyValue before = source.get("/apisix/upstreams/1");
    assertError(call("PATCH", "/apisix/admin/upstreams/1", "{\"retries\":-1}"), 400, "/retries");
    assertError(call("PATCH", "/apisix/admin/upstreams/1", "[1]"), 400, "merge patch");
    assertError(call("PATCH", "/apisix/admin/upstreams/1", "{\"id\":\"2\"}"), 400, "wrong upstream id");
    assertError(call("PATCH", "/apisix/admin/upstreams/1", ""), 400, "missing new configuration");
    assertThat(source.get("/apisix/upstreams/1")).isEqualTo(before);
  }

  // ------------------------------------------------------------------ DELETE

  @Test
  void deleteAnswersDeletedAndKey() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    AdminResponse r = call("DELETE", "/apisix/admin/upstreams/1", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(json(r).path("deleted").asText()).isEqualTo("1");
    assertThat(json(r).path("key").asText()).isEqualTo("/apisix/upstreams/1");
    assertThat(source.get("/apisix/upstreams/1")).isNull();
    assertError(call("DELETE", "/apisix/admin/upstreams/1", null), 404, "not found");
    assertError(call("DELETE", "/apisix/admin/upstreams", null), 400, "missing upstream id");
  }

  @Test
  void everyWriteNamesTheRevisionItMadeAndReadsDoNot() {
    AdminResponse put = ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    long putRev = Long.parseLong(put.header(AdminApi.REVISION_HEADER));
    assertThat(put.header(AdminApi.REVISION_HEADER)).isEqualTo(Long.toString(putRev));
    assertThat(ok("GET", "/apisix/admin/upstreams/1", null).header(AdminApi.REVISION_HEADER)).isNull();
    assertThat(ok("PUT", "/apisix/admin/upstreams/1?dry_run=true", UPSTREAM).header(AdminApi.REVISION_HEADER)).isNull();

    AdminResponse patch = ok("PATCH", "/apisix/admin/upstreams/1", "{\"desc\":\"d\"}");
    assertThat(Long.parseLong(patch.header(AdminApi.REVISION_HEADER))).isEqualTo(source.get("/apisix/upstreams/1").modRevision())
        .isGreaterThan(putRev);
    AdminResponse post = ok("POST", "/apisix/admin/upstreams", UPSTREAM);
    String postedKey = json(post).path("key").asText();
    assertThat(post.header(AdminApi.REVISION_HEADER)).isEqualTo(Long.toString(source.get(postedKey).modRevision()));

    AdminResponse delete = ok("DELETE", "/apisix/admin/upstreams/1", null);
    long deleteRev = Long.parseLong(delete.header(AdminApi.REVISION_HEADER));
    assertThat(deleteRev).isGreaterThan(Long.parseLong(patch.header(AdminApi.REVISION_HEADER)));
    assertThat(source.list().revision()).isGreaterThanOrEqualTo(deleteRev);

    AdminResponse bulk = ok("POST", "/apisix/admin/bulk",
        "{\"operations\":[{\"method\":\"PUT\",\"type\":\"upstreams\",\"id\":\"b\",\"value\":" + UPSTREAM + "}]}");
    assertThat(bulk.header(AdminApi.REVISION_HEADER)).isEqualTo(json(bulk).path("revision").asText());
  }

  // ------------------------------------------------------------------ validation

  @Test
  void invalidValuesAreRejectedNamingTheField() {
    AdminResponse r = call("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"127.0.0.1:8080\":1},\"type\":\"roundrobin\",\"retries\":\"x\"}");
    assertError(r, 400, "invalid configuration", "/retries");
    assertError(call("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":"), 400, "invalid request body");
    assertError(call("PUT", "/apisix/admin/upstreams/1", "{\"a\":1,\"a\":2}"), 400, "invalid request body");
    assertError(call("PUT", "/apisix/admin/upstreams/1", "{} {}"), 400, "invalid request body");
    assertError(call("PUT", "/apisix/admin/upstreams/1", "[]"), 400, "JSON object");
    assertError(call("PUT", "/apisix/admin/upstreams/1", ""), 400, "missing configurations");
    assertError(call("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"a:1\":1},\"create_time\":1}"), 400, "forbidden: create_time");
    assertError(call("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"a:1\":1},\"update_time\":1}}"), 400, "forbidden: upstream.update_time");
    assertThat(AdminTesting.resources(source)).isEmpty();
  }

  @Test
  void acceptedValuesAreServedByTheDataPlane() throws Exception {
    ok("PUT", "/apisix/admin/ssls/1", "{\"type\":\"client\",\"cert\":\"$env://CERT\",\"key\":\"$env://KEY\"}");
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    ok("PUT", "/apisix/admin/services/1", "{\"upstream_id\":1,\"name\":\"s\"}");
    ok("PUT", "/apisix/admin/plugin_configs/1", "{\"plugins\":{}}");
    ok("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/a\",\"service_id\":\"1\",\"plugin_config_id\":\"1\",\"methods\":[\"GET\"]}");
    ok("POST", "/apisix/admin/routes", "{\"uris\":[\"/b\",\"/c\"],\"upstream_id\":\"1\",\"vars\":[[\"arg_x\",\"==\",\"1\"]]}");
    ok("PUT", "/apisix/admin/consumer_groups/g", "{\"plugins\":{}}");
    ok("PUT", "/apisix/admin/consumers", "{\"username\":\"jack\",\"group_id\":\"g\"}");
    ok("PUT", "/apisix/admin/consumers/jill", "{\"username\":\"jill\"}");
    ok("PUT", "/apisix/admin/global_rules/1", "{\"plugins\":{\"prometheus\":{}}}");
    ok("PUT", "/apisix/admin/plugin_metadata/http-logger", "{\"log_format\":{\"host\":\"$host\"}}");
    ok("PUT", "/apisix/admin/stream_routes/1", "{\"server_port\":9100,\"upstream_id\":\"1\"}");
    ok("PUT", "/apisix/admin/protos/1", "{\"content\":\"syntax = \\\"proto3\\\"; package p; message M { string a = 1; }\"}");
    ok("PUT", "/apisix/admin/secrets/vault/1", "{\"uri\":\"http://127.0.0.1:8200\",\"prefix\":\"kv/apisix\",\"token\":\"t\"}");
    ok("PATCH", "/apisix/admin/routes/1", "{\"desc\":\"d\"}");
    assertThat(source.get("/apisix/consumers/jack")).isNotNull();
    assertThat(json(ok("GET", "/apisix/admin/secrets/vault/1", null)).path("value").path("id").asText()).isEqualTo("vault/1");
    assertThat(json(ok("GET", "/apisix/admin/plugin_metadata/http-logger", null)).path("value").has("create_time")).isFalse();
    AdminTesting.assertStoreIsSound(source);

    try (ConfigRegistry registry = ConfigRegistry.builder(source).build()) {
      registry.start();
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      assertThat(registry.snapshot().rejections()).isEmpty();
      assertThat(registry.snapshot().pending()).isEmpty();
      assertThat(registry.snapshot().store(StandardTypes.ROUTES).size()).isEqualTo(2);
    }
  }

  @Test
  void consumerCredentialsAsApisixStoresThemOverARealSocket() throws Exception {
    CredentialScenario.run(admin, raw);
  }

  @Test
  void sslPrivateKeysAreNotReturnedByGet() {
    ok("PUT", "/apisix/admin/ssls/1", "{\"type\":\"client\",\"cert\":\"$env://CERT\",\"key\":\"$env://KEY\"}");
    JsonNode one = json(ok("GET", "/apisix/admin/ssls/1", null));
    assertThat(one.path("value").has("key")).isFalse();
    assertThat(one.path("value").has("cert")).isTrue();
    assertThat(json(ok("GET", "/apisix/admin/ssls", null)).path("list").get(0).path("value").has("key")).isFalse();
  }

  // ------------------------------------------------------------------ references

  @Test
  void aReferenceToAMissingObjectIsRejected() {
    assertError(call("PUT", "/apisix/admin/routes/1", route("/a", "9")), 400, "/upstream_id", "upstream", "does not exist");
    assertError(call("POST", "/apisix/admin/routes", route("/a", "9")), 400, "/upstream_id");
    assertError(call("PUT", "/apisix/admin/services/1", "{\"upstream_id\":\"x\"}"), 400, "/upstream_id");
    assertError(call("PUT", "/apisix/admin/consumers/jack", "{\"username\":\"jack\",\"group_id\":\"g\"}"), 400, "/group_id");
    assertThat(AdminTesting.resources(source)).isEmpty();
  }

  @Test
  void aReferencedObjectCannotBeDeletedUnlessForced() {
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    ok("PUT", "/apisix/admin/routes/r1", route("/a", "1"));
    ok("PUT", "/apisix/admin/services/s1", "{\"upstream_id\":\"1\"}");
    AdminResponse r = call("DELETE", "/apisix/admin/upstreams/1", null);
    assertError(r, 400, "can not delete this upstream", "route [r1]", "service [s1]", "force=true");
    assertThat(source.get("/apisix/upstreams/1")).isNotNull();
    ok("PUT", "/apisix/admin/routes/r9", "{\"uri\":\"/s\",\"service_id\":\"s1\"}");
    assertError(call("DELETE", "/apisix/admin/services/s1", null), 400, "can not delete this service directly, route [r9] is still using it now");
    ok("DELETE", "/apisix/admin/routes/r9", null);
    ok("DELETE", "/apisix/admin/routes/r1", null);
    ok("PATCH", "/apisix/admin/services/s1", "{\"upstream_id\":null,\"upstream\":{\"nodes\":{\"a:1\":1}}}");
    ok("DELETE", "/apisix/admin/upstreams/1", null);

    ok("PUT", "/apisix/admin/upstreams/2", UPSTREAM);
    ok("PUT", "/apisix/admin/routes/r2", route("/b", "2"));
    // as APISIX: only force=true forces; any other value is a delete that checks its users
    assertError(call("DELETE", "/apisix/admin/upstreams/2?force=anyvalue", null), 400, "can not delete this upstream", "route [r2]");
    assertError(call("DELETE", "/apisix/admin/upstreams/2?force=1", null), 400, "can not delete this upstream", "route [r2]");
    ok("DELETE", "/apisix/admin/upstreams/2?force=true", null);
    assertThat(source.get("/apisix/upstreams/2")).isNull();
  }

  @Test
  void aReferenceNeverTouchesTheReferencedObject() {
    long upRev = Long.parseLong(ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM).header(AdminApi.REVISION_HEADER));
    ok("PUT", "/apisix/admin/routes/1", route("/a", "1"));
    assertThat(source.get("/apisix/upstreams/1").modRevision()).as("a new reference only compares the upstream").isEqualTo(upRev);
    ok("PATCH", "/apisix/admin/routes/1", "{\"desc\":\"d\"}");
    ok("PUT", "/apisix/admin/routes/1", route("/b", "1"));
    ok("POST", "/apisix/admin/routes", route("/c", "1"));
    assertThat(source.get("/apisix/upstreams/1").modRevision()).isEqualTo(upRev);
  }

  @Test
  void bulkOf128RoutesReferencingAStoredUpstreamFitsOneTransaction() {
    ok("PUT", "/apisix/admin/upstreams/u", UPSTREAM);
    StringBuilder ops = new StringBuilder("{\"operations\":[");
    for (int i = 0; i < AdminApi.MAX_BULK_OPERATIONS; i++) {
      ops.append(i == 0 ? "" : ",").append("{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"r").append(i).append("\",\"value\":")
          .append(route("/r" + i, "u")).append("}");
    }
    AdminResponse r = call("POST", "/apisix/admin/bulk", ops.append("]}").toString());
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(200);
    assertThat(json(ok("GET", "/apisix/admin/routes", null)).path("total").asInt()).isEqualTo(AdminApi.MAX_BULK_OPERATIONS);
  }

  // ------------------------------------------------------------------ preconditions

  @Test
  void ifMatchAnswers412OnAMismatch() {
    String etag = ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM).header("ETag");
    String etag2 = ok("PATCH", "/apisix/admin/upstreams/1", "{\"desc\":\"a\"}", "If-Match", etag).header("ETag");
    assertError(call("PATCH", "/apisix/admin/upstreams/1", "{\"desc\":\"b\"}", "If-Match", etag), 412, "If-Match");
    assertError(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "If-Match", etag), 412);
    assertError(call("DELETE", "/apisix/admin/upstreams/1", null, "If-Match", etag), 412);
    assertError(call("PUT", "/apisix/admin/upstreams/2", UPSTREAM, "If-Match", "*"), 412, "does not exist");
    assertError(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "If-None-Match", "*"), 412, "exists");
    assertThat(json(ok("GET", "/apisix/admin/upstreams/1", null)).path("value").path("desc").asText()).isEqualTo("a");
    String etag3 = ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "If-Match", etag2).header("ETag");
    ok("DELETE", "/apisix/admin/upstreams/1", null, "If-Match", "W/" + etag3);
    assertThat(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "If-None-Match", "*").status()).isEqualTo(201);
    assertError(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "If-Match", ""), 400, "entity tag");
  }

  // ------------------------------------------------------------------ auth and limits

  @Test
  void authNeedsTheHeaderKeyAndViewersOnlyRead() {
    AdminResponse missing = call("GET", "/apisix/admin/routes", null, "X-API-KEY", null);
    assertError(missing, 401, "failed to check token");
    assertThat(json(missing).path("description").asText()).isEqualTo("missing apikey");
    assertError(call("GET", "/apisix/admin/routes?api_key=" + AdminTesting.ADMIN_KEY, null, "X-API-KEY", null), 401, "only in the X-API-KEY header");
    assertError(call("GET", "/apisix/admin/routes", null, "X-API-KEY", null, "Cookie", "x_api_key=" + AdminTesting.ADMIN_KEY), 401);
    assertError(call("GET", "/apisix/admin/routes", null, "X-API-KEY", "wrong-key-0123456789abcdef"), 401, "wrong apikey");
    assertError(call("GET", "/apisix/admin/routes", null, "x-api-key", AdminTesting.ADMIN_KEY + "x"), 401);
    assertThat(call("GET", "/apisix/admin/routes", null, "x-api-key", VIEWER_KEY).status()).isEqualTo(200);
    // nginx reads X-API-KEY from a header named x_api_key too (APISIX's tests send it so)
    assertThat(call("GET", "/apisix/admin/routes", null, "X-API-KEY", null, "x_api_key", AdminTesting.ADMIN_KEY).status()).isEqualTo(200);
    assertError(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "X-API-KEY", null, "X_API_KEY", VIEWER_KEY), 403, "viewer");
    assertError(call("GET", "/apisix/admin/routes", null, "X-API-KEY", null, "x_api_key", AdminTesting.ADMIN_KEY + "x"), 401, "wrong apikey");
    assertError(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "X-API-KEY", VIEWER_KEY), 403, "viewer");
    assertError(call("DELETE", "/apisix/admin/upstreams/1", null, "X-API-KEY", VIEWER_KEY), 403);
    assertError(call("GET", "/apisix/admin/nope", null, "X-API-KEY", null), 401); // auth comes first
    assertThat(AdminTesting.resources(source)).isEmpty();
  }

  @Test
  void aViewerReadsNoCredentials() {
    // found by the attack pass: a read-only key showed consumers' keys and secret managers' tokens
    ok("PUT", "/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"jack-secret-key\"}}}");
    ok("PUT", "/apisix/admin/secrets/vault/1", "{\"uri\":\"http://127.0.0.1:8200\",\"prefix\":\"kv/apisix\",\"token\":\"vault-token\"}");
    JsonNode asViewer = json(call("GET", "/apisix/admin/consumers/jack", null, "X-API-KEY", VIEWER_KEY));
    assertThat(asViewer.path("value").path("plugins").path("key-auth").path("key").asText()).isEqualTo("******");
    assertThat(asViewer.path("value").path("username").asText()).isEqualTo("jack");
    JsonNode listed = json(call("GET", "/apisix/admin/consumers", null, "X-API-KEY", VIEWER_KEY));
    assertThat(listed.toString()).doesNotContain("jack-secret-key");
    JsonNode secret = json(call("GET", "/apisix/admin/secrets/vault/1", null, "X-API-KEY", VIEWER_KEY));
    assertThat(secret.toString()).doesNotContain("vault-token").contains("\"id\":\"vault/1\"");
    assertThat(json(ok("GET", "/apisix/admin/consumers/jack", null)).path("value").path("plugins").path("key-auth").path("key").asText())
        .as("the admin key still reads them").isEqualTo("jack-secret-key");
  }

  @Test
  void limitsAndMalformedRequests() {
    String big = "{\"desc\":\"" + "x".repeat(AdminApi.MAX_BODY_BYTES) + "\"}";
    assertError(call("PUT", "/apisix/admin/upstreams/1", big), 413, "1.5 MiB");
    assertError(call("PUT", "/apisix/admin/upstreams/a%2Fb", UPSTREAM), 400, "invalid upstream id");
    assertError(call("PUT", "/apisix/admin/upstreams/..", UPSTREAM), 400, "invalid upstream id");
    assertError(call("PUT", "/apisix/admin/upstreams/" + "a".repeat(65), UPSTREAM), 400, "invalid upstream id");
    assertError(call("GET", "/apisix/admin/upstreams//1", null), 400, "empty segment");
    assertError(call("GET", "/apisix/admin/nope/1", null), 404, "Unsupported resource type: nope");
    assertError(call("GET", "/apisix/admin", null), 404);
    assertError(call("GET", "/other", null), 404);
    AdminResponse head = call("HEAD", "/apisix/admin/routes", null);
    assertError(head, 405);
    assertThat(head.header("Allow")).contains("GET");
    assertError(call("PATCH", "/apisix/admin/consumers/jack", "{}"), 405, "not supported `PATCH` method for consumer");
    assertError(call("PUT", "/apisix/admin/upstreams/1/nodes", UPSTREAM), 404, "PATCH only");
    assertError(call("GET", "/apisix/admin/secrets/vault", null), 400, "invalid secret id");
    assertError(call("GET", "/apisix/admin/routes?dry_run=maybe", null), 400, "dry_run");
    assertThat(AdminTesting.resources(source)).isEmpty();
  }

  // ------------------------------------------------------------------ dry run, schema, bulk

  @Test
  void dryRunValidatesWithoutWriting() {
    AdminResponse r = call("PUT", "/apisix/admin/upstreams/1?dry_run=true", UPSTREAM);
    assertThat(r.status()).isEqualTo(200);
    assertThat(json(r).path("dry_run").asBoolean()).isTrue();
    assertThat(json(r).path("value").path("id").asText()).isEqualTo("1");
    assertError(call("PUT", "/apisix/admin/upstreams/1?dry_run=true", "{\"nodes\":1}"), 400, "/nodes");
    assertThat(call("POST", "/apisix/admin/upstreams?dry_run=true", UPSTREAM).status()).isEqualTo(200);
    assertThat(AdminTesting.resources(source)).isEmpty();
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    ok("PUT", "/apisix/admin/routes/1", route("/a", "1"));
    assertError(call("DELETE", "/apisix/admin/upstreams/1?dry_run=true", null), 400, "route [1]");
    assertThat(json(ok("DELETE", "/apisix/admin/routes/1?dry_run=true", null)).path("dry_run").asBoolean()).isTrue();
    assertThat(ok("PATCH", "/apisix/admin/routes/1?dry_run=true", "{\"uri\":\"/z\"}").status()).isEqualTo(200);
    assertThat(source.get("/apisix/routes/1").utf8()).contains("\"/a\"");
  }

  @Test
  void schemaAnswersTheTypesSchema() {
    JsonNode s = json(ok("GET", "/apisix/admin/schema/routes", null));
    assertThat(s.path("properties").has("uri")).isTrue();
    assertThat(json(ok("GET", "/apisix/admin/schema/upstream", null)).path("properties").has("nodes")).isTrue();
    assertError(call("GET", "/apisix/admin/schema/nope", null), 400, "not found schema: nope"); // APISIX: 400
    assertError(call("PUT", "/apisix/admin/schema/routes", "{}"), 404); // APISIX: a method the resource does not serve is a 404
  }

  @Test
  void bulkAppliesAllOrNothing() {
    String ops = "{\"operations\":["
        + "{\"method\":\"PUT\",\"type\":\"upstreams\",\"id\":\"u\",\"value\":" + UPSTREAM + "},"
        + "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"1\",\"value\":" + route("/a", "u") + "},"
        + "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"2\",\"value\":" + route("/b", "u") + "}]}";
    AdminResponse r = call("POST", "/apisix/admin/bulk", ops);
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(200);
    long rev = json(r).path("revision").asLong();
    assertThat(json(r).path("list")).hasSize(3);
    assertThat(source.get("/apisix/routes/2").modRevision()).isEqualTo(rev);
    assertThat(source.get("/apisix/upstreams/u").modRevision()).isEqualTo(rev);

    Map<String, KeyValue> before = AdminTesting.resources(source);
    String bad = "{\"operations\":["
        + "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"3\",\"value\":" + route("/c", "u") + "},"
        + "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"4\",\"value\":{\"uri\":\"/d\",\"methods\":[\"GETX\"],\"upstream_id\":\"u\"}}]}";
    assertError(call("POST", "/apisix/admin/bulk", bad), 400, "operations/1", "/methods/0");
    assertError(call("POST", "/apisix/admin/bulk", "{\"operations\":[{\"method\":\"DELETE\",\"type\":\"upstreams\",\"id\":\"u\"}]}"), 400, "route [1]");
    assertError(call("POST", "/apisix/admin/bulk", "{\"operations\":[{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"5\",\"value\":" + route("/e", "u") + "},"
        + "{\"method\":\"DELETE\",\"type\":\"upstreams\",\"id\":\"u\"}]}"), 400, "this request deletes it");
    StringBuilder many = new StringBuilder("{\"operations\":[");
    for (int i = 0; i <= AdminApi.MAX_BULK_OPERATIONS; i++) {
      many.append(i == 0 ? "" : ",").append("{\"method\":\"DELETE\",\"type\":\"routes\",\"id\":\"x").append(i).append("\"}");
    }
    assertError(call("POST", "/apisix/admin/bulk", many.append("]}").toString()), 400, "too many operations");
    assertThat(AdminTesting.resources(source)).isEqualTo(before);

    String swap = "{\"operations\":["
        + "{\"method\":\"DELETE\",\"type\":\"routes\",\"id\":\"1\"},"
        + "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"2\",\"value\":{\"uri\":\"/b\",\"upstream\":{\"nodes\":{\"a:1\":1}}}},"
        + "{\"method\":\"DELETE\",\"type\":\"upstreams\",\"id\":\"u\"}]}";
    AdminResponse s = call("POST", "/apisix/admin/bulk", swap);
    assertThat(s.status()).as(s.bodyUtf8()).isEqualTo(200);
    assertThat(source.get("/apisix/upstreams/u")).isNull();
    assertThat(source.get("/apisix/routes/1")).isNull();
    AdminTesting.assertStoreIsSound(source);
  }

  @Test
  void bulkOf128RoutesFitsOneTransaction() {
    StringBuilder ops = new StringBuilder("{\"operations\":[");
    ops.append("{\"method\":\"PUT\",\"type\":\"upstreams\",\"id\":\"u\",\"value\":").append(UPSTREAM).append("}");
    for (int i = 1; i < AdminApi.MAX_BULK_OPERATIONS; i++) {
      ops.append(",{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"r").append(i).append("\",\"value\":").append(route("/r" + i, "u")).append("}");
    }
    AdminResponse r = call("POST", "/apisix/admin/bulk", ops.append("]}").toString());
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(200);
    assertThat(json(ok("GET", "/apisix/admin/routes", null)).path("total").asInt()).isEqualTo(127);
  }

  // ------------------------------------------------------------------ lost races at exact points

  @Test
  void patchAnswers409WhenTheValueChangesBetweenItsReadAndItsWrite() {
    assertThat(call("PUT", "/apisix/admin/upstreams/1", UPSTREAM).status()).isEqualTo(201);
    hooked.onceBeforeTxn(t -> writes(t, "/apisix/upstreams/1"),
        t -> raw.put("/apisix/upstreams/1", "{\"id\":\"1\",\"nodes\":{\"10.0.0.1:80\":1},\"type\":\"roundrobin\"}"));
    AdminResponse r = call("PATCH", "/apisix/admin/upstreams/1", "{\"desc\":\"mine\"}");
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(409);
    assertThat(r.bodyUtf8()).contains("changed while the patch was applied");
    assertThat(raw.get("/apisix/upstreams/1").utf8()).contains("10.0.0.1").doesNotContain("mine");
  }

  @Test
  void putWithIfMatchAnswers412WhenTheValueChangesBetweenItsReadAndItsWrite() {
    String etag = call("PUT", "/apisix/admin/upstreams/1", UPSTREAM).header("ETag");
    hooked.onceBeforeTxn(t -> writes(t, "/apisix/upstreams/1"), t -> raw.put("/apisix/upstreams/1", "{\"id\":\"1\",\"nodes\":{\"10.0.0.1:80\":1}}"));
    AdminResponse r = call("PUT", "/apisix/admin/upstreams/1", UPSTREAM, "If-Match", etag);
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(412);
    assertThat(raw.get("/apisix/upstreams/1").utf8()).contains("10.0.0.1");
  }

  @Test
  void aWriteRetriesWhenOnlyAReferencedObjectChanged() {
    call("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    hooked.onceBeforeTxn(t -> writes(t, "/apisix/routes/1"), t -> raw.put("/apisix/upstreams/1", raw.get("/apisix/upstreams/1").value()));
    AdminResponse r = call("PUT", "/apisix/admin/routes/1", route("/a", "1"));
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(201);
    AdminTesting.assertStoreIsSound(raw);
  }

  @Test
  void aRouteCannotBeCreatedWhenItsUpstreamIsDeletedBetweenTheCheckAndTheWrite() {
    call("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    hooked.onceBeforeTxn(t -> writes(t, "/apisix/routes/1"), t -> raw.delete("/apisix/upstreams/1"));
    AdminResponse r = call("PUT", "/apisix/admin/routes/1", route("/a", "1"));
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(400);
    assertThat(r.bodyUtf8()).contains("/upstream_id").contains("does not exist");
    assertThat(raw.get("/apisix/routes/1")).isNull();
  }

  @Test
  void anUpstreamCannotBeDeletedWhenARouteReferencingItIsCreatedBetweenTheCheckAndTheWrite() {
    call("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    hooked.onceBeforeTxn(t -> t.ops().stream().anyMatch(io.dynconf.core.spi.Txn.Op::isDelete), t -> {
      AdminResponse created = call("PUT", "/apisix/admin/routes/late", route("/late", "1"));
      assertThat(created.status()).as(created.bodyUtf8()).isEqualTo(201);
    });
    AdminResponse r = call("DELETE", "/apisix/admin/upstreams/1", null);
    assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(400);
    assertThat(r.bodyUtf8()).contains("route [late]");
    assertThat(raw.get("/apisix/upstreams/1")).isNotNull();
    AdminTesting.assertStoreIsSound(raw);
  }

  private static boolean writes(io.dynconf.core.spi.Txn txn, String key) {
    return txn.ops().stream().anyMatch(o -> o.key().equals(key));
  }

  // ------------------------------------------------------------------ races

  @Test
  void concurrentWritersWithIfMatchExactlyOneWins() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < raceRounds(); round++) {
        String etag = ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM).header("ETag");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AdminResponse>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int n = w;
          results.add(pool.submit(() -> {
            start.await();
            switch (n % 3) {
              case 0:
                return call("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"127.0.0.1:80\":1},\"desc\":\"w" + n + "\"}", "If-Match", etag);
              case 1:
                return call("PATCH", "/apisix/admin/upstreams/1", "{\"desc\":\"w" + n + "\"}", "If-Match", etag);
              default:
                return call("DELETE", "/apisix/admin/upstreams/1", null, "If-Match", etag);
            }
          }));
        }
        start.countDown();
        int won = 0;
        for (Future<AdminResponse> f : results) {
          AdminResponse r = f.get(30, TimeUnit.SECONDS);
          if (r.status() == 200) {
            won++;
          } else {
            assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(412);
          }
        }
        assertThat(won).as("round %d", round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** How many routes {@link #concurrentCreatorsOfRoutesReferencingOneUpstreamAreNeverRefused} creates. */
  protected int contentionCreates() {
    return 1_000;
  }

  /**
   * 8 clients create routes that all reference one upstream, and 8 others PUT one route id without
   * If-Match: every request succeeds (last writer wins). Before, the reference guard re-put the
   * upstream, so creators conflicted on it and gave up with 409 after 16 attempts.
   */
  @Test
  void concurrentCreatorsOfRoutesReferencingOneUpstreamAreNeverRefused() throws Exception {
    ok("PUT", "/apisix/admin/upstreams/shared", UPSTREAM);
    int clients = 8;
    int perClient = contentionCreates() / clients;
    ExecutorService pool = Executors.newFixedThreadPool(2 * clients);
    try {
      CountDownLatch start = new CountDownLatch(1);
      ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perClient; i++) {
            AdminResponse r = call("PUT", "/apisix/admin/routes/c" + client + "-" + i, route("/c/" + client + "/" + i, "shared"));
            if (r.status() != 201) {
              refused.add(r.status() + " " + r.bodyUtf8());
            }
          }
          return null;
        }));
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perClient / 10; i++) {
            AdminResponse r = call("PUT", "/apisix/admin/routes/same", route("/same/" + client, "shared"));
            if (r.status() != 200 && r.status() != 201) {
              refused.add(r.status() + " " + r.bodyUtf8());
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(300, TimeUnit.SECONDS);
      }
      assertThat(refused).as("refused writes").isEmpty();
      assertThat(json(ok("GET", "/apisix/admin/routes", null)).path("total").asInt()).isEqualTo(clients * perClient + 1);
      AdminTesting.assertStoreIsSound(source);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void deletingAnUpstreamWhileRoutesReferencingItAreCreatedNeverLeavesADanglingRoute() throws Exception {
    int creators = 3;
    ExecutorService pool = Executors.newFixedThreadPool(creators + 1);
    try {
      for (int round = 0; round < raceRounds(); round++) {
        String up = "u" + round;
        ok("PUT", "/apisix/admin/upstreams/" + up, UPSTREAM);
        AtomicBoolean deleted = new AtomicBoolean();
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> created = new ArrayList<>();
        for (int c = 0; c < creators; c++) {
          int creator = c;
          created.add(pool.submit(() -> {
            start.await();
            int n = 0;
            for (int i = 0; i < 15; i++) {
              AdminResponse r = call("PUT", "/apisix/admin/routes/" + up + "-" + creator + "-" + i, route("/r/" + i, up));
              if (r.status() == 201) {
                n++;
              } else if (!(r.status() == 400 && r.bodyUtf8().contains("does not exist"))) {
                unexpected.add(r.status() + " " + r.bodyUtf8());
              }
            }
            return n;
          }));
        }
        Future<Integer> deleter = pool.submit(() -> {
          start.await();
          for (int attempt = 0; attempt < 1_000; attempt++) {
            AdminResponse r = call("DELETE", "/apisix/admin/upstreams/" + up, null);
            if (r.status() == 200) {
              deleted.set(true);
              return attempt;
            }
            if (r.status() != 400) {
              unexpected.add(r.status() + " " + r.bodyUtf8());
            }
            for (JsonNode item : json(call("GET", "/apisix/admin/routes", null)).path("list")) {
              if (item.path("value").path("upstream_id").asText().equals(up)) {
                call("DELETE", "/apisix/admin/routes/" + item.path("value").path("id").asText(), null);
              }
            }
          }
          return -1;
        });
        start.countDown();
        for (Future<Integer> f : created) {
          f.get(120, TimeUnit.SECONDS);
        }
        assertThat(deleter.get(120, TimeUnit.SECONDS)).isNotNegative();
        assertThat(unexpected).isEmpty();
        assertThat(deleted).isTrue();
        AdminTesting.assertStoreIsSound(source);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
