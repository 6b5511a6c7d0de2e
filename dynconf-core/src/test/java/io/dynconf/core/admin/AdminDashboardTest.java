package io.dynconf.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.source.FileSource;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.spi.ConfigSource;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What APISIX's Dashboard relies on, found by driving it against the example gateway (issue 15,
 * item 6), over a real socket and on both kinds of source: one that holds APISIX's standalone file
 * format and one that holds etcd's layout (the in-memory source).
 */
class AdminDashboardTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private AdminHttpServer serve(String sourceKind, String standaloneYaml) throws Exception {
    ConfigSource source;
    if (sourceKind.equals("file")) {
      Path file = dir.resolve("apisix.yaml");
      Files.writeString(file, standaloneYaml + "#END\n");
      source = FileSource.builder(file).pollInterval(Duration.ofMillis(100)).build();
    } else {
      source = new InMemorySource();
    }
    open.add(source);
    AdminApi admin = AdminTesting.builder(source, new AdminTesting.TestClock(AdminApiContract.T0)).build();
    open.add(admin);
    AdminHttpServer http = new AdminHttpServer(admin);
    open.add(http);
    return http;
  }

  private static JsonNode ok(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri() + ": " + r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  /**
   * APISIX stores a credential under {@code /apisix/consumers/<username>/credentials/<id>} with
   * {@code "id": "<id>"}; the Dashboard links a listed credential to {@code
   * consumers/<username>/credentials/<value.id>}. A credential written by hand into the standalone
   * file carries its whole id ({@code jack/credentials/a}, APISIX's standalone format), which was
   * served as is, so the Dashboard's detail page asked for {@code .../credentials/jack/credentials/a}
   * (404).
   */
  @ParameterizedTest
  @ValueSource(strings = {"file", "memory"})
  void aCredentialIsServedWithItsOwnIdNotItsPath(String kind) throws Exception {
    AdminHttpServer http = serve(kind, kind.equals("file")
        ? "consumers:\n  - username: jack\n  - id: jack/credentials/a\n    plugins:\n      key-auth:\n        key: k-jack-a\n" : "{}\n");
    if (kind.equals("memory")) {
      ok(http.send("PUT", "/apisix/admin/consumers", "{\"username\":\"jack\"}"), 201);
      ok(http.send("PUT", "/apisix/admin/consumers/jack/credentials/a", "{\"plugins\":{\"key-auth\":{\"key\":\"k-jack-a\"}}}"), 201);
    }
    JsonNode list = ok(http.send("GET", "/apisix/admin/consumers/jack/credentials", null), 200);
    assertThat(list.path("list")).hasSize(1);
    assertThat(list.path("list").get(0).path("key").asText()).isEqualTo("/apisix/consumers/jack/credentials/a");
    assertThat(list.path("list").get(0).path("value").path("id").asText()).isEqualTo("a");
    JsonNode one = ok(http.send("GET", "/apisix/admin/consumers/jack/credentials/a", null), 200);
    assertThat(one.path("value").path("id").asText()).isEqualTo("a");
    // the Dashboard's edit sends the object back as it read it, id included, without the times (APISIX forbids them)
    com.fasterxml.jackson.databind.node.ObjectNode value = one.path("value").deepCopy();
    value.remove(List.of("create_time", "update_time"));
    String edited = value.toString().replace("k-jack-a", "k-jack-b");
    JsonNode put = ok(http.send("PUT", "/apisix/admin/consumers/jack/credentials/a", edited), 200);
    assertThat(put.path("value").path("id").asText()).isEqualTo("a");
    assertThat(ok(http.send("GET", "/apisix/admin/consumers/jack/credentials/a", null), 200).path("value").path("plugins").toString())
        .contains("k-jack-b");
    ok(http.send("DELETE", "/apisix/admin/consumers/jack/credentials/a", null), 200);
    assertThat(ok(http.send("GET", "/apisix/admin/consumers/jack/credentials", null), 200).path("total").asInt()).isZero();
  }
}
