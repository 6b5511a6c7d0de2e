package io.dynconf.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last-known-good file and its journal: what a reader sees after appends, a torn append, and a crash between the two. */
class LastKnownGoodTest {
  private static KeyValue kv(String key, String value, long rev) {
    return KeyValue.of(key, value, rev, rev);
  }

  private static Map<String, @Nullable KeyValue> changes(Object... keysAndValues) {
    Map<String, @Nullable KeyValue> m = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], (KeyValue) keysAndValues[i + 1]);
    }
    return m;
  }

  private static Map<String, String> values(Listing l) {
    Map<String, String> m = new HashMap<>();
    l.kvs().forEach(kv -> m.put(kv.key(), kv.utf8()));
    return m;
  }

  @Test
  void appendsAreReplayedInOrderOnTheFile(@TempDir Path dir) throws Exception {
    LastKnownGood lkg = new LastKnownGood(dir.resolve("lkg.json"), "/apisix");
    assertThat(lkg.canAppend()).isFalse();
    lkg.write(10, List.of(kv("/apisix/routes/a", "A", 5), kv("/apisix/routes/b", "B", 10)));
    lkg.append(11, changes("/apisix/routes/c", kv("/apisix/routes/c", "C", 11)));
    lkg.append(13, changes("/apisix/routes/a", null, "/apisix/routes/b", kv("/apisix/routes/b", "B2", 13)));

    Listing read = new LastKnownGood(dir.resolve("lkg.json"), "/apisix").read().orElseThrow();
    assertThat(read.revision()).isEqualTo(13);
    assertThat(values(read)).isEqualTo(Map.of("/apisix/routes/b", "B2", "/apisix/routes/c", "C"));
    assertThat(lkg.journalBytes()).isEqualTo(Files.size(lkg.journalPath()));

    lkg.write(13, read.kvs()); // a full write starts a new generation and removes the journal
    assertThat(Files.exists(lkg.journalPath())).isFalse();
    assertThat(values(lkg.read().orElseThrow())).isEqualTo(values(read));
  }

  @Test
  void aTornLastLineIsDroppedAndTheLinesBeforeItKept(@TempDir Path dir) throws Exception {
    LastKnownGood lkg = new LastKnownGood(dir.resolve("lkg.json"), "/apisix");
    lkg.write(1, List.of(kv("/apisix/routes/a", "A", 1)));
    lkg.append(2, changes("/apisix/routes/b", kv("/apisix/routes/b", "B", 2)));
    long whole = Files.size(lkg.journalPath());
    lkg.append(3, changes("/apisix/routes/c", kv("/apisix/routes/c", "C", 3)));
    for (long cut : new long[] {whole + 1, Files.size(lkg.journalPath()) - 1}) { // the second append cut short anywhere
      byte[] bytes = Files.readAllBytes(lkg.journalPath());
      Path torn = dir.resolve("torn-" + cut);
      Files.createDirectories(torn);
      Files.copy(dir.resolve("lkg.json"), torn.resolve("lkg.json"));
      Files.write(torn.resolve("lkg.json.journal"), java.util.Arrays.copyOf(bytes, (int) cut));
      Listing read = new LastKnownGood(torn.resolve("lkg.json"), "/apisix").read().orElseThrow();
      assertThat(read.revision()).as("cut at %d", cut).isEqualTo(2);
      assertThat(values(read)).isEqualTo(Map.of("/apisix/routes/a", "A", "/apisix/routes/b", "B"));
    }
    Files.write(lkg.journalPath(), "{not json}\n".getBytes(), StandardOpenOption.TRUNCATE_EXISTING);
    assertThat(lkg.read().orElseThrow().revision()).as("an unreadable first line: the file alone").isEqualTo(1);
  }

  @Test
  void linesOfAnotherGenerationAreIgnored(@TempDir Path dir) throws Exception {
    LastKnownGood lkg = new LastKnownGood(dir.resolve("lkg.json"), "/apisix");
    lkg.write(1, List.of(kv("/apisix/routes/a", "A", 1)));
    lkg.append(2, changes("/apisix/routes/a", null));
    byte[] oldJournal = Files.readAllBytes(lkg.journalPath());
    lkg.write(3, List.of(kv("/apisix/routes/a", "A", 1), kv("/apisix/routes/z", "Z", 3)));
    Files.write(lkg.journalPath(), oldJournal); // a crash between the full write and the journal's removal
    lkg.append(4, changes("/apisix/routes/y", kv("/apisix/routes/y", "Y", 4))); // the new generation's line after the old one

    Listing read = lkg.read().orElseThrow();
    assertThat(read.revision()).isEqualTo(4);
    assertThat(values(read)).isEqualTo(Map.of("/apisix/routes/a", "A", "/apisix/routes/z", "Z", "/apisix/routes/y", "Y"));
  }

  @Test
  void aFailedWriteNeedsAFullWriteBeforeTheNextAppend(@TempDir Path dir) throws Exception {
    Path blocker = dir.resolve("not-a-directory");
    Files.writeString(blocker, "x");
    LastKnownGood lkg = new LastKnownGood(blocker.resolve("lkg.json"), "/apisix");
    assertThatThrownBy(() -> lkg.write(1, List.of())).isInstanceOf(UncheckedIOException.class).hasMessageContaining(blocker.toString());
    assertThat(lkg.canAppend()).isFalse();
    assertThatThrownBy(() -> lkg.append(2, changes())).isInstanceOf(IllegalStateException.class).hasMessageContaining("no full write");
  }
}
