package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APISIX's {@code file-logger} in the gateway, on real files under the data directory: one JSON
 * line per request, the metadata's path and log_format, {@code match}, a rotated (moved or deleted)
 * file created again; and the deliberate difference from APISIX: a path that would write outside
 * {@code <data dir>/logs} (absolute, {@code ..}, a symbolic link out) is refused with 400 by the
 * admin API, and one that leads out through a link made after the check is refused by the writer,
 * counted, and nothing is written outside.
 */
class FileLoggerPluginTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  @TempDir Path outside;
  PluginGateway gw;
  Path logs;

  @BeforeEach
  void start() throws Exception {
    gw = new PluginGateway(dir);
    logs = dir.resolve("logs");
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  /** The file's lines, as JSON, once it has {@code n} of them. */
  private List<JsonNode> awaitLines(Path file, int n) throws IOException {
    await().atMost(PluginGateway.WAIT).until(() -> Files.exists(file) && Files.readAllLines(file).size() >= n);
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @Test
  void eachRequestIsOneJsonLineInItsFile() throws Exception {
    gw.route("1", "/f/*", "\"file-logger\":{\"path\":\"access.log\"}");
    gw.awaitStatus("/f/a", 200);
    gw.get("/f/b?x=1", "X-Test", "yes");
    List<JsonNode> lines = awaitLines(logs.resolve("access.log"), 2);
    assertThat(lines).hasSize(2);
    JsonNode e = lines.get(1);
    assertThat(e.path("request").path("uri").asText()).isEqualTo("/f/b?x=1");
    assertThat(e.path("request").path("headers").path("x-test").asText()).isEqualTo("yes");
    assertThat(e.path("response").path("status").asInt()).isEqualTo(200);
    assertThat(e.path("route_id").asText()).isEqualTo("1");
    assertThat(e.path("upstream").asText()).isEqualTo(gw.backend.node());
    JsonNode c = gw.counters("file-logger");
    assertThat(c.path("sent_entries").asLong()).isEqualTo(2);
    assertThat(c.path("open_files").asLong()).isEqualTo(1);
    assertThat(c.path("dropped_entries").asLong()).isZero();
  }

  @Test
  void theMetadatasPathAndLogFormatServeARouteWithoutPath() throws Exception {
    HttpResponse<String> noPath = gw.admin("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/m/*\",\"upstream_id\":\"web\",\"plugins\":{\"file-logger\":{}}}");
    assertThat(noPath.statusCode()).as(noPath.body()).isEqualTo(400);
    assertThat(noPath.body()).contains("/path", "property \\\"path\\\" is not set in either the plugin conf or the metadata");
    gw.put("/apisix/admin/plugin_metadata/file-logger", "{\"path\":\"meta/m.log\",\"log_format\":{\"u\":\"$uri\",\"s\":\"$status\"}}", 201);
    gw.route("1", "/m/*", "\"file-logger\":{}");
    gw.awaitStatus("/m/a", 200);
    List<JsonNode> lines = awaitLines(logs.resolve("meta/m.log"), 1);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).path("u").asText()).isEqualTo("/m/a");
    assertThat(lines.get(0).path("s").asText()).isEqualTo("200");
    assertThat(lines.get(0).path("route_id").asText()).isEqualTo("1");
    assertThat(lines.get(0).has("request")).as("the metadata's log_format replaces the default entry").isFalse();
  }

  @Test
  void matchLogsOnlyTheRequestsOneOfItsRulesHoldsFor() throws Exception {
    gw.route("1", "/match/*", "\"file-logger\":{\"path\":\"match.log\",\"log_format\":{\"r\":\"$request\"},"
        + "\"match\":[[[\"arg_name\",\"==\",\"jack\"]],[[\"status\",\"==\",\"404\"]]]}");
    gw.awaitStatus("/match/probe?name=jack", 200);
    gw.get("/match/a?name=tony");
    gw.get("/match/b?name=jack");
    List<JsonNode> lines = awaitLines(logs.resolve("match.log"), 2);
    assertThat(lines).extracting(l -> l.path("r").asText())
        .containsExactly("GET /match/probe?name=jack HTTP/1.1", "GET /match/b?name=jack HTTP/1.1");
  }

  /** Log rotation: the file moved away, then deleted; each time the next request's line starts a new file. */
  @Test
  void aRotatedFileIsCreatedAgain() throws Exception {
    gw.route("1", "/rot/*", "\"file-logger\":{\"path\":\"rot.log\",\"log_format\":{\"u\":\"$uri\"}}");
    gw.awaitStatus("/rot/1", 200);
    Path file = logs.resolve("rot.log");
    awaitLines(file, 1);
    Files.move(file, logs.resolve("rot.log.1"));
    gw.get("/rot/2");
    assertThat(awaitLines(file, 1)).extracting(l -> l.path("u").asText()).containsExactly("/rot/2");
    assertThat(Files.readAllLines(logs.resolve("rot.log.1"))).hasSize(1);
    Files.delete(file);
    gw.get("/rot/3");
    assertThat(awaitLines(file, 1)).extracting(l -> l.path("u").asText()).containsExactly("/rot/3");
    assertThat(gw.counters("file-logger").path("reopened_files").asLong()).isEqualTo(2);
  }

  @Test
  void pathsLeavingTheLogDirectoryAreRefusedAndNothingIsStored() throws Exception {
    Files.createSymbolicLink(logs.resolve("out"), outside);
    Files.createSymbolicLink(logs.resolve("passwd.log"), outside.resolve("passwd"));
    gw.refused("\"file-logger\":{\"path\":\"/etc/passwd\"}", "file-logger", "/path", "must be relative");
    gw.refused("\"file-logger\":{\"path\":\"../escape.log\"}", "/path", "must not contain '..'");
    gw.refused("\"file-logger\":{\"path\":\"a/../../escape.log\"}", "/path", "'..'");
    gw.refused("\"file-logger\":{\"path\":\"out/x.log\"}", "/path", "leaves the log directory through a symbolic link (out)");
    gw.refused("\"file-logger\":{\"path\":\"out/deeper/x.log\"}", "/path", "symbolic link");
    gw.refused("\"file-logger\":{\"path\":\"passwd.log\"}", "/path", "is a symbolic link");
    gw.refused("\"file-logger\":{\"path\":\".\"}", "/path", "names the log directory itself");
    gw.refused("\"file-logger\":{\"path\":\"\"}", "/path");
    gw.refused("\"file-logger\":{\"path\":\"x.log\",\"match\":[[[\"arg_a\",\"~~~\",\"b\"]]]}", "/match/0");
    gw.refused("\"file-logger\":{\"path\":\"x.log\",\"match\":[" + String.join(",", java.util.Collections.nCopies(21, "[]")) + "]}", "/match", "at most 20");
    assertThat(gw.admin("GET", "/apisix/admin/routes/bad", null).statusCode()).as("nothing stored").isEqualTo(404);
    for (String bad : List.of("/etc/dynconf.log", "../x.log", "out/x.log")) {
      HttpResponse<String> r = gw.admin("PUT", "/apisix/admin/plugin_metadata/file-logger", "{\"path\":\"" + bad + "\"}");
      assertThat(r.statusCode()).as("%s: %s", bad, r.body()).isEqualTo(400);
      assertThat(r.body()).contains("/path");
    }
    try (var listing = Files.list(outside)) {
      assertThat(listing).as("nothing written outside").isEmpty();
    }
  }

  /** A link made after the route was accepted: the writer checks again when it opens the file, refuses, counts. */
  @Test
  void aLinkOutMadeAfterTheCheckIsRefusedByTheWriter() throws Exception {
    gw.route("1", "/later/*", "\"file-logger\":{\"path\":\"later/x.log\"}");
    Files.createSymbolicLink(logs.resolve("later"), outside);
    gw.awaitStatus("/later/a", 200);
    await().atMost(PluginGateway.WAIT).until(() -> gw.counters("file-logger").path("dropped_entries_path_refused").asLong() >= 1);
    try (var listing = Files.list(outside)) {
      assertThat(listing).as("nothing written outside").isEmpty();
    }
  }
}
