package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static io.dynconf.core.admin.AdminTesting.request;
import static io.dynconf.core.admin.AdminTesting.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code AdminApi.Builder.checkedValues}: what a write checked is handed to the node's registry,
 * which takes it when its watch delivers the same bytes; a dry run hands nothing.
 */
class AdminCheckedValuesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void writesHandWhatTheyCheckedToTheRegistry() throws InterruptedException {
    InMemorySource store = new InMemorySource("/apisix");
    try (ConfigRegistry registry = ConfigRegistry.builder(store).types(StandardTypes.all()).build().start();
        AdminApi admin = AdminTesting.builder(store, new AdminTesting.TestClock(1_700_000_000L))
            .checkedValues(registry.checkedValues()).build()) {
      registry.awaitReady(WAIT);
      assertThat(admin.handle(request("PUT", "/apisix/admin/upstreams/u1", UPSTREAM)).status()).isEqualTo(201);
      assertThat(admin.handle(request("PUT", "/apisix/admin/routes/r1", route("/a", "u1"))).status()).isEqualTo(201);
      assertThat(admin.handle(request("PUT", "/apisix/admin/routes/r9?dry_run=true", route("/z", "u1"))).status()).isEqualTo(200);
      String bulk = "{\"operations\":[" + String.join(",",
          "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"r2\",\"value\":" + route("/b", "u1") + "}",
          "{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"r3\",\"value\":" + route("/c", "u1") + "}") + "]}";
      AdminResponse b = admin.handle(request("POST", "/apisix/admin/bulk", bulk));
      assertThat(b.status()).as(b.bodyUtf8()).isEqualTo(200);

      await().atMost(WAIT).until(() -> registry.snapshot().store(StandardTypes.ROUTES).size() == 3);
      assertThat(registry.checkedValues().counts()).containsEntry("offered", 4L).containsEntry("taken", 4L);
      Route r3 = registry.snapshot().store(StandardTypes.ROUTES).get("r3");
      assertThat(r3.uris()).containsExactly("/c");
      assertThat(registry.snapshot().store(StandardTypes.ROUTES).item("r3").modRevision()).isEqualTo(store.revision());
      assertThat(registry.snapshot().store(StandardTypes.ROUTES).get("r9")).isNull();
    }
  }
}
