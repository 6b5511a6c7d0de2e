package io.dynconf.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The YAML file assembled from each item's cached block is byte for byte what rendering the whole
 * tree at once makes (the format users and APISIX read), for files with odd strings, nesting,
 * several types and no items.
 */
class FileContentRenderTest {
  private static final ObjectMapper WHOLE = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());

  @Test
  void assembledBlocksEqualTheWholeTreeRendering() throws Exception {
    Map<String, ResourceType<?>> types = new LinkedHashMap<>();
    StandardTypes.all().forEach(t -> types.put(t.path(), t));
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("FileContentRenderTest.assembledBlocksEqualTheWholeTreeRendering: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random rnd = new Random(seed);
    String[] labels = {"0x10", "yes", "~", "#c", "123", "null", "\u00fcn\u00ef", "a:b", "-x"};
    String[] odd = {"0x10", "yes", "~", "a: b", "- x", "#c", "\"q\"", "multi\nline", "tab\t", "ünï", "", "123", "null"};
    for (int run = 0; run < 30; run++) {
      StringBuilder yaml = new StringBuilder();
      int upstreams = rnd.nextInt(4);
      int routes = rnd.nextInt(6);
      if (upstreams > 0) {
        yaml.append("upstreams:\n");
        for (int i = 0; i < upstreams; i++) {
          yaml.append("  - id: u").append(i).append("\n    desc: ").append(quote(odd[rnd.nextInt(odd.length)]))
              .append("\n    nodes:\n      \"127.0.0.1:").append(8000 + i).append("\": ").append(1 + rnd.nextInt(5)).append('\n');
        }
      }
      if (routes > 0) {
        yaml.append("routes:\n");
        for (int i = 0; i < routes; i++) {
          yaml.append("  - id: r").append(i).append("\n    uri: /r").append(i).append("/*\n    desc: ")
              .append(quote(odd[rnd.nextInt(odd.length)])).append("\n    labels: {k: ").append(quote(labels[rnd.nextInt(labels.length)]))
              .append("}\n    vars: [[\"arg_a\", \"==\", \"").append(i).append("\"]]\n    upstream:\n      nodes:\n        \"10.0.0.1:80\": 1\n");
        }
      }
      yaml.append("#END\n");
      FileContent content = FileContent.parse("apisix.yaml", FileContent.Format.YAML,
          yaml.toString().getBytes(StandardCharsets.UTF_8), "/apisix", types);
      String assembled = new String(content.render(FileContent.Format.YAML), StandardCharsets.UTF_8);
      com.fasterxml.jackson.databind.node.ObjectNode root = WHOLE.createObjectNode();
      content.entries().values().forEach(e -> {
        var list = root.get(e.type().path());
        (list == null ? root.putArray(e.type().path()) : (com.fasterxml.jackson.databind.node.ArrayNode) list).add(e.item());
      });
      assertThat(assembled).as("seed %d run %d:\n%s", seed, run, yaml).isEqualTo(WHOLE.writeValueAsString(root) + "#END\n");
      // and it reads back to the same items
      FileContent again = FileContent.parse("apisix.yaml", FileContent.Format.YAML, assembled.getBytes(StandardCharsets.UTF_8),
          "/apisix", types);
      assertThat(again.entries().keySet()).isEqualTo(content.entries().keySet());
    }
  }

  @Test
  void anEditInPlaceRendersTheNewContentAndARollbackRestoresTheOldOneOrderIncluded() throws Exception {
    Map<String, ResourceType<?>> types = new LinkedHashMap<>();
    StandardTypes.all().forEach(t -> types.put(t.path(), t));
    String yaml = "upstreams:\n  - id: u1\n    nodes:\n      \"127.0.0.1:80\": 1\nroutes:\n"
        + "  - id: r1\n    uri: /a\n    upstream_id: u1\n  - id: r2\n    uri: /b\n    upstream_id: u1\n#END\n";
    FileContent content = FileContent.parse("apisix.yaml", FileContent.Format.YAML, yaml.getBytes(StandardCharsets.UTF_8), "/apisix", types);
    byte[] before = content.render(FileContent.Format.YAML);
    java.util.List<io.dynconf.core.spi.Txn.Op> ops = io.dynconf.core.spi.Txn.builder()
        .put("/apisix/routes/r1", "{\"uri\":\"/c\",\"upstream_id\":\"u1\"}")
        .put("/apisix/routes/r3", "{\"uri\":\"/d\",\"upstream_id\":\"u1\"}")
        .put("/apisix/upstreams/u1", "{\"nodes\":{\"127.0.0.1:81\":1}}")
        .build().ops();
    Map<String, FileContent.Entry> prepared = new java.util.HashMap<>();
    for (var op : ops) {
      prepared.put(op.key(), content.prepare(op.key(), op.value()));
    }
    FileContent expected = content.with(ops, prepared); // the copying path
    FileContent.Edit edit = content.edit(ops, prepared);
    assertThat(edit.changed()).isTrue();
    assertThat(edit.next().render(FileContent.Format.YAML)).isEqualTo(expected.render(FileContent.Format.YAML));
    assertThat(edit.next().entries().keySet()).containsExactly("/apisix/upstreams/u1", "/apisix/routes/r1", "/apisix/routes/r2", "/apisix/routes/r3");
    edit.rollback();
    assertThat(content.render(FileContent.Format.YAML)).isEqualTo(before);
    assertThat(content.entries().keySet()).containsExactly("/apisix/upstreams/u1", "/apisix/routes/r1", "/apisix/routes/r2");

    java.util.List<io.dynconf.core.spi.Txn.Op> withDelete = io.dynconf.core.spi.Txn.builder()
        .delete("/apisix/routes/r2").put("/apisix/routes/r3", "{\"uri\":\"/d\",\"upstream_id\":\"u1\"}").build().ops();
    FileContent.Edit copy = content.edit(withDelete, Map.of("/apisix/routes/r3", prepared.get("/apisix/routes/r3")));
    assertThat(copy.next().entries().keySet()).containsExactly("/apisix/upstreams/u1", "/apisix/routes/r1", "/apisix/routes/r3");
    copy.rollback();
    assertThat(content.render(FileContent.Format.YAML)).isEqualTo(before);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
  }
}
