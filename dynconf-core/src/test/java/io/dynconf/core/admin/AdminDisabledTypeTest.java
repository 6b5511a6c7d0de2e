package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static io.dynconf.core.admin.AdminTesting.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.source.InMemorySource;
import org.junit.jupiter.api.Test;

/**
 * {@code AdminApi.Builder.disable}: every request to a disabled type (reads, writes, bulk items, the
 * types nested under it) is a 400 with the reason, as APISIX answers {@code /stream_routes} without
 * stream mode; nothing is written; other types are served as always.
 */
class AdminDisabledTypeTest {
  private static final String REASON = "stream mode is disabled, can not add stream routes";
  private static final String STREAM_ROUTE = "{\"server_port\":9100,\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}";

  @Test
  void everyRequestToADisabledTypeIsRefusedWithTheReason() {
    InMemorySource store = new InMemorySource("/apisix");
    try (AdminApi admin = AdminTesting.builder(store, new AdminTesting.TestClock(1_700_000_000L))
        .disable(StandardTypes.STREAM_ROUTES, REASON).build()) {
      long before = store.revision();
      for (AdminRequest r : new AdminRequest[] {request("GET", "/apisix/admin/stream_routes", null),
          request("GET", "/apisix/admin/stream_routes/1", null), request("PUT", "/apisix/admin/stream_routes/1", STREAM_ROUTE),
          request("POST", "/apisix/admin/stream_routes", STREAM_ROUTE), request("PATCH", "/apisix/admin/stream_routes/1", "{}"),
          request("DELETE", "/apisix/admin/stream_routes/1", null)}) {
        AdminResponse a = admin.handle(r);
        assertThat(a.status()).as(r.method() + " " + r.path()).isEqualTo(400);
        assertThat(a.bodyUtf8()).as(r.method() + " " + r.path()).contains("\"error_msg\":\"" + REASON + "\"");
      }
      String bulk = "{\"operations\":[{\"method\":\"PUT\",\"type\":\"upstreams\",\"id\":\"u1\",\"value\":" + UPSTREAM + "},"
          + "{\"method\":\"PUT\",\"type\":\"stream_routes\",\"id\":\"1\",\"value\":" + STREAM_ROUTE + "}]}";
      AdminResponse b = admin.handle(request("POST", "/apisix/admin/bulk", bulk));
      assertThat(b.status()).isEqualTo(400);
      assertThat(b.bodyUtf8()).contains("operations/1").contains(REASON);
      assertThat(store.revision()).as("nothing written, the bulk's upstream neither").isEqualTo(before);

      assertThat(admin.handle(request("PUT", "/apisix/admin/upstreams/u1", UPSTREAM)).status()).isEqualTo(201);
    }
  }

  @Test
  void disablingATypeDisablesTheTypesNestedUnderItOnly() {
    InMemorySource store = new InMemorySource("/apisix");
    try (AdminApi admin = AdminTesting.builder(store, new AdminTesting.TestClock(1_700_000_000L))
        .disable(StandardTypes.CREDENTIALS, "no credentials here").build()) {
      assertThat(admin.handle(request("PUT", "/apisix/admin/consumers/jack", "{\"username\":\"jack\"}")).status()).isEqualTo(201);
      AdminResponse c = admin.handle(request("PUT", "/apisix/admin/consumers/jack/credentials/a",
          "{\"plugins\":{\"key-auth\":{\"key\":\"k-a\"}}}"));
      assertThat(c.status()).isEqualTo(400);
      assertThat(c.bodyUtf8()).contains("no credentials here");
    }
    try (AdminApi admin = AdminTesting.builder(new InMemorySource("/apisix"), new AdminTesting.TestClock(1_700_000_000L))
        .disable(StandardTypes.CONSUMERS, "no consumers here").build()) {
      assertThat(admin.handle(request("GET", "/apisix/admin/consumers/jack/credentials", null)).bodyUtf8()).contains("no consumers here");
    }
    assertThatThrownBy(() -> AdminApi.builder(new InMemorySource("/apisix")).disable(StandardTypes.ROUTES, " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason");
  }
}
