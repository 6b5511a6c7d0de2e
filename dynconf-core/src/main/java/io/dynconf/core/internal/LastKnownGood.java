package io.dynconf.core.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last-known-good file: every accepted key-value with its revisions and the applied revision,
 * as JSON ({@code {"format":"dynconf-lkg/1","prefix":..,"revision":..,"generation":..,"kvs":[{"key",
 * "create_revision","mod_revision","value"}]}}). Written to a temporary file in the same directory,
 * forced to disk, then renamed over the old one, so a reader sees the old file or the new one, never
 * a torn one.
 *
 * <p>Changes after a full write are appended to a journal beside it ({@code <file>.journal}), one
 * JSON line per {@link #append}: {@code {"generation":..,"revision":..,"put":[kv..],"delete":[key..]}},
 * forced to disk. So a change costs what it changed, not the whole configuration (at 100,000 routes
 * a full write is ~15 MB). {@link #read()} replays the lines of the file's generation in order and
 * stops at the first line that is torn or unreadable (a crash in the middle of an append); lines of
 * another generation (an older file's, left by a crash between a full write and the journal's
 * removal) are ignored. The writer makes a full write again once the journal is larger than the file
 * ({@link #journalBytes()}), and after any failed write. Not thread-safe: one writer thread.
 */
public final class LastKnownGood {
  private static final Logger LOG = LoggerFactory.getLogger(LastKnownGood.class);
  private static final String FORMAT = "dynconf-lkg/1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private final Path path;
  private volatile @Nullable String readError;
  private final Path journal;
  private final String prefix;
  private long generation; // of the last full write by this instance; 0: none yet, appends need one first
  private long fileBytes;
  private long journalBytes;

  public LastKnownGood(Path path, String prefix) {
    this.path = path.toAbsolutePath();
    this.journal = this.path.resolveSibling(this.path.getFileName() + ".journal");
    this.prefix = prefix;
  }

  /** The journal of changes since the file's last full write. */
  public Path journalPath() {
    return journal;
  }

  /** True once this instance made a full write that {@link #append} can add to. */
  public boolean canAppend() {
    return generation != 0;
  }

  /** Bytes in the journal since the last full write. */
  public long journalBytes() {
    return journalBytes;
  }

  /** Bytes of the last full write. */
  public long fileBytes() {
    return fileBytes;
  }

  public Path path() {
    return path;
  }

  /**
   * Writes every value atomically, as a new generation, then removes the journal; the values are
   * sorted by key so that equal content gives an equal file. On failure nothing can be appended
   * until a full write succeeds.
   */
  public void write(long revision, Collection<KeyValue> kvs) {
    generation = 0;
    long next;
    do {
      next = ThreadLocalRandom.current().nextLong();
    } while (next == 0);
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
        g.writeNumberField("generation", next);
        g.writeArrayFieldStart("kvs");
        for (KeyValue kv : sorted) {
          writeKv(g, kv);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.flush();
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fileBytes = Files.size(path);
      Files.deleteIfExists(journal); // its lines are another generation's now: ignored if a crash leaves them
      journalBytes = 0;
      generation = next;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the last-known-good file " + path, e);
    }
  }

  private static void writeKv(JsonGenerator g, KeyValue kv) throws IOException {
    g.writeStartObject();
    g.writeStringField("key", kv.key());
    g.writeNumberField("create_revision", kv.createRevision());
    g.writeNumberField("mod_revision", kv.modRevision());
    g.writeStringField("value", new String(kv.valueUnsafe(), StandardCharsets.UTF_8));
    g.writeEndObject();
  }

  /**
   * Appends the changes since the last write (a key mapped to null was deleted), as of {@code
   * revision}, to the journal and forces it to disk. Needs a full {@link #write} by this instance
   * first ({@link #canAppend()}); after a failure, the next write must be a full one (a torn line
   * would hide every line after it).
   */
  public void append(long revision, Map<String, @Nullable KeyValue> changes) {
    if (generation == 0) {
      throw new IllegalStateException("no full write of " + path + " to append to");
    }
    long gen = generation;
    generation = 0; // until this append is known to be whole
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      try (JsonGenerator g = FACTORY.createGenerator(line, JsonEncoding.UTF8)) {
        g.writeStartObject();
        g.writeNumberField("generation", gen);
        g.writeNumberField("revision", revision);
        g.writeArrayFieldStart("put");
        for (@Nullable KeyValue kv : changes.values()) {
          if (kv != null) {
            writeKv(g, kv);
          }
        }
        g.writeEndArray();
        g.writeArrayFieldStart("delete");
        for (Map.Entry<String, @Nullable KeyValue> e : changes.entrySet()) {
          if (e.getValue() == null) {
            g.writeString(e.getKey());
          }
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      line.write('\n');
      try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        ByteBuffer b = ByteBuffer.wrap(line.toByteArray());
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(false);
      }
      journalBytes += line.size();
      generation = gen;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the last-known-good journal " + journal, e);
    }
  }

  /**
   * Why the last {@link #read()} found a file it could not use (the file and the reason), or null
   * when it could (or there was none).
   */
  public @Nullable String readError() {
    return readError;
  }

  private Optional<Listing> unusable(String reason) {
    readError = "the last-known-good file " + path + " cannot be used: " + reason;
    LOG.warn("dynconf: {}", readError);
    return Optional.empty();
  }

  /** The saved listing; empty when there is no file or it cannot be used (the reason is logged, and in {@link #readError()}). */
  public Optional<Listing> read() {
    readError = null;
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(path.toFile());
      if (!FORMAT.equals(root.path("format").asText())) {
        return unusable("not a " + FORMAT + " file");
      }
      if (!prefix.equals(root.path("prefix").asText())) {
        return unusable("it holds prefix " + root.path("prefix").asText() + ", not " + prefix);
      }
      Map<String, KeyValue> kvs = new LinkedHashMap<>();
      for (JsonNode kv : root.path("kvs")) {
        KeyValue v = kv(kv);
        kvs.put(v.key(), v);
      }
      long revision = root.path("revision").asLong();
      long gen = root.path("generation").asLong(0);
      if (gen != 0) {
        revision = replayJournal(gen, revision, kvs);
      }
      return Optional.of(new Listing(revision, new ArrayList<>(kvs.values())));
    } catch (IOException | RuntimeException e) {
      return unusable(e.toString());
    }
  }

  private static KeyValue kv(JsonNode kv) {
    return KeyValue.of(kv.path("key").asText(), kv.path("value").asText(), kv.path("create_revision").asLong(), kv.path("mod_revision").asLong());
  }

  /** Applies the journal's whole lines of generation {@code gen} to {@code kvs}; returns the revision reached. */
  private long replayJournal(long gen, long revision, Map<String, KeyValue> kvs) throws IOException {
    if (!Files.isRegularFile(journal)) {
      return revision;
    }
    byte[] all = Files.readAllBytes(journal);
    int start = 0;
    int lineNo = 0;
    while (start < all.length) {
      int end = start;
      while (end < all.length && all[end] != '\n') {
        end++;
      }
      lineNo++;
      if (end == all.length) {
        LOG.warn("dynconf: {}: line {} is torn (no newline: a write was cut short); the changes before it are kept", journal, lineNo);
        break;
      }
      JsonNode line;
      try {
        line = JSON.readTree(all, start, end - start);
      } catch (IOException | RuntimeException e) {
        LOG.warn("dynconf: {}: line {} cannot be read ({}); the changes before it are kept", journal, lineNo, e.toString());
        break;
      }
      start = end + 1;
      if (line == null || line.path("generation").asLong() != gen) {
        continue; // another generation's: a crash came between a full write and the journal's removal
      }
      for (JsonNode kv : line.path("put")) {
        KeyValue v = kv(kv);
        kvs.put(v.key(), v);
      }
      for (JsonNode k : line.path("delete")) {
        kvs.remove(k.asText());
      }
      revision = line.path("revision").asLong(revision); // the last line's: lower than the file's after etcd counted again from 1
    }
    return revision;
  }
}
