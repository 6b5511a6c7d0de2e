package io.dynconf.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.Credential;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.ConfigSource;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * APISIX 3.x consumer credentials end to end over a real socket (JDK HttpClient): the admin
 * endpoints {@code /apisix/admin/consumers/<username>/credentials[/<id>]}, the etcd layout
 * ({@code /apisix/consumers/<username>/credentials/<id>}), the registry's typed store, and the
 * delete of a consumer taking its credentials along. Run on every source by the contract tests and
 * the standalone test.
 */
final class CredentialScenario {
  private CredentialScenario() {}

  static JsonNode body(HttpResponse<String> r) {
    try {
      return Json.MAPPER.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new AssertionError(r.body(), e);
    }
  }

  static HttpResponse<String> expect(AdminHttpServer http, int status, String method, String target, String body) {
    HttpResponse<String> r = http.send(method, target, body);
    assertThat(r.statusCode()).as("%s %s -> %s", method, target, r.body()).isEqualTo(status);
    return r;
  }

  static void run(AdminApi admin, ConfigSource source) throws Exception {
    String base = "/apisix/admin/consumers";
    try (AdminHttpServer http = new AdminHttpServer(admin);
        ConfigRegistry registry = ConfigRegistry.builder(source).build()) {
      registry.start();
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();

      // a credential of a consumer that does not exist is refused, and nothing is written
      HttpResponse<String> orphan = expect(http, 404, "PUT", base + "/jack/credentials/c1", "{\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      assertThat(body(orphan).path("error_msg").asText()).contains("consumer not found").contains("jack");
      assertThat(source.get("/apisix/consumers/jack/credentials/c1")).isNull();

      expect(http, 201, "PUT", base + "/jack", "{\"username\":\"jack\"}");
      HttpResponse<String> created = expect(http, 201, "PUT", base + "/jack/credentials/c1",
          "{\"desc\":\"first\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      JsonNode c1 = body(created);
      assertThat(c1.path("key").asText()).isEqualTo("/apisix/consumers/jack/credentials/c1");
      assertThat(c1.path("value").path("id").asText()).isEqualTo("c1"); // APISIX stores the credential's own id
      assertThat(c1.path("value").has("create_time")).isTrue();
      // stored exactly where APISIX stores it
      assertThat(source.get("/apisix/consumers/jack/credentials/c1")).isNotNull();
      // a body id that names the same credential is accepted, another one is refused
      expect(http, 200, "PUT", base + "/jack/credentials/c1", "{\"id\":\"c1\",\"desc\":\"again\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      expect(http, 400, "PUT", base + "/jack/credentials/c1", "{\"id\":\"c9\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      // one plugin at most (APISIX's credential schema: maxProperties 1); no username field
      HttpResponse<String> two = expect(http, 400, "PUT", base + "/jack/credentials/c2",
          "{\"plugins\":{\"key-auth\":{\"key\":\"k-2\"},\"basic-auth\":{\"username\":\"j\",\"password\":\"p\"}}}");
      assertThat(body(two).path("error_msg").asText()).contains("plugins");
      expect(http, 400, "PUT", base + "/jack/credentials/c2", "{\"username\":\"jack\"}");
      // POST and PATCH are not supported (APISIX's credentials.lua unsupported_methods)
      expect(http, 405, "POST", base + "/jack/credentials", "{\"plugins\":{}}");
      expect(http, 405, "PATCH", base + "/jack/credentials/c1", "{\"desc\":\"x\"}");
      // without an id in the path, APISIX takes the body's; with neither it is a 400
      HttpResponse<String> missing = expect(http, 400, "PUT", base + "/jack/credentials", "{\"plugins\":{}}");
      assertThat(body(missing).path("error_msg").asText()).startsWith("missing credential id");
      JsonNode byBody = body(expect(http, 201, "PUT", base + "/jack/credentials", "{\"id\":\"c3\",\"plugins\":{\"key-auth\":{\"key\":\"k-3\"}}}"));
      assertThat(byBody.path("key").asText()).isEqualTo("/apisix/consumers/jack/credentials/c3");
      assertThat(byBody.path("value").path("id").asText()).isEqualTo("c3");
      expect(http, 400, "PUT", base + "/jack/credentials", "{\"id\":\"c 3\",\"plugins\":{}}"); // the id rule holds for it too
      expect(http, 200, "DELETE", base + "/jack/credentials/c3", null);
      // ids follow APISIX's id rule
      expect(http, 400, "PUT", base + "/jack/credentials/c%20x", "{\"plugins\":{}}");
      expect(http, 404, "GET", base + "/jack/credentials/c1/more", null);

      expect(http, 201, "PUT", base + "/jack/credentials/c2", "{\"plugins\":{\"basic-auth\":{\"username\":\"jb\",\"password\":\"pw\"}}}");
      expect(http, 201, "PUT", base + "/tom", "{\"username\":\"tom\"}");
      expect(http, 201, "PUT", base + "/tom/credentials/t1", "{\"plugins\":{\"key-auth\":{\"key\":\"k-tom\"}}}");

      // listing: one consumer's credentials; consumers' listing holds no credentials
      JsonNode jacks = body(expect(http, 200, "GET", base + "/jack/credentials", null));
      assertThat(jacks.path("total").asInt()).isEqualTo(2);
      assertThat(List.of(jacks.path("list").get(0).path("key").asText(), jacks.path("list").get(1).path("key").asText()))
          .containsExactlyInAnyOrder("/apisix/consumers/jack/credentials/c1", "/apisix/consumers/jack/credentials/c2");
      JsonNode consumers = body(expect(http, 200, "GET", base, null));
      assertThat(consumers.path("total").asInt()).isEqualTo(2);
      assertThat(body(expect(http, 200, "GET", base + "/jack/credentials/c1", null)).path("value").path("desc").asText()).isEqualTo("again");
      expect(http, 404, "GET", base + "/jack/credentials/nope", null);
      // a read-only key reads no secrets, in a credential either
      HttpResponse<String> viewed = http.send("GET", base + "/jack/credentials/c1", null, AdminTesting.VIEWER_KEY);
      assertThat(viewed.statusCode()).isEqualTo(200);
      assertThat(viewed.body()).doesNotContain("k-1");
      assertThat(http.send("GET", base + "/jack/credentials", null, AdminTesting.VIEWER_KEY).body()).doesNotContain("k-1").doesNotContain("pw");

      // a key-auth key is unique across consumers and credentials
      HttpResponse<String> dup = expect(http, 400, "PUT", base + "/bob", "{\"username\":\"bob\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      assertThat(body(dup).path("error_msg").asText()).isEqualTo("duplicate key found with credential: c1 of consumer: jack");
      HttpResponse<String> dup2 = expect(http, 400, "PUT", base + "/tom/credentials/t2", "{\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      assertThat(body(dup2).path("error_msg").asText()).contains("c1 of consumer: jack");
      // a consumer may hold the key of its own credential
      expect(http, 200, "PUT", base + "/jack", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
      expect(http, 200, "PUT", base + "/jack", "{\"username\":\"jack\"}");

      // the registry serves them as a typed store
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(registry.store(StandardTypes.CREDENTIALS).values()).extracting(Credential::key)
              .containsExactlyInAnyOrder("jack/credentials/c1", "jack/credentials/c2", "tom/credentials/t1"));
      Credential served = registry.store(StandardTypes.CREDENTIALS).values().stream()
          .filter(c -> c.id().equals("c1")).findFirst().orElseThrow();
      assertThat(served.consumer()).isEqualTo("jack");
      assertThat(served.plugins().get("key-auth")).containsEntry("key", "k-1");
      assertThat(registry.store(StandardTypes.CONSUMERS).size()).isEqualTo(2);
      assertThat(registry.snapshot().rejections()).isEmpty();

      // delete one credential
      JsonNode deleted = body(expect(http, 200, "DELETE", base + "/tom/credentials/t1", null));
      assertThat(deleted.path("key").asText()).isEqualTo("/apisix/consumers/tom/credentials/t1");
      expect(http, 404, "DELETE", base + "/tom/credentials/t1", null);

      // deleting a consumer deletes its credentials (APISIX removes the credentials directory)
      expect(http, 200, "DELETE", base + "/jack", null);
      assertThat(source.get("/apisix/consumers/jack/credentials/c1")).isNull();
      assertThat(source.get("/apisix/consumers/jack/credentials/c2")).isNull();
      // the credentials of a consumer that does not exist are a 404, as APISIX
      assertThat(body(expect(http, 404, "GET", base + "/jack/credentials", null)).path("message").asText()).isEqualTo("Key not found");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(registry.store(StandardTypes.CREDENTIALS).size()).isZero());
      assertThat(registry.snapshot().pending()).isEmpty();
    }
  }
}
