package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static io.dynconf.core.admin.AdminTesting.json;
import static io.dynconf.core.admin.AdminTesting.request;
import static io.dynconf.core.admin.AdminTesting.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.spi.KeyValue;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@code AdminApi.Builder.nodeView}: a write reads the node's own view first and makes one source
 * call, its transaction; a view that is behind the source never makes a write wrong.
 */
class AdminNodeViewTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final InMemorySource store = new InMemorySource("/apisix");
  private final AtomicInteger gets = new AtomicInteger();
  private final AtomicInteger txns = new AtomicInteger();
  private final AdminTesting.TestClock clock = new AdminTesting.TestClock(1_700_000_000L);

  /** The in-memory store, seen as a remote one (its reads are not inline) that counts its calls. */
  private HookedSource counted() {
    HookedSource s = new HookedSource(store);
    s.getHook = gets::incrementAndGet;
    s.txnHook = txns::incrementAndGet;
    return s;
  }

  @Test
  void aWriteTheRegistryHoldsEverythingForMakesOneSourceCall() throws InterruptedException {
    try (ConfigRegistry registry = ConfigRegistry.builder(store).types(StandardTypes.all()).build().start();
        AdminApi admin = AdminTesting.builder(counted(), clock).nodeView(registry::appliedValue).build()) {
      registry.awaitReady(WAIT);
      assertThat(admin.handle(request("PUT", "/apisix/admin/upstreams/u1", UPSTREAM)).status()).isEqualTo(201);
      await().atMost(WAIT).until(() -> registry.appliedValue("/apisix/upstreams/u1") != null);

      gets.set(0);
      txns.set(0);
      AdminResponse created = admin.handle(request("PUT", "/apisix/admin/routes/r1", route("/a", "u1")));
      assertThat(created.status()).as(created.bodyUtf8()).isEqualTo(201);
      assertThat(gets.get()).as("reads of the source").isZero();
      assertThat(txns.get()).isEqualTo(1);

      await().atMost(WAIT).until(() -> registry.appliedValue("/apisix/routes/r1") != null);
      AdminResponse replaced = admin.handle(request("PUT", "/apisix/admin/routes/r1", route("/b", "u1")));
      assertThat(replaced.status()).as("the view knew r1: 200, not 201").isEqualTo(200);
      assertThat(json(replaced).at("/value/create_time").asLong()).isEqualTo(json(created).at("/value/create_time").asLong());
      assertThat(gets.get()).isZero();
      assertThat(txns.get()).isEqualTo(2);
    }
  }

  @Test
  void aViewThatIsBehindTheSourceCannotMakeAWriteWrong() {
    Map<String, KeyValue> view = new ConcurrentHashMap<>(); // the test decides what the node "holds"
    try (AdminApi direct = AdminTesting.builder(store, clock).build();
        AdminApi admin = AdminTesting.builder(counted(), clock).nodeView(k -> view.get(k)).build()) {
      // the view still holds an upstream that was deleted since: the route is refused, nothing stored
      assertThat(direct.handle(request("PUT", "/apisix/admin/upstreams/gone", UPSTREAM)).status()).isEqualTo(201);
      view.put("/apisix/upstreams/gone", stored("/apisix/upstreams/gone"));
      assertThat(direct.handle(request("DELETE", "/apisix/admin/upstreams/gone", null)).status()).isEqualTo(200);
      AdminResponse refused = admin.handle(request("PUT", "/apisix/admin/routes/r1", route("/a", "gone")));
      assertThat(refused.status()).as(refused.bodyUtf8()).isEqualTo(400);
      assertThat(json(refused).path("error_msg").asText()).contains("gone").contains("does not exist");
      assertThat(store.get("/apisix/routes/r1")).isNull();
      AdminResponse dryRun = admin.handle(request("PUT", "/apisix/admin/routes/r1?dry_run=true", route("/a", "gone")));
      assertThat(dryRun.status()).as("a dry run has no compare to catch the view: it reads the source").isEqualTo(400);

      // the view does not know a route that another node created: a PUT replaces it (200) and keeps its create_time
      assertThat(direct.handle(request("PUT", "/apisix/admin/upstreams/u1", UPSTREAM)).status()).isEqualTo(201);
      view.put("/apisix/upstreams/u1", stored("/apisix/upstreams/u1"));
      assertThat(direct.handle(request("PUT", "/apisix/admin/routes/r2", route("/a", "u1"))).status()).isEqualTo(201);
      long created = json(direct.handle(request("GET", "/apisix/admin/routes/r2", null))).at("/value/create_time").asLong();
      clock.set(1_700_000_100L);
      AdminResponse replaced = admin.handle(request("PUT", "/apisix/admin/routes/r2", route("/b", "u1")));
      assertThat(replaced.status()).as(replaced.bodyUtf8()).isEqualTo(200);
      assertThat(json(replaced).at("/value/create_time").asLong()).isEqualTo(created);

      // the view holds an older value of r2: a PATCH merges onto the source's value, not the view's
      view.put("/apisix/routes/r2", stored("/apisix/routes/r2"));
      assertThat(direct.handle(request("PATCH", "/apisix/admin/routes/r2", "{\"desc\":\"newer\"}")).status()).isEqualTo(200);
      AdminResponse patched = admin.handle(request("PATCH", "/apisix/admin/routes/r2", "{\"name\":\"n\"}"));
      assertThat(patched.status()).as(patched.bodyUtf8()).isEqualTo(200);
      assertThat(json(patched).at("/value/desc").asText()).isEqualTo("newer");
      assertThat(json(patched).at("/value/name").asText()).isEqualTo("n");

      // the view does not hold a route that exists: a PATCH of it is not a 404
      assertThat(direct.handle(request("PUT", "/apisix/admin/routes/r3", route("/c", "u1"))).status()).isEqualTo(201);
      assertThat(admin.handle(request("PATCH", "/apisix/admin/routes/r3", "{\"desc\":\"x\"}")).status()).isEqualTo(200);

      // a precondition is checked against the source, never the view
      view.put("/apisix/routes/r3", KeyValue.of("/apisix/routes/r3", route("/c", "u1"), 1, 1));
      String etag = direct.handle(request("GET", "/apisix/admin/routes/r3", null)).header("ETag");
      AdminResponse conditional = admin.handle(request("PUT", "/apisix/admin/routes/r3", route("/d", "u1"), "If-Match", etag));
      assertThat(conditional.status()).as(conditional.bodyUtf8()).isEqualTo(200);
    }
  }

  private @Nullable KeyValue stored(String key) {
    return store.get(key);
  }
}
