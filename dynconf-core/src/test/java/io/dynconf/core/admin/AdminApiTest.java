package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static io.dynconf.core.admin.AdminTesting.json;
import static io.dynconf.core.admin.AdminTesting.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.ResourceType;
import io.dynconf.core.spi.SourceException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviours of the admin API on the in-memory source only: slow and broken sources, the builder, custom types. */
class AdminApiTest {
  private final InMemorySource memory = new InMemorySource();
  private final HookedSource source = new HookedSource(memory);
  private final AdminApi admin = AdminTesting.builder(source, new AdminTesting.TestClock(1_700_000_000L)).build();

  @AfterEach
  void close() {
    admin.close();
  }

  private AdminResponse call(String method, String target, String body, String... headers) {
    return admin.handle(request(method, target, body, headers));
  }

  @Test
  void aSlowSourceAnswers503WithinTheDeadline() {
    AdminApi quick = AdminTesting.builder(source, new AdminTesting.TestClock(0)).requestTimeout(Duration.ofMillis(200)).build();
    source.getHook = () -> {
      try {
        Thread.sleep(3_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try {
      long start = System.nanoTime();
      AdminResponse r = quick.handle(request("PUT", "/apisix/admin/upstreams/1", UPSTREAM));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.status()).isEqualTo(503);
      assertThat(json(r).path("error_msg").asText()).contains("unavailable").contains("deadline of 200 ms");
      assertThat(millis).isLessThan(1_500);
      assertThat(quick.handle(request("GET", "/apisix/admin/routes", null)).status()).isEqualTo(503);
    } finally {
      source.getHook = null;
      quick.close();
    }
  }

  @Test
  void aBrokenSourceAnswers503WithItsReason() {
    source.getHook = () -> {
      throw new SourceException("etcd [http://127.0.0.1:1]: get timed out after 5s");
    };
    AdminResponse r = call("GET", "/apisix/admin/upstreams/1", null);
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.bodyUtf8()).contains("get timed out after 5s");
  }

  @Test
  void aClosedApiAnswers503() {
    admin.close();
    assertThat(call("GET", "/apisix/admin/upstreams/1", null).status()).isEqualTo(503);
  }

  @Test
  void aClosedApiOverASourceReadFromMemoryAnswers503Too() {
    AdminApi direct = AdminTesting.builder(memory, new AdminTesting.TestClock(0)).build(); // reads on the caller's thread
    assertThat(direct.handle(request("GET", "/apisix/admin/upstreams/1", null)).status()).isEqualTo(404);
    assertThat(direct.handle(request("PUT", "/apisix/admin/upstreams/1", UPSTREAM)).status()).isEqualTo(201);
    assertThat(direct.handle(request("GET", "/apisix/admin/upstreams/1", null)).status()).isEqualTo(200);
    direct.close();
    assertThat(direct.handle(request("GET", "/apisix/admin/upstreams/1", null)).status()).isEqualTo(503);
    assertThat(direct.handle(request("GET", "/apisix/admin/upstreams", null)).status()).isEqualTo(503);
  }

  @Test
  void theBuilderRefusesWeakOrMissingKeysAndReservedPaths() {
    assertThatThrownBy(() -> AdminApi.builder(memory).build()).hasMessageContaining("no default key");
    assertThatThrownBy(() -> AdminApi.builder(memory).apiKey("short", AdminRole.ADMIN)).hasMessageContaining("at least 16");
    assertThatThrownBy(() -> AdminApi.builder(memory).apiKey("0123456789abcdef", AdminRole.ADMIN).apiKey("0123456789abcdef", AdminRole.VIEWER))
        .hasMessageContaining("twice");
    ResourceType<?> bulk = ResourceType.builder("bulk", com.fasterxml.jackson.databind.node.ObjectNode.class).build();
    assertThatThrownBy(() -> AdminApi.builder(memory).types(List.of(bulk)).apiKey("0123456789abcdef", AdminRole.ADMIN).build())
        .hasMessageContaining("reserved");
    assertThatThrownBy(() -> AdminApi.builder(memory).pathPrefix("admin/")).hasMessageContaining("pathPrefix");
  }

  @Test
  void customTypesAndPathPrefixesWork() {
    ResourceType<com.fasterxml.jackson.databind.node.ObjectNode> quotas = ResourceType
        .builder("quotas", com.fasterxml.jackson.databind.node.ObjectNode.class)
        .schema("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"limit\":{\"type\":\"integer\"}},\"required\":[\"limit\"],\"additionalProperties\":false}")
        .build();
    try (AdminApi custom = AdminApi.builder(memory).types(List.of(quotas)).pathPrefix("/ops/admin").apiKey(AdminTesting.ADMIN_KEY, AdminRole.ADMIN).build()) {
      AdminResponse r = custom.handle(request("PUT", "/ops/admin/quotas/q1", "{\"limit\":5}"));
      assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(201);
      assertThat(json(r).path("value").has("create_time")).as("the schema has no room for timestamps").isFalse();
      assertThat(custom.handle(request("POST", "/ops/admin/quotas", "{\"limit\":6}")).status()).isEqualTo(201);
      assertThat(custom.handle(request("PUT", "/ops/admin/quotas/q2", "{\"limit\":\"x\"}")).status()).isEqualTo(400);
      assertThat(custom.handle(request("GET", "/apisix/admin/quotas", null)).status()).isEqualTo(404);
      assertThat(json(custom.handle(request("GET", "/ops/admin/schema/quotas", null))).path("required").get(0).asText()).isEqualTo("limit");
    }
  }

  @Test
  void theReadmeExampleRuns() {
    String key = AdminTesting.ADMIN_KEY;
    AdminApi admin = AdminApi.builder(memory)
        .apiKey(key, AdminRole.ADMIN)
        .apiKey(AdminTesting.VIEWER_KEY, AdminRole.VIEWER)
        .requestTimeout(Duration.ofSeconds(3))
        .build();
    AdminResponse r = admin.handle(AdminRequest.of("PUT", "/apisix/admin/routes/1",
        java.util.Map.of("X-API-KEY", key), "{\"uri\":\"/hello\",\"upstream_id\":\"1\"}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.bodyUtf8()).isEqualTo("{\"error_msg\":\"invalid configuration: /upstream_id: upstream \\\"1\\\" does not exist\"}");
    admin.handle(AdminRequest.of("PUT", "/apisix/admin/upstreams/1", java.util.Map.of("X-API-KEY", key), UPSTREAM));
    r = admin.handle(AdminRequest.of("PUT", "/apisix/admin/routes/1",
        java.util.Map.of("X-API-KEY", key), "{\"uri\":\"/hello\",\"upstream_id\":\"1\"}"));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("ETag")).isEqualTo("\"" + memory.get("/apisix/routes/1").modRevision() + "\"");
    assertThat(r.bodyUtf8()).startsWith("{\"key\":\"/apisix/routes/1\",\"value\":{");
    admin.close();
  }
}
