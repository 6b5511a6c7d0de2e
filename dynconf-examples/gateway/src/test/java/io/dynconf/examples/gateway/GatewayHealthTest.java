package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.dynconf.etcd.testing.EtcdMember;
import io.dynconf.examples.gateway.internal.HealthEndpoint;
import io.dynconf.examples.gateway.internal.StatusServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jspecify.annotations.Nullable;

/** {@code GET /dynconf/health} on the admin listener and on {@code --status-listen}, over real sockets (issue 13, item 3). */
class GatewayHealthTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> get(int port, String path, @Nullable String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT);
    if (key != null) {
      b.header("X-API-KEY", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutAKeyOnlyTheStatusWithAKeyTheDetailsOnBothListeners() throws Exception {
    try (Gateway gw = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--status-listen", "127.0.0.1:0", "--echo-listen", "off", "--data-dir", dir.toString(),
        "--admin-key", GatewayAdminTest.KEY, "--viewer-key", GatewayAdminTest.VIEWER}))) {
      for (int port : new int[] {gw.adminAddress().getPort(), gw.statusAddress().getPort()}) {
        HttpResponse<String> bare = get(port, "/dynconf/health", null);
        assertThat(bare.statusCode()).isEqualTo(200);
        assertThat(bare.body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(bare.headers().firstValue("Content-Type")).hasValue("application/json");

        for (String key : new String[] {GatewayAdminTest.KEY, GatewayAdminTest.VIEWER}) {
          HttpResponse<String> detailed = get(port, "/dynconf/health", key);
          assertThat(detailed.statusCode()).isEqualTo(200);
          JsonNode d = JSON.readTree(detailed.body());
          assertThat(d.path("status").asText()).isEqualTo("UP");
          assertThat(d.path("state").asText()).isEqualTo("LIVE");
          assertThat(d.path("source_connected").asBoolean()).isTrue();
          assertThat(d.has("rejected") && d.has("pending") && d.has("listener_failures") && d.has("since")).isTrue();
        }
        assertThat(get(port, "/dynconf/health", "wrong-key-0123456789").statusCode()).isEqualTo(401);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/dynconf/health"))
            .POST(HttpRequest.BodyPublishers.noBody()).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
      }
      // the status listener serves nothing else: not the admin API
      assertThat(get(gw.statusAddress().getPort(), "/apisix/admin/routes", GatewayAdminTest.KEY).statusCode()).isEqualTo(404);
      assertThat(get(gw.statusAddress().getPort(), "/dynconf/status", GatewayAdminTest.KEY).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void nothingLoadedIsDownAnd503() throws Exception {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build(); // never started: nothing loaded
        StatusServer status = new StatusServer(boss, ListenAddress.parse("--status-listen", "127.0.0.1:0"),
            new HealthEndpoint(registry, GatewayAdminTest.KEY, null))) {
      HttpResponse<String> bare = get(status.address().getPort(), "/dynconf/health", null);
      assertThat(bare.statusCode()).isEqualTo(503);
      assertThat(bare.body()).isEqualTo("{\"status\":\"DOWN\"}");
      HttpResponse<String> detailed = get(status.address().getPort(), "/dynconf/health", GatewayAdminTest.KEY);
      assertThat(detailed.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(detailed.body()).path("reason").asText()).contains("nothing loaded yet");
    } finally {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void etcdStoppedIsStaleAnd200ThenUpWhenItIsBack() throws Exception {
    ETCD.cluster().deleteAll();
    String endpoints = ETCD.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    try (Gateway gw = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--status-listen", "127.0.0.1:0", "--echo-listen", "off", "--data-dir", dir.toString(),
        "--admin-key", GatewayAdminTest.KEY, "--etcd", endpoints}))) {
      int port = gw.statusAddress().getPort();
      await().atMost(WAIT).until(() -> get(port, "/dynconf/health", null).body().equals("{\"status\":\"UP\"}"));

      EtcdMember member = ETCD.cluster().member(0);
      long stoppedAt = System.nanoTime();
      member.stop();
      try {
        // the gateway's etcd source asks for progress every 5 s: the threshold is 10 s
        await().atMost(Duration.ofSeconds(10 + 5 + 3)).pollInterval(Duration.ofMillis(100))
            .until(() -> get(port, "/dynconf/health", null).body().equals("{\"status\":\"STALE\"}"));
        System.out.println("gateway: etcd stopped -> STALE after " + (System.nanoTime() - stoppedAt) / 1_000_000 + " ms");
        HttpResponse<String> stale = get(gw.adminAddress().getPort(), "/dynconf/health", GatewayAdminTest.KEY);
        assertThat(stale.statusCode()).as("serving the last good configuration is correct").isEqualTo(200);
        JsonNode d = JSON.readTree(stale.body());
        assertThat(d.path("status").asText()).isEqualTo("STALE");
        assertThat(d.path("reason").asText()).contains("not reached");
        assertThat(d.path("source_connected").asBoolean()).isFalse();
        JsonNode status = JSON.readTree(get(gw.adminAddress().getPort(), "/dynconf/status", GatewayAdminTest.KEY).body());
        assertThat(status.path("health").path("status").asText()).as("/dynconf/status says so too").isEqualTo("STALE");
        assertThat(status.path("health").path("reason").asText()).contains("not reached");
      } finally {
        member.start();
      }
      long startedAt = System.nanoTime();
      await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
          .until(() -> get(port, "/dynconf/health", null).body().equals("{\"status\":\"UP\"}"));
      System.out.println("gateway: etcd restarted -> UP after " + (System.nanoTime() - startedAt) / 1_000_000 + " ms");
    }
  }
}
