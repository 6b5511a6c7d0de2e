package io.dynconf.core.source;

import io.dynconf.core.ResourceType;


import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.testing.ConfigSourceContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

class FileSourceContractTest extends ConfigSourceContract {
  @TempDir Path dir;

  @Override
  protected ConfigSource createSource() throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "");
    return FileSource.builder(file)
        .types(List.of(ResourceType.builder("routes", ObjectNode.class).build(), ResourceType.builder("upstreams", ObjectNode.class).build()))
        .pollInterval(Duration.ofMillis(50))
        .build();
  }

  // The file source has no stream to lose and no compaction of its own: the hooks act on the
  // in-memory store that holds its revisions and history, exactly as InMemorySource's controls do.

  @Override
  protected void forceReset(ConfigSource source) {
    ((FileSource) source).store().resetWatches("forced by the test");
  }

  @Override
  protected void compactTo(ConfigSource source, long revision) {
    ((FileSource) source).store().compact(revision);
  }

  @Override
  protected void redeliver(ConfigSource source, int n) {
    ((FileSource) source).store().redeliverLast(n);
  }
}
