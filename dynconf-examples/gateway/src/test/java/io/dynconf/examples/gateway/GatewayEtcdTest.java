package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The gateway in etcd mode on a real etcd: admin writes reach the data plane; etcd loss is survived. */
class GatewayEtcdTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1);

  @TempDir Path dir;
  private Backend backend;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    ETCD.cluster().deleteAll();
    backend = new Backend("etcd-web");
    String endpoints = ETCD.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY, "--etcd", endpoints}));
  }

  @AfterEach
  void stop() {
    gateway.close();
    backend.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return GatewayAdminTest.admin(http, gateway, method, path, GatewayAdminTest.KEY, body);
  }

  @Test
  void adminWritesGoThroughEtcdToTheDataPlane() throws Exception {
    assertThat(admin("PUT", "/apisix/admin/upstreams/u1", "{\"nodes\":{\"" + backend.node() + "\":1}}").statusCode())
        .isEqualTo(201);
    assertThat(admin("PUT", "/apisix/admin/routes/r1", "{\"uri\":\"/e/*\",\"upstream_id\":\"u1\"}").statusCode())
        .isEqualTo(201);
    await().atMost(WAIT).until(() -> get("/e/1").statusCode() == 200);
    assertThat(get("/e/1").body()).startsWith("etcd-web GET /e/1");

    assertThat(admin("PATCH", "/apisix/admin/routes/r1", "{\"uri\":\"/f/*\"}").statusCode()).isEqualTo(200);
    // the admin answered once this node's watch had delivered and applied the change
    assertThat(get("/f/2").statusCode()).isEqualTo(200);
    assertThat(get("/e/1").statusCode()).isEqualTo(404);
  }

  @Test
  void whileEtcdIsDownTheLastGoodRoutesServeAndAdminWritesAnswer503() throws Exception {
    admin("PUT", "/apisix/admin/upstreams/u1", "{\"nodes\":{\"" + backend.node() + "\":1}}");
    admin("PUT", "/apisix/admin/routes/r1", "{\"uri\":\"/up\",\"upstream_id\":\"u1\"}");
    await().atMost(WAIT).until(() -> get("/up").statusCode() == 200);
    ETCD.cluster().member(0).proxy().blackhole();
    try {
      for (int i = 0; i < 5; i++) {
        assertThat(get("/up").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> write = admin("PUT", "/apisix/admin/routes/r2", "{\"uri\":\"/more\",\"upstream_id\":\"u1\"}");
      assertThat(write.statusCode()).isEqualTo(503);
      assertThat(write.body()).contains("error_msg").contains("may or may not have been applied");
    } finally {
      ETCD.cluster().member(0).proxy().pass();
    }
    // the write above read nothing from etcd (the node's view had what it needed) and sent its
    // transaction into the black hole: its 503 says it may or may not have been applied, and the
    // proxy may deliver it once it passes traffic again. Either way the PUT now stands.
    assertThat(admin("PUT", "/apisix/admin/routes/r2", "{\"uri\":\"/more\",\"upstream_id\":\"u1\"}").statusCode())
        .isIn(200, 201);
    await().atMost(WAIT).until(() -> get("/more").statusCode() == 200);
  }
}
