package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static io.dynconf.core.admin.AdminTesting.json;
import static io.dynconf.core.admin.AdminTesting.request;
import static io.dynconf.core.admin.AdminTesting.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.source.FileSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over the standalone file source, across restarts of the source. */
class AdminApiStandaloneTest {
  @TempDir Path dir;

  private FileSource open(Path file) {
    return FileSource.builder(file).pollInterval(Duration.ofMillis(100)).build();
  }

  private static AdminApi admin(FileSource source) {
    return AdminTesting.builder(source, new AdminTesting.TestClock(AdminApiContract.T0)).build();
  }

  /**
   * An ETag from before a restart must not match after it: revisions continue above every revision
   * used before. Before, revisions started over at 1, so a stale {@code If-Match: "1"} overwrote a
   * newer change.
   */
  @Test
  void revisionsNeverGoBackwardsAcrossRestartsSoAStaleEtagIsRefused() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "upstreams:\n  - id: u\n    type: roundrobin\n    nodes:\n      \"127.0.0.1:80\": 1\n#END\n");
    String staleEtag;
    long last;
    try (FileSource source = open(file); AdminApi admin = admin(source)) {
      staleEtag = admin.handle(request("GET", "/apisix/admin/upstreams/u", null)).header("ETag");
      AdminResponse changed = admin.handle(request("PUT", "/apisix/admin/upstreams/u", UPSTREAM.replace("8080", "8081")));
      assertThat(changed.status()).as(changed.bodyUtf8()).isEqualTo(200);
      last = source.list().revision();
    }
    try (FileSource source = open(file); AdminApi admin = admin(source)) {
      assertThat(source.list().revision()).as("after the restart").isGreaterThan(last);
      assertThat(source.get("/apisix/upstreams/u").modRevision()).isGreaterThan(last);
      AdminResponse stale = admin.handle(request("PUT", "/apisix/admin/upstreams/u", UPSTREAM, "If-Match", staleEtag));
      assertThat(stale.status()).as(stale.bodyUtf8()).isEqualTo(412);
      assertThat(source.get("/apisix/upstreams/u").utf8()).contains("8081");
    }
    try (FileSource source = open(file)) {
      assertThat(source.list().revision()).as("a third start").isGreaterThan(last + 1);
    }
  }

  @Test
  void temporaryFilesLeftByAKilledWriteAreRemovedAtStart() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "routes: []\n#END\n");
    Path leftover = Files.writeString(dir.resolve(".apisix.yaml.8123456789.tmp"), "routes:\n  - id: half");
    Path unrelated = Files.writeString(dir.resolve(".other.yaml.1.tmp"), "x");
    try (FileSource source = open(file)) {
      assertThat(leftover).doesNotExist();
      assertThat(unrelated).exists();
      source.put("/apisix/upstreams/u", "{\"id\":\"u\",\"nodes\":{\"127.0.0.1:80\":1}}");
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".apisix.yaml.") && n.endsWith(".tmp"));
    }
  }

  /** POST generates ids in standalone mode too (before: 503 "put /apisix/gen_id: ... not under a known type"). */
  @Test
  void postGeneratesIdsWithoutAGenIdKey() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "routes: []\n#END\n");
    try (FileSource source = open(file); AdminApi admin = admin(source)) {
      admin.handle(request("PUT", "/apisix/admin/upstreams/1", UPSTREAM));
      AdminResponse a = admin.handle(request("POST", "/apisix/admin/routes", route("/a", "1")));
      AdminResponse b = admin.handle(request("POST", "/apisix/admin/routes", route("/b", "1")));
      assertThat(a.status()).as(a.bodyUtf8()).isEqualTo(201);
      assertThat(b.status()).as(b.bodyUtf8()).isEqualTo(201);
      String idA = json(a).path("value").path("id").asText();
      String idB = json(b).path("value").path("id").asText();
      assertThat(idA).hasSize(20).isLessThan(idB);
      assertThat(Files.readString(file)).doesNotContain("gen_id").contains(idA).contains(idB);
    }
  }

  /** The README's 128 objects in one bulk request, all referencing a stored upstream, on the file source. */
  @Test
  void bulkOf128RoutesReferencingAStoredUpstream() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "routes: []\n#END\n");
    try (FileSource source = open(file); AdminApi admin = admin(source)) {
      admin.handle(request("PUT", "/apisix/admin/upstreams/u", UPSTREAM));
      StringBuilder ops = new StringBuilder("{\"operations\":[");
      for (int i = 0; i < AdminApi.MAX_BULK_OPERATIONS; i++) {
        ops.append(i == 0 ? "" : ",").append("{\"method\":\"PUT\",\"type\":\"routes\",\"id\":\"r").append(i).append("\",\"value\":")
            .append(route("/r" + i, "u")).append("}");
      }
      AdminResponse r = admin.handle(request("POST", "/apisix/admin/bulk", ops.append("]}").toString()));
      assertThat(r.status()).as(r.bodyUtf8()).isEqualTo(200);
      assertThat(r.bodyUtf8()).doesNotContain("etcd");
      assertThat(json(admin.handle(request("GET", "/apisix/admin/routes", null))).path("total").asInt()).isEqualTo(128);
    }
  }

  /**
   * Objects of a standalone file carry no times (APISIX's file format has none); the admin API
   * serves the unstamped time for them, here the file's last-modified time, as a host serving a
   * file configures it: the same after a restart while the file is unchanged.
   */
  @Test
  void objectsFromTheFileAreServedWithTimesStableAcrossRestarts() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "upstreams:\n  - id: u\n    type: roundrobin\n    nodes:\n      \"127.0.0.1:80\": 1\n"
        + "routes:\n  - id: r\n    uri: /r\n    upstream_id: u\n#END\n");
    long mtime = Files.getLastModifiedTime(file).toInstant().getEpochSecond();
    java.util.function.LongSupplier fileTime = () -> mtime;
    com.fasterxml.jackson.databind.JsonNode first;
    try (FileSource source = open(file);
        AdminApi admin = AdminTesting.builder(source, new AdminTesting.TestClock(AdminApiContract.T0)).unstampedTime(fileTime).build()) {
      first = json(admin.handle(request("GET", "/apisix/admin/routes/r", null))).path("value");
      assertThat(first.path("create_time").asLong()).isEqualTo(mtime);
      assertThat(first.path("update_time").asLong()).isEqualTo(mtime);
      com.fasterxml.jackson.databind.JsonNode listed = json(admin.handle(request("GET", "/apisix/admin/upstreams", null)));
      assertThat(listed.path("list").get(0).path("value").path("create_time").asLong()).isEqualTo(mtime);
    }
    try (FileSource source = open(file);
        AdminApi admin = AdminTesting.builder(source, new AdminTesting.TestClock(AdminApiContract.T0 + 500)).unstampedTime(fileTime).build()) {
      com.fasterxml.jackson.databind.JsonNode again = json(admin.handle(request("GET", "/apisix/admin/routes/r", null))).path("value");
      assertThat(again.path("create_time")).isEqualTo(first.path("create_time"));
      assertThat(again.path("update_time")).isEqualTo(first.path("update_time"));
      // an edit keeps the create_time a GET showed and stamps update_time
      AdminResponse patched = admin.handle(request("PATCH", "/apisix/admin/routes/r", "{\"desc\":\"edited\"}"));
      assertThat(patched.status()).as(patched.bodyUtf8()).isEqualTo(200);
      assertThat(json(patched).path("value").path("create_time").asLong()).isEqualTo(mtime);
      assertThat(json(patched).path("value").path("update_time").asLong()).isEqualTo(AdminApiContract.T0 + 500);
      AdminResponse put = admin.handle(request("PUT", "/apisix/admin/upstreams/u", UPSTREAM));
      assertThat(json(put).path("value").path("create_time").asLong()).isEqualTo(mtime);
    }
  }

  @Test
  void consumerCredentialsInTheStandaloneFile() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    // APISIX's standalone format lists a credential among the consumers, with its whole id
    Files.writeString(file, "consumers:\n  - username: ann\n  - id: ann/credentials/f1\n    plugins:\n      key-auth:\n        key: k-ann\n#END\n");
    try (FileSource source = open(file); AdminApi admin = admin(source);
        io.dynconf.core.ConfigRegistry registry = io.dynconf.core.ConfigRegistry.builder(source).build()) {
      registry.start();
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      assertThat(registry.snapshot().rejections()).isEmpty();
      assertThat(registry.store(io.dynconf.core.apisix.StandardTypes.CREDENTIALS).values())
          .extracting(io.dynconf.core.apisix.Credential::key).containsExactly("ann/credentials/f1");
      com.fasterxml.jackson.databind.JsonNode listed = json(admin.handle(request("GET", "/apisix/admin/consumers/ann/credentials", null)));
      assertThat(listed.path("total").asInt()).isEqualTo(1);
      assertThat(json(admin.handle(request("GET", "/apisix/admin/consumers", null))).path("total").asInt()).isEqualTo(1);
    }
    Path empty = dir.resolve("empty.yaml");
    Files.writeString(empty, "{}\n#END\n");
    try (FileSource source = open(empty); AdminApi admin = admin(source)) {
      CredentialScenario.run(admin, source);
      AdminResponse put = admin.handle(request("PUT", "/apisix/admin/consumers/tom/credentials/t3", "{\"plugins\":{\"key-auth\":{\"key\":\"k-3\"}}}"));
      assertThat(put.status()).as(put.bodyUtf8()).isEqualTo(201);
    }
    String text = Files.readString(empty);
    assertThat(text).contains("id: \"tom/credentials/t3\"").doesNotContain("jack");
    assertThat(java.util.regex.Pattern.compile("(?m)^consumers:").matcher(text).results().count()).as(text)
        .isEqualTo(1); // one list holds consumers and credentials
    try (FileSource source = open(empty); AdminApi admin = admin(source)) { // the file it wrote reads back
      AdminResponse got = admin.handle(request("GET", "/apisix/admin/consumers/tom/credentials/t3", null));
      assertThat(got.status()).as(got.bodyUtf8()).isEqualTo(200);
    }
  }
}
