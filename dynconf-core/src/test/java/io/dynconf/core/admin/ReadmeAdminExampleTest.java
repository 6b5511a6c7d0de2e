package io.dynconf.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's admin API example, run for real (its text is checked by ReadmeSnippetsTest). */
class ReadmeAdminExampleTest {
  @Test
  void readmeAdminExample() throws Exception {
    String adminKey = "admin-key-0123456789";
    String viewerKey = "viewer-key-0123456789";
    try (InMemorySource source = new InMemorySource("/apisix")) {
      source.put("/apisix/upstreams/1", "{\"nodes\":{\"127.0.0.1:8080\":1}}");
      // --- README example begins
      AdminApi admin = AdminApi.builder(source)                    // any ConfigSource; StandardTypes.all()
          .apiKey(adminKey, AdminRole.ADMIN)                       // no default key; >= 16 characters
          .apiKey(viewerKey, AdminRole.VIEWER)                     // GET only
          .requestTimeout(Duration.ofSeconds(3))                   // a slow etcd answers 503 by then
          .build();
      AdminResponse r = admin.handle(AdminRequest.of("PUT", "/apisix/admin/routes/1",
          Map.of("X-API-KEY", adminKey), "{\"uri\":\"/hello\",\"upstream_id\":\"1\"}"));
      r.status();                 // 201 created, 200 replaced, 400 {"error_msg": "invalid configuration: /upstream_id: upstream \"1\" does not exist"}
      r.header("ETag");           // "17": the mod revision; send it back as If-Match
      r.bodyUtf8();               // {"key":"/apisix/routes/1","value":{...}}; X-Dynconf-Revision: 17
      // --- README example ends
      assertThat(r.status()).isEqualTo(201);
      assertThat(r.header("ETag")).matches("\"\\d+\"");
      assertThat(r.bodyUtf8()).contains("\"key\":\"/apisix/routes/1\"").doesNotContain("\"modifiedIndex\"");
      assertThat(r.header(AdminApi.REVISION_HEADER)).matches("\\d+");
      AdminResponse viewerWrite = admin.handle(AdminRequest.of("DELETE", "/apisix/admin/routes/1", Map.of("X-API-KEY", viewerKey),
          (String) null));
      assertThat(viewerWrite.status()).isEqualTo(403);
    }
  }
}
