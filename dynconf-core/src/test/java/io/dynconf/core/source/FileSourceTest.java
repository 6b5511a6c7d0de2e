package io.dynconf.core.source;

import io.dynconf.core.ResourceType;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.testing.RecordingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {
  static final ResourceType<ObjectNode> ROUTES = ResourceType.builder("routes", ObjectNode.class)
      .schema("""
          {"type": "object", "required": ["uri"],
           "properties": {
             "id": {"type": ["string", "integer"]},
             "uri": {"type": "string"},
             "methods": {"type": "array", "items": {"type": "string", "enum": ["GET", "POST", "PUT", "DELETE"]}}}}""")
      .build();
  static final ResourceType<ObjectNode> UPSTREAMS = ResourceType.builder("upstreams", ObjectNode.class).schema("{\"type\": \"object\"}").build();
  static final ResourceType<ObjectNode> CONSUMERS = ResourceType.builder("consumers", ObjectNode.class).idField("username").build();
  static final ResourceType<ObjectNode> SECRETS = ResourceType.builder("secrets", ObjectNode.class).idSegments(2).build();
  static final List<ResourceType<?>> TYPES = List.of(ROUTES, UPSTREAMS, CONSUMERS, SECRETS);
  static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");

  static final String YAML = """
      routes:
        - id: r1
          uri: /a
          methods: [GET]
        - id: 2
          uri: /b
      upstreams:
        - id: u1
          type: roundrobin
          nodes:
            "127.0.0.1:80": 1
      #END
      """;
  static final String JSON = """
      {
        "routes": [
          {"id": "r1", "uri": "/a", "methods": ["GET"]},
          {"id": 2, "uri": "/b"}
        ],
        "upstreams": [{"id": "u1", "type": "roundrobin", "nodes": {"127.0.0.1:80": 1}}]
      }
      #END
      """;

  @TempDir Path dir;
  final List<FileSource> sources = new ArrayList<>();

  @AfterEach
  void closeSources() {
    sources.forEach(FileSource::close);
  }

  FileSource open(Path file) {
    return open(file, true);
  }

  FileSource open(Path file, boolean watchFileSystem) {
    FileSource source = FileSource.builder(file)
        .types(TYPES)
        .pollInterval(Duration.ofMillis(50))
        .watchFileSystem(watchFileSystem)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .build();
    sources.add(source);
    return source;
  }

  Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  static Map<String, String> values(Listing listing) {
    Map<String, String> values = new java.util.TreeMap<>();
    listing.kvs().forEach(kv -> values.put(kv.key(), kv.utf8()));
    return values;
  }

  static final Map<String, String> EXPECTED = Map.of(
      "/apisix/routes/r1", "{\"id\":\"r1\",\"uri\":\"/a\",\"methods\":[\"GET\"]}",
      "/apisix/routes/2", "{\"id\":2,\"uri\":\"/b\"}",
      "/apisix/upstreams/u1", "{\"id\":\"u1\",\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:80\":1}}");

  @Test
  void theYamlFormLoadsAtRevisionOne() throws Exception {
    FileSource source = open(write("apisix.yaml", YAML));

    Listing listing = source.list();

    assertThat(listing.revision()).isEqualTo(1);
    assertThat(values(listing)).isEqualTo(EXPECTED);
    assertThat(listing.kvs()).allSatisfy(kv -> {
      assertThat(kv.createRevision()).isEqualTo(1);
      assertThat(kv.modRevision()).isEqualTo(1);
    });
    assertThat(source.lastError()).isEmpty();
  }

  @Test
  void theJsonFormWithAnEndMarkerLoadsTheSame() throws Exception {
    FileSource source = open(write("apisix.json", JSON));

    assertThat(values(source.list())).isEqualTo(EXPECTED);
    assertThat(source.list().revision()).isEqualTo(1);
  }

  @Test
  void anEmptyFileIsAnEmptySourceAtRevisionZero() throws Exception {
    FileSource yaml = open(write("apisix.yml", "#END\n"));
    FileSource json = open(write("empty.json", ""));

    assertThat(yaml.list()).isEqualTo(new Listing(0, List.of()));
    assertThat(json.list()).isEqualTo(new Listing(0, List.of()));
  }

  @Test
  void anInPlaceWriteIsReloadedAsOneRevisionOfTheChangedItemsOnly() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    Files.writeString(file, """
        routes:
          - id: r1
            uri: /changed
          - id: 2
            uri: /b
          - id: r3
            uri: /c
        #END
        """);

    rec.awaitRevision(2);
    assertThat(rec.batches()).hasSize(1);
    assertThat(rec.events()).extracting(e -> e.type() + " " + e.key() + " @" + e.modRevision()).containsExactlyInAnyOrder(
        "PUT /apisix/routes/r1 @2", "PUT /apisix/routes/r3 @2", "DELETE /apisix/upstreams/u1 @2");
    assertThat(source.get("/apisix/routes/2")).isEqualTo(KeyValue.of("/apisix/routes/2", "{\"id\":2,\"uri\":\"/b\"}", 1, 1));
    assertThat(source.get("/apisix/routes/r1").createRevision()).isEqualTo(1);
    assertThat(source.list().revision()).isEqualTo(2);
  }

  @Test
  void anAtomicRenameIsReloaded() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    Path tmp = write(".apisix.yaml.new", YAML.replace("/b", "/renamed"));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    rec.awaitRevision(2);
    assertThat(rec.events()).containsExactly(ChangeEvent.put(KeyValue.of("/apisix/routes/2", "{\"id\":2,\"uri\":\"/renamed\"}", 1, 2)));
  }

  @Test
  void pollingAloneSeesAnInPlaceWriteOfTheSameSize() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file, false);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    Files.writeString(file, YAML.replace("/b", "/x"));

    rec.awaitRevision(2);
    assertThat(rec.events()).extracting(ChangeEvent::key).containsExactly("/apisix/routes/2");
  }

  @Test
  void aFileCaughtMidWriteIsNotApplied() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    Files.writeString(file, "");
    assertThat(source.reload()).isFalse();
    assertThat(source.lastError().orElseThrow().message()).startsWith("apisix.yaml: incomplete, not applied: the file is empty");
    Files.writeString(file, YAML.substring(0, YAML.indexOf("upstreams:"))); // valid YAML, but no #END yet
    assertThat(source.reload()).isFalse();
    assertThat(source.lastError().orElseThrow().message()).contains("no #END line");
    assertThat(values(source.list())).isEqualTo(EXPECTED);

    Files.writeString(file, YAML.substring(0, YAML.indexOf("upstreams:")) + "#END\n");
    rec.awaitRevision(2);
    assertThat(rec.events()).extracting(e -> e.type() + " " + e.key()).containsExactly("DELETE /apisix/upstreams/u1");
    assertThat(source.lastError()).isEmpty();
  }

  @Test
  void anInvalidReloadIsRejectedAsAWholeAndTheLastGoodContentKeepsServing() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    Files.writeString(file, """
        routes:
          - id: r1
            uri: /changed
          - id: 2
            uri: /b
          - id: r3
            uri: /c
            methods: [GETX]
        #END
        """);

    await().atMost(RecordingListener.TIMEOUT).until(() -> source.lastError().isPresent());
    FileSource.LoadError error = source.lastError().orElseThrow();
    assertThat(error.message()).isEqualTo("apisix.yaml: routes[2] (id \"r3\"): /methods/0: GETX is not a valid enum value");
    assertThat(error.time()).isEqualTo(NOW);
    assertThat(source.reload()).isFalse();
    assertThat(source.list().revision()).isEqualTo(1);
    assertThat(values(source.list())).isEqualTo(EXPECTED);

    Files.writeString(file, YAML.replace("/a", "/fixed"));
    rec.awaitRevision(2);
    assertThat(rec.events()).extracting(ChangeEvent::key).containsExactly("/apisix/routes/r1");
    assertThat(source.lastError()).isEmpty();
  }

  @Test
  void everyKindOfInvalidFileIsNamedPrecisely() throws Exception {
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("services: []\n", "apisix.yaml: unknown top-level key \"services\" (known: routes, upstreams, consumers, secrets)");
    cases.put("routes: [x]\n", "apisix.yaml: routes[0]: expected an object, got a string");
    cases.put("routes: {id: a}\n", "apisix.yaml: routes: expected a list, got an object");
    cases.put("- routes\n", "apisix.yaml: expected a mapping of resource lists at the top level, got a list");
    cases.put("routes: [{uri: /a}]\n", "apisix.yaml: routes[0]: /id: missing; every item needs its \"id\"");
    cases.put("routes: [{id: true, uri: /a}]\n", "apisix.yaml: routes[0]: /id: must be a string or an integer, got a boolean");
    cases.put("routes: [{id: a, uri: /a}, {id: a, uri: /b}]\n", "apisix.yaml: routes[1] (id \"a\"): /id: duplicate id, also at routes[0]");
    cases.put("routes: [{id: \"a b\", uri: /a}]\n",
        "apisix.yaml: routes[0] (id \"a b\"): /id: id \"a b\" must match [A-Za-z0-9_.-]{1,64}: character U+0020 at index 1 is not allowed");
    cases.put("routes: [{id: a/b, uri: /a}]\n", "apisix.yaml: routes[0] (id \"a/b\"): /id: id \"a/b\" has 2 segments; routes allows 1");
    cases.put("secrets: [{id: vault/a/b}]\n", "apisix.yaml: secrets[0] (id \"vault/a/b\"): /id: id \"vault/a/b\" has 3 segments; secrets allows 2");
    cases.put("consumers: [{id: jack}]\n", "apisix.yaml: consumers[0]: /username: missing; every item needs its \"username\"");
    cases.put("routes: [{id: a, uri: 7}]\n", "apisix.yaml: routes[0] (id \"a\"): /uri: expected type: string, found: integer");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path sub = Files.createDirectories(dir.resolve("case" + sources.size()));
      FileSource source = open(Files.writeString(sub.resolve("apisix.yaml"), c.getKey()));
      assertThatThrownBy(source::list).as(c.getKey()).isInstanceOf(SourceException.class).hasMessage(c.getValue());
      assertThat(source.lastError()).as(c.getKey()).map(FileSource.LoadError::message).contains(c.getValue());
    }
    FileSource broken = open(write("apisix.yaml", "routes: [\n"));
    assertThat(broken.lastError().orElseThrow().message()).startsWith("apisix.yaml: not valid YAML: ").contains(" at line ");
    FileSource twoDocuments = open(write("two.yaml", "routes: []\n---\nupstreams: []\n"));
    assertThat(twoDocuments.lastError().orElseThrow().message()).startsWith("two.yaml: not valid YAML: ");
    FileSource duplicateKey = open(write("dup.json", "{\"routes\": [], \"routes\": []}"));
    assertThat(duplicateKey.lastError().orElseThrow().message()).startsWith("dup.json: not valid JSON: Duplicate field 'routes'");
    FileSource missing = open(dir.resolve("missing.yaml"));
    assertThatThrownBy(() -> missing.get("/apisix/routes/a")).isInstanceOf(SourceException.class).hasMessageContaining("missing.yaml: cannot read: the file does not exist");
  }

  @Test
  void anInvalidFirstLoadFailsListUntilTheFileIsFixed() throws Exception {
    Path file = write("apisix.yaml", "routes: [{id: r1}]\n");
    FileSource source = open(file);
    assertThatThrownBy(source::list).isInstanceOf(SourceException.class).hasMessageContaining("routes[0] (id \"r1\")");
    assertThatThrownBy(() -> source.put("/apisix/routes/r2", "{\"uri\":\"/x\"}")).isInstanceOf(SourceException.class);
    RecordingListener rec = new RecordingListener();
    source.watch(1, rec);

    Files.writeString(file, YAML);

    rec.awaitRevision(1);
    assertThat(values(source.list())).isEqualTo(EXPECTED);
  }

  @Test
  void aReloadThatChangesNothingProducesNoEvent() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    Files.writeString(file, """
        # the same resources, written differently and in another order
        upstreams: [{id: u1, type: roundrobin, nodes: {"127.0.0.1:80": 1}}]
        routes:
          - {id: 2, uri: "/b"}
          - id: r1     # first route
            uri: /a
            methods:
              - GET
        #END
        """);
    assertThat(source.reload()).isFalse();
    assertThat(source.lastError()).isEmpty();
    Files.writeString(file, YAML.replace("/b", "/after"));

    rec.awaitRevision(2);
    assertThat(rec.events()).extracting(e -> e.key() + " @" + e.modRevision()).containsExactly("/apisix/routes/2 @2");
    assertThat(source.get("/apisix/routes/r1").modRevision()).isEqualTo(1);
  }

  @Test
  void ownWritesProduceExactlyTheirEventsAndAreWrittenBackAtomicallyInTheSameForm() throws Exception {
    Path file = write("apisix.yaml", YAML);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    FileSource source = open(file);
    RecordingListener rec = new RecordingListener();
    source.watch(2, rec);

    long put = source.put("/apisix/routes/r9", "{ \"uri\" : \"/nine\" }");
    assertThat(source.delete("/apisix/upstreams/u1")).isTrue();
    long deleted = source.list().revision();
    assertThat(source.reload()).isFalse(); // the file holds exactly what is served
    Files.writeString(file, Files.readString(file).replace("/nine", "/external"));
    rec.awaitRevision(deleted + 1);

    assertThat(rec.events()).extracting(e -> e.type() + " " + e.key() + " @" + e.modRevision()).containsExactly(
        "PUT /apisix/routes/r9 @" + put, "DELETE /apisix/upstreams/u1 @" + deleted, "PUT /apisix/routes/r9 @" + (deleted + 1));
    assertThat(rec.events().get(0).kv().utf8()).isEqualTo("{\"id\":\"r9\",\"uri\":\"/nine\"}");
    String text = Files.readString(file);
    assertThat(text).endsWith("#END\n").doesNotContain("upstreams");
    assertThat(text.indexOf("id: \"r1\"")).isNotNegative().isLessThan(text.indexOf("id: 2"));
    assertThat(text.indexOf("id: 2")).isLessThan(text.indexOf("id: \"r9\""));
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    try (FileSource again = FileSource.builder(file).types(TYPES).build()) {
      assertThat(values(again.list())).isEqualTo(values(source.list()));
    }
    try (var files = Files.list(dir)) {
      assertThat(files).extracting(p -> p.getFileName().toString())
          .containsExactlyInAnyOrder("apisix.yaml", ".apisix.yaml.revision"); // no temporary file left; the revision floor
    }
  }

  @Test
  void aJsonFileIsWrittenBackAsJson() throws Exception {
    Path file = write("apisix.json", JSON);
    FileSource source = open(file);

    source.put("/apisix/upstreams/u2", "{\"nodes\":{}}");

    assertThat(Files.readString(file)).startsWith("{\n  \"routes\": [").contains("\"id\": \"u2\"").doesNotContain("#END");
    JsonNode written = new ObjectMapper().readTree(file.toFile());
    assertThat(written.get("upstreams").get(1).toString()).isEqualTo("{\"id\":\"u2\",\"nodes\":{}}");
    assertThat(written.get("routes").get(1).get("id").isInt()).isTrue();
    assertThat(source.reload()).isFalse();
  }

  @Test
  void idFieldsAndIdSegmentsOfTheTypesAreRespected() throws Exception {
    Path file = write("apisix.yaml", """
        consumers:
          - username: jack
            plugins: {}
        secrets:
          - id: vault/1
            uri: http://vault
        """);
    FileSource source = open(file);

    assertThat(values(source.list())).containsOnlyKeys("/apisix/consumers/jack", "/apisix/secrets/vault/1");

    source.put("/apisix/consumers/rose", "{\"plugins\":{}}");
    source.put("/apisix/secrets/aws/2", "{\"region\":\"eu\"}");
    assertThat(source.get("/apisix/consumers/rose").utf8()).isEqualTo("{\"username\":\"rose\",\"plugins\":{}}");
    assertThat(source.get("/apisix/secrets/aws/2").utf8()).isEqualTo("{\"id\":\"aws/2\",\"region\":\"eu\"}");
    assertThat(Files.readString(file)).contains("username: \"rose\"").contains("id: \"aws/2\"");
    assertThatThrownBy(() -> source.put("/apisix/consumers/tom", "{\"username\":\"jerry\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/username").hasMessageContaining("\"tom\"");
    assertThatThrownBy(() -> source.put("/apisix/routes/a/b", "{}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 2 segments");
    assertThat(source.reload()).isFalse();
  }

  @Test
  void writesTheFileCannotHoldAreRefused() throws Exception {
    FileSource source = open(write("apisix.yaml", YAML));
    long before = source.list().revision();

    assertThatThrownBy(() -> source.put("/apisix/services/1", "{}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not under a known type");
    assertThatThrownBy(() -> source.put("/apisix/routes/r5", "[1]"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a JSON object");
    assertThatThrownBy(() -> source.put("/apisix/routes/r5", "{"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    assertThat(source.list().revision()).isEqualTo(before);
  }

  @Test
  void aWriteOverARejectedExternalEditIsRefused() throws Exception {
    Path file = write("apisix.yaml", YAML);
    FileSource source = open(file);
    String broken = "routes: [{id: r1}]\n";
    Files.writeString(file, broken);

    assertThatThrownBy(() -> source.put("/apisix/routes/r2", "{\"uri\":\"/x\"}"))
        .isInstanceOf(SourceException.class).hasMessageContaining("not writing over it");
    assertThat(Files.readString(file)).isEqualTo(broken);
    assertThat(source.get("/apisix/routes/r2")).isNull();
  }

  @Test
  void closeStopsTheThreads() throws Exception {
    FileSource source = open(write("apisix.yaml", YAML));
    assertThat(threads()).isNotEmpty();

    source.close();

    await().atMost(RecordingListener.TIMEOUT).until(() -> threads().isEmpty());
    assertThatThrownBy(source::list).isInstanceOf(SourceException.class);
  }

  private static List<Thread> threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("dynconf-file-") && t.isAlive())
        .peek(t -> assertThat(t.isDaemon()).isTrue())
        .toList();
  }
}
