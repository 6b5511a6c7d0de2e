package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.admin.AdminApi;
import io.dynconf.core.admin.AdminRequest;
import io.dynconf.core.admin.AdminResponse;
import io.dynconf.core.admin.AdminRole;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, item 4, outside CI ({@code scripts/admin-cycles-soak.sh}; the name ends in Soak, so
 * {@code mvn verify} does not run it): create/delete cycles with generated ids through the admin
 * API over a real etcd, while a second registry (a node) watches; afterwards every internal map of
 * the node's registry is back at its baseline size and the heap after GC has not grown with the
 * ids. {@code -Dsoak.cycles=N} (default 10,000). Figures: stdout and {@code
 * target/admin-cycles-report.md}.
 */
class AdminCyclesSoak {
  private static final String KEY = "admin-cycles-key-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1);

  @Test
  void createDeleteCyclesLeaveTheRegistryAtItsBaseline() throws Exception {
    int cycles = Integer.getInteger("soak.cycles", 10_000);
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (EtcdSource adminSource = source(); EtcdSource nodeSource = source();
        ConfigRegistry node = ConfigRegistry.builder(nodeSource).build().start()) {
      assertThat(node.awaitReady(Duration.ofSeconds(30))).isTrue();
      AdminApi admin = AdminApi.builder(adminSource).apiKey(KEY, AdminRole.ADMIN).requestTimeout(Duration.ofSeconds(10)).build();
      // warm-up cycles, then the baseline
      for (int i = 0; i < 200; i++) {
        cycle(admin);
      }
      awaitApplied(node, adminSource);
      Map<String, Integer> baseline = sizes(node);
      long heapBefore = heapAfterGc(memory);
      long started = System.nanoTime();
      for (int i = 0; i < cycles; i++) {
        cycle(admin);
        if ((i + 1) % 2000 == 0) {
          System.out.println("AdminCyclesSoak: " + (i + 1) + " cycles, " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
      }
      long millis = (System.nanoTime() - started) / 1_000_000;
      awaitApplied(node, adminSource);
      Map<String, Integer> after = sizes(node);
      long heapAfter = heapAfterGc(memory);
      String report = """
          # Admin create/delete cycles over real etcd

          - cycles: %d (each: POST upstream, PUT route on it, DELETE route, DELETE upstream; generated ids), %d ms (%.0f cycles/s, %.2f ms per admin call)
          - registry maps before: %s
          - registry maps after:  %s
          - heap after GC: %.1f MiB before, %.1f MiB after
          - etcd revision at the end: %d
          """.formatted(cycles, millis, cycles * 1000.0 / millis, millis / (cycles * 4.0), baseline, after,
          heapBefore / 1048576.0, heapAfter / 1048576.0, adminSource.list().revision());
      System.out.println(report);
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "admin-cycles-report.md"), report);
      assertThat(after).as("every internal map back at its baseline").isEqualTo(baseline);
      assertThat(heapAfter - heapBefore).as("heap growth after GC").isLessThan(32L << 20);
    }
  }

  private static EtcdSource source() {
    return EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).requestTimeout(Duration.ofSeconds(10)).build();
  }

  private static void cycle(AdminApi admin) throws Exception {
    AdminResponse up = call(admin, "POST", "/apisix/admin/upstreams", "{\"nodes\":{\"127.0.0.1:80\":1}}", 201);
    String id = JSON.readTree(up.bodyUtf8()).path("value").path("id").asText();
    call(admin, "PUT", "/apisix/admin/routes/" + id, "{\"uri\":\"/" + id + "\",\"upstream_id\":\"" + id + "\"}", 201);
    call(admin, "DELETE", "/apisix/admin/routes/" + id, null, 200);
    call(admin, "DELETE", "/apisix/admin/upstreams/" + id, null, 200);
  }

  private static AdminResponse call(AdminApi admin, String method, String path, String body, int expected) {
    AdminResponse r = admin.handle(AdminRequest.of(method, path, Map.of("X-API-KEY", KEY), body));
    assertThat(r.status()).as("%s %s: %s", method, path, r.bodyUtf8()).isEqualTo(expected);
    return r;
  }

  private static void awaitApplied(ConfigRegistry node, EtcdSource source) {
    long revision = source.list().revision();
    await().atMost(Duration.ofSeconds(60)).until(() -> node.status().appliedRevision() >= revision);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Integer> sizes(ConfigRegistry registry) throws Exception {
    Method m = ConfigRegistry.class.getDeclaredMethod("internalSizes"); // the registry's own test hook
    m.setAccessible(true);
    return (Map<String, Integer>) m.invoke(registry);
  }

  private static long heapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

}
