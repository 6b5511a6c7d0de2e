package io.dynconf.core;

import io.dynconf.core.source.FileSource;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, run for real against an APISIX standalone file. */
class EmbeddingExampleTest {
  private static final String APISIX_YAML = """
      routes:
        - id: "1"
          uri: /hello
          methods: [GET]
          upstream_id: "web"
      upstreams:
        - id: "web"
          type: roundrobin
          nodes:
            "127.0.0.1:8080": 1
      #END
      """;

  @Test
  void readmeExampleLoadsRoutesAndFollowsTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, APISIX_YAML);
    List<String> log = new CopyOnWriteArrayList<>();

    // --- README example begins
    FileSource source = FileSource.builder(file).pollInterval(Duration.ofMillis(50)).build();
    ConfigRegistry registry = ConfigRegistry.builder(source).build(); // APISIX's standard types
    registry.addListener(update -> {
      for (StoreChange<Route> c : update.changes(StandardTypes.ROUTES)) {
        log.add((c.isRemove() ? "removed " : "route ") + c.id());
      }
    });
    registry.start();
    registry.awaitReady(Duration.ofSeconds(10));

    ConfigSnapshot snapshot = registry.snapshot(); // routes and upstreams consistent at one revision
    Route route = snapshot.store(StandardTypes.ROUTES).get("1");
    Upstream upstream = snapshot.store(StandardTypes.UPSTREAMS).get(route.upstreamId());
    snapshot.rejections().values().forEach(r -> System.err.println(r.message()));
    // --- README example ends

    try (registry; source) {
      assertThat(route.uris()).containsExactly("/hello");
      assertThat(route.methods()).containsExactly("GET");
      assertThat(upstream.nodes()).hasSize(1);
      assertThat(upstream.nodes().get(0).port()).isEqualTo(8080);
      await().atMost(Duration.ofSeconds(5)).until(() -> log.contains("route 1"));

      // An editor saves with an atomic rename: the registry follows.
      Path tmp = dir.resolve("apisix.yaml.tmp");
      Files.writeString(tmp, APISIX_YAML.replace("uri: /hello", "uri: /hi"));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(10)).until(
          () -> registry.store(StandardTypes.ROUTES).get("1").uris().equals(List.of("/hi")));

      // A broken save is rejected as a whole; the last good configuration keeps serving.
      Files.writeString(tmp, APISIX_YAML.replace("methods: [GET]", "methods: [GETX]").replace("uri: /hello", "uri: /broken"));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(10)).until(() -> source.lastError().isPresent());
      assertThat(source.lastError().get().message()).contains("routes[0]", "/methods/0");
      assertThat(registry.store(StandardTypes.ROUTES).get("1").uris()).containsExactly("/hi");
    }
  }
}
