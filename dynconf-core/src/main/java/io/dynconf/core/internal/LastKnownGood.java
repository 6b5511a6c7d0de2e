package io.dynconf.core.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last-known-good file: every accepted key-value with its revisions and the applied revision,
 * as JSON ({@code {"format":"dynconf-lkg/1","prefix":..,"revision":..,"kvs":[{"key","create_revision",
 * "mod_revision","value"}]}}). Written to a temporary file in the same directory, forced to disk,
 * then renamed over the old one, so a reader sees the old file or the new one, never a torn one.
 */
public final class LastKnownGood {
  private static final Logger LOG = LoggerFactory.getLogger(LastKnownGood.class);
  private static final String FORMAT = "dynconf-lkg/1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private final Path path;
  private final String prefix;

  public LastKnownGood(Path path, String prefix) {
    this.path = path.toAbsolutePath();
    this.prefix = prefix;
  }

  public Path path() {
    return path;
  }

  /** Writes atomically; the values are sorted by key so that equal content gives an equal file. */
  public void write(long revision, Collection<KeyValue> kvs) {
    List<KeyValue> sorted = new ArrayList<>(kvs);
    sorted.sort((a, b) -> a.key().compareTo(b.key()));
    Path dir = path.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IllegalStateException("last-known-good file " + path + " has no directory");
    }
    Path tmp = dir.resolve(path.getFileName() + ".tmp");
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
          OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
          JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
        g.writeStartObject();
        g.writeStringField("format", FORMAT);
        g.writeStringField("prefix", prefix);
        g.writeNumberField("revision", revision);
        g.writeArrayFieldStart("kvs");
        for (KeyValue kv : sorted) {
          g.writeStartObject();
          g.writeStringField("key", kv.key());
          g.writeNumberField("create_revision", kv.createRevision());
          g.writeNumberField("mod_revision", kv.modRevision());
          g.writeStringField("value", new String(kv.valueUnsafe(), StandardCharsets.UTF_8));
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.flush();
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the last-known-good file " + path, e);
    }
  }

  /** The saved listing; empty when there is no file or it cannot be used (the reason is logged). */
  public Optional<Listing> read() {
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(path.toFile());
      if (!FORMAT.equals(root.path("format").asText())) {
        LOG.warn("dynconf: ignoring {}: not a {} file", path, FORMAT);
        return Optional.empty();
      }
      if (!prefix.equals(root.path("prefix").asText())) {
        LOG.warn("dynconf: ignoring {}: it holds prefix {}, not {}", path, root.path("prefix").asText(), prefix);
        return Optional.empty();
      }
      List<KeyValue> kvs = new ArrayList<>();
      for (JsonNode kv : root.path("kvs")) {
        kvs.add(KeyValue.of(kv.path("key").asText(), kv.path("value").asText(), kv.path("create_revision").asLong(), kv.path("mod_revision").asLong()));
      }
      return Optional.of(new Listing(root.path("revision").asLong(), kvs));
    } catch (IOException | RuntimeException e) {
      LOG.warn("dynconf: ignoring the last-known-good file {}: {}", path, e.toString());
      return Optional.empty();
    }
  }
}
