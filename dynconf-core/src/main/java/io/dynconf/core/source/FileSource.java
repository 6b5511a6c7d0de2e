package io.dynconf.core.source;

import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;

import io.dynconf.core.apisix.StandardTypes;

import io.dynconf.core.internal.FileContent;
import io.dynconf.core.internal.FileContent.Format;
import io.dynconf.core.internal.MemStore;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConfigSource} over an APISIX standalone file: {@code apisix.yaml} (YAML, by the
 * extension {@code .yaml} or {@code .yml}) or {@code apisix.json} (JSON). The file is a mapping
 * from a type's key segment ({@code routes}, {@code upstreams}, {@code consumers}, {@code
 * plugin_metadata}, ...) to a list of objects, each with its id in the type's {@link
 * ResourceType#idField() id field} ({@code username} for consumers; {@code vault/1} for a type
 * with two {@link ResourceType#idSegments() id segments}); APISIX's trailing {@code #END} line is
 * allowed. Each item becomes key {@code <prefix>/<path>/<id>} with the item's compact JSON (fields
 * in the file's order) as value.
 *
 * <pre>{@code
 * FileSource source = FileSource.builder(Path.of("conf/apisix.yaml"))
 *     .types(List.of(ROUTES, UPSTREAMS))
 *     .build();
 * }</pre>
 *
 * <p><b>Revisions.</b> Synthetic, monotonic, in etcd's model: the empty source is at revision 0
 * and every load, reload or write that changes something is one transaction at the next revision.
 * So the first load of a non-empty file is revision 1 (every item created and modified at 1), and
 * a reload that changes three items is one revision holding three events, delivered in one batch.
 * A reload compares each item's compact JSON with what is held: unchanged items keep their
 * revisions, and a reload that changes nothing (comments, formatting, the order of items) produces
 * no event; reordering the fields of an item changes its value.
 * Revisions never go backwards, also across restarts: the source keeps a revision floor in {@code
 * .<file>.revision} next to the file (written, with fsync, before a revision passes it, in steps of
 * {@value #REVISION_STEP}), and starts above it; so an {@code ETag} from before a restart never
 * matches a value after it. In a directory it cannot write, revisions start over (with a warning).
 * Temporary files a killed writer left behind ({@code .<file>.*.tmp}) are removed at start.
 *
 * <p><b>Validation.</b> The whole file is validated before anything of it is applied: syntax,
 * top-level keys (only the configured types' paths), items (objects with a valid, unique id) and
 * {@link io.dynconf.core.internal.Pipeline#decode} of every item. Any failure rejects the reload as
 * a whole; the last good content keeps serving, the failure is logged once (per file content) and
 * {@link #lastError()} returns it, for example {@code apisix.yaml: routes[2] (id "r3"):
 * /methods/0: GETX is not a valid enum value}. When no content was ever loaded, {@link #list()}
 * and {@link #get} throw a {@link SourceException} with that message.
 *
 * <p><b>Reloading.</b> A {@link WatchService} on the parent directory triggers a check, and a
 * daemon thread checks every {@code pollInterval} (default 1 s) as well, so in-place edits, atomic
 * renames and symlink swaps (Kubernetes ConfigMaps) are all seen. A check compares size, mtime and
 * file key and, when those changed or are too recent to trust, reads the file and compares its
 * SHA-256 with the last content seen, so a file is parsed only when its bytes changed. {@link
 * #reload()} checks at once. Reload events are delivered on the checking thread.
 *
 * <p><b>Half-written files.</b> An editor that writes in place can be caught mid-write, and a
 * truncated YAML file may still parse. As APISIX does, the end marker guards against that: once
 * the loaded content ended with {@code #END} (this source's own YAML writes always do), content
 * without it is taken as incomplete and not applied (reported by {@link #lastError()}, not logged
 * as an error) until the marker is back. An empty file after non-empty content is also taken as
 * incomplete; to remove everything, write a file without items (for example just {@code #END}). A missing or
 * unreadable file is rejected like invalid content.
 *
 * <p><b>Writes.</b> {@link #txn} (and put, delete, compare-and-set) apply to the held content and
 * write the whole file back atomically (a temporary file in the same directory, fsync, atomic
 * rename, fsync of the directory), in the file's own format, keeping the order of items (new ones
 * at the end of their list; comments are not kept). Its events are delivered on the writer's
 * thread. The write's own file events are recognised by the content hash and cause no reload. A
 * value must be a JSON object; it is stored as compact JSON, with the type's id field inserted
 * first when absent (one whose id differs from the key is refused). Values are not validated: the
 * admin API validates before it writes. Keys outside the prefix, of no configured type or with an
 * invalid id are refused with {@link IllegalArgumentException}. Before writing, the file is
 * checked: an external change is loaded first; a write over a changed file that was rejected is
 * refused with a {@link SourceException} rather than overwriting someone's edit.
 *
 * <p><b>Threads.</b> Thread-safe. One lock orders loads and writes; reads ({@link #list}, {@link
 * #get}) take only the in-memory store's monitor. Listeners are called outside both, as {@link
 * InMemorySource} does. {@link #close()} stops the poll and watch threads (daemons) and every
 * watch.
 */
public final class FileSource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);
  /** A stat whose mtime is this close to the moment it was taken cannot prove the bytes unchanged. */
  private static final long RACY_MILLIS = 2_000;
  /** How long a file-system event waits for the writer to finish before the file is read. */
  private static final long SETTLE_MILLIS = 20;

  /** Why the file's current content was rejected, and when. */
  public record LoadError(Instant time, String message) {}

  private record Stat(long size, long mtimeMicros, @Nullable Object fileKey, long takenAtMillis) {
    boolean sameAs(Stat o) {
      return size == o.size && mtimeMicros == o.mtimeMicros && Objects.equals(fileKey, o.fileKey);
    }

    boolean trustworthy() {
      return takenAtMillis - mtimeMicros / 1000 > RACY_MILLIS;
    }
  }

  private final Path file;
  private final String fileName;
  private final Format format;
  private final String prefix;
  private final Clock clock;
  private final FileContent shape;
  private final MemStore store;
  private final ReentrantLock lock = new ReentrantLock();
  private final ScheduledExecutorService scheduler;
  private final @Nullable WatchService watcher;
  private final AtomicBoolean checkQueued = new AtomicBoolean();
  // guarded by lock
  private volatile @Nullable FileContent content;
  private @Nullable String appliedHash;
  private @Nullable String seenHash;
  /**
   * The bytes of this source's own last write, and the token standing for their hash in {@link
   * #seenHash} and {@link #appliedHash}: the check that follows each write (the directory event,
   * the poll) recognises the file by comparing bytes, so a write computes no digest and neither
   * does the check of an unchanged file.
   */
  private byte @Nullable [] writtenBytes;
  private @Nullable String writtenToken;
  private long writes;
  private @Nullable Stat seenStat;
  private boolean appliedHadEnd;
  private volatile @Nullable LoadError lastError;
  private volatile boolean closed;

  /** How far ahead of the current revision the persisted floor is moved at a time. */
  static final long REVISION_STEP = 1000;
  private final Path revisionFile;
  /** The persisted floor: revisions up to it may be used before it is moved again. */
  private long reservedRevision;

  private FileSource(Builder b, Map<String, ResourceType<?>> types) {
    this.file = b.file.toAbsolutePath();
    this.fileName = String.valueOf(file.getFileName());
    this.format = Format.of(fileName);
    this.prefix = ResourceKey.normalizePrefix(b.prefix);
    this.clock = b.clock;
    this.shape = FileContent.empty(prefix, types);
    this.revisionFile = Objects.requireNonNull(file.getParent()).resolve("." + fileName + ".revision");
    removeLeftoverTemporaryFiles();
    this.reservedRevision = readRevisionFloor();
    this.store = new MemStore(reservedRevision, b.historyLimit);
    lock.lock();
    try {
      refreshLocked(true);
    } finally {
      lock.unlock();
    }
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "dynconf-file-poll " + fileName));
    long poll = b.pollInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::check, poll, poll, TimeUnit.MILLISECONDS);
    this.watcher = b.watchFileSystem ? startWatcher() : null;
  }

  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** The file, as an absolute path. */
  public Path path() {
    return file;
  }

  @Override
  public String prefix() {
    return prefix;
  }

  /** @throws SourceException when no valid content was ever loaded (the message says why) */
  @Override
  public Listing list() {
    ensureLoaded();
    return store.list();
  }

  /**
   * Watches from {@code fromRevision} (inclusive; 0 means from the next change). Allowed before the
   * first successful load, whose items then arrive as events.
   */
  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return store.watch(fromRevision, listener);
  }

  /** True: reads answer from the in-memory store (the file is read only by loads, before the first one by the first read). */
  @Override
  public boolean readsFromMemory() {
    return true;
  }

  /** @throws SourceException when no valid content was ever loaded */
  @Override
  public @Nullable KeyValue get(String key) {
    ensureLoaded();
    return store.get(key);
  }

  /**
   * Applies {@code txn} and writes the file back; see the class documentation.
   *
   * @throws IllegalArgumentException for a key or value the file cannot hold
   * @throws SourceException when nothing valid was loaded, the file changed on disk to rejected
   *     content, the file cannot be written, or the source is closed
   */
  @Override
  public TxnResult txn(Txn txn) {
    Map<String, FileContent.Entry> prepared = new HashMap<>();
    Txn.Builder canonical = Txn.builder();
    for (Txn.Compare c : txn.compares()) {
      shape.typeOf(c.key());
      canonical.ifModRevision(c.key(), c.modRevision());
    }
    for (Txn.Unchanged u : txn.unchanged()) {
      canonical.ifUnchangedSince(u.keyPrefix(), u.revision());
    }
    for (Txn.Op op : txn.ops()) {
      byte[] value = op.value();
      if (value == null) {
        shape.typeOf(op.key());
        canonical.delete(op.key());
      } else {
        FileContent.Entry e = shape.prepare(op.key(), value);
        prepared.put(op.key(), e);
        canonical.put(op.key(), e.value());
      }
    }
    Txn write = canonical.build();
    try {
      lock.lock();
      try {
        if (closed) {
          throw new SourceException(fileName + ": the source is closed");
        }
        refreshLocked(false);
        LoadError error = lastError;
        if (content == null || error != null) {
          throw new SourceException(content == null
              ? "nothing valid was loaded from " + fileName + ", so nothing is written: " + (error == null ? "" : error.message())
              : fileName + " changed on disk to content that was rejected; not writing over it: " + (error == null ? "" : error.message()));
        }
        if (!store.holds(write)) {
          return new TxnResult(false, store.revision());
        }
        reserveRevision(true);
        FileContent.Edit edit = content.edit(write.ops(), prepared);
        if (edit.changed()) {
          FileContent next = edit.next();
          byte[] bytes;
          try {
            bytes = next.render(format);
            writeAtomically(bytes);
          } catch (RuntimeException | Error e) {
            edit.rollback(); // the file was not replaced: the held content stays what it was
            throw e;
          }
          writtenBytes = bytes;
          writtenToken = "written " + ++writes; // never a hex digest
          seenHash = appliedHash = writtenToken;
          appliedHadEnd = format == Format.YAML;
          seenStat = statOrNull();
          content = next;
        }
        return store.apply(write);
      } finally {
        lock.unlock();
      }
    } finally {
      store.deliver();
    }
  }

  /**
   * Reads the file now, whatever its size and mtime say, and applies it when its content changed.
   *
   * @return true when a change was applied; false when the content was unchanged or was rejected
   *     (then {@link #lastError()} says why)
   */
  public boolean reload() {
    if (closed) {
      throw new SourceException(fileName + ": the source is closed");
    }
    return check(true);
  }

  /**
   * Why the file's current content is not being served, or empty when it is. Set when a load is
   * rejected, cleared by the next successful one.
   */
  public Optional<LoadError> lastError() {
    return Optional.ofNullable(lastError);
  }

  /** Stops the poll and watch threads and ends every watch (without {@code onReset}). Idempotent. */
  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        LOG.debug("{}: closing the watch service failed", fileName, e);
      }
    }
    store.close();
  }

  @Override
  public String toString() {
    return "FileSource[" + file + " as " + prefix + "]";
  }

  /** The in-memory store, for the contract tests' fault hooks. */
  MemStore store() {
    return store;
  }

  private void ensureLoaded() {
    if (content == null && !closed) {
      check(false);
    }
    LoadError error = lastError;
    if (content == null) {
      throw new SourceException(closed ? fileName + ": the source is closed"
          : error != null ? error.message() : "nothing valid was loaded from " + fileName);
    }
  }

  private void check() {
    try {
      check(false);
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("{}: checking the file failed", fileName, e);
      }
    }
  }

  private boolean check(boolean force) {
    boolean changed;
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      changed = refreshLocked(force);
    } finally {
      lock.unlock();
    }
    store.deliver();
    return changed;
  }

  /** Reads the file when it may have changed, and applies or rejects it; true when a change was applied. */
  private boolean refreshLocked(boolean force) {
    Stat stat = null;
    byte[] bytes = null;
    String hash;
    String unreadable = null;
    try {
      stat = stat();
      if (!force && seenStat != null && stat.sameAs(seenStat) && seenStat.trustworthy()) {
        return false;
      }
      bytes = Files.readAllBytes(file);
      hash = writtenBytes != null && Arrays.equals(bytes, writtenBytes) ? Objects.requireNonNull(writtenToken) : sha256(bytes);
    } catch (NoSuchFileException e) {
      hash = "missing";
      unreadable = fileName + ": cannot read: the file does not exist";
    } catch (IOException e) {
      hash = "unreadable " + e;
      unreadable = fileName + ": cannot read: " + e;
    }
    seenStat = stat;
    if (hash.equals(seenHash)) {
      return false;
    }
    seenHash = hash;
    if (hash.equals(appliedHash)) {
      lastError = null; // back to the content being served
      return false;
    }
    if (bytes == null) {
      return reject(Objects.requireNonNull(unreadable));
    }
    FileContent held = content;
    boolean hasEnd = FileContent.hasEndMarker(bytes);
    if (held != null && (bytes.length == 0 && !held.isEmpty() || appliedHadEnd && !hasEnd)) {
      // a writer is still at work (truncated, or not yet at APISIX's end marker): wait for the rest
      lastError = new LoadError(clock.instant(), fileName + ": incomplete, not applied: "
          + (bytes.length == 0 ? "the file is empty" : "no #END line at the end, which the loaded version had")
          + "; waiting for the writer to finish");
      LOG.debug("{}", lastError);
      return false;
    }
    FileContent next;
    try {
      next = FileContent.parse(fileName, format, bytes, prefix, shape.types());
    } catch (FileContent.Invalid e) {
      return reject(String.valueOf(e.getMessage()));
    }
    FileContent before = content == null ? shape : content;
    Txn.Builder diff = next.diff(before);
    content = next;
    appliedHash = hash;
    appliedHadEnd = hasEnd;
    lastError = null;
    if (diff == null) {
      return false;
    }
    reserveRevision(false);
    long revision = store.apply(diff.build()).revision();
    LOG.info("{}: loaded at revision {}", fileName, revision);
    return true;
  }

  private boolean reject(String message) {
    lastError = new LoadError(clock.instant(), message);
    if (closed) {
      return false; // an interrupted read while closing
    }
    LOG.warn("{} ({})", message, content == null ? "nothing loaded yet" : "the last good content keeps serving");
    return false;
  }

  private Stat stat() throws IOException {
    long now = System.currentTimeMillis(); // wall clock, as file times are
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return new Stat(a.size(), a.lastModifiedTime().to(TimeUnit.MICROSECONDS), a.fileKey(), now);
  }

  private @Nullable Stat statOrNull() {
    try {
      return stat();
    } catch (IOException e) {
      return null;
    }
  }

  /** Deletes {@code .<file>.*.tmp}: what a writer killed between creating and renaming its temporary file left. */
  private void removeLeftoverTemporaryFiles() {
    Path dir = Objects.requireNonNull(file.getParent());
    try (java.nio.file.DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, "." + fileName + ".*.tmp")) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
        LOG.info("{}: removed {}, left by an interrupted write", fileName, p.getFileName());
      }
    } catch (IOException | java.nio.file.DirectoryIteratorException e) {
      LOG.warn("{}: cannot remove temporary files left by an interrupted write in {}: {}", fileName, dir, e.toString());
    }
  }

  private long readRevisionFloor() {
    try {
      String text = Files.readString(revisionFile, StandardCharsets.US_ASCII).trim();
      long floor = Long.parseLong(text);
      if (floor < 0) {
        throw new NumberFormatException("negative");
      }
      return floor;
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException | NumberFormatException e) {
      // unreadable or damaged: a floor far above any revision this source could have reached keeps them monotonic
      LOG.warn("{}: cannot read the revision floor {} ({}); revisions continue from a high one", fileName, revisionFile, e.toString());
      return System.currentTimeMillis() * 1000;
    }
  }

  /**
   * Before a revision is used: moves the persisted floor ahead when the next revision would pass it.
   * {@code forWrite}: a failure refuses the write (it would fail on the same directory anyway); for a
   * load it is logged and the load goes on.
   */
  private void reserveRevision(boolean forWrite) {
    long next = store.revision() + 1;
    if (next <= reservedRevision) {
      return;
    }
    long floor = next + REVISION_STEP;
    try {
      writeFileAtomically(revisionFile, "." + fileName + ".revision", (floor + "\n").getBytes(StandardCharsets.US_ASCII));
      reservedRevision = floor;
    } catch (SourceException e) {
      if (forWrite) {
        throw e;
      }
      LOG.warn("{}: cannot persist the revision floor ({}); after a restart revisions may start lower", fileName, e.getMessage());
      reservedRevision = floor; // warned once per step
    }
  }

  private void writeAtomically(byte[] bytes) {
    writeFileAtomically(file, fileName, bytes);
  }

  private void writeFileAtomically(Path target, String name, byte[] bytes) {
    Path dir = Objects.requireNonNull(target.getParent());
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + fileName + ".", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
      } catch (UnsupportedOperationException | IOException e) {
        // not POSIX, or the file is gone: keep the temporary file's permissions
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true); // the rename itself survives a crash
      } catch (IOException e) {
        LOG.debug("{}: cannot fsync directory {}", fileName, dir, e);
      }
    } catch (IOException e) {
      throw new SourceException(name + ": cannot write: " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          LOG.debug("{}: cannot remove {}", fileName, tmp, e);
        }
      }
    }
  }

  private @Nullable WatchService startWatcher() {
    try {
      Path dir = Objects.requireNonNull(file.getParent());
      WatchService ws = dir.getFileSystem().newWatchService();
      dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
      daemon(() -> watchLoop(ws), "dynconf-file-watch " + fileName).start();
      return ws;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("{}: cannot watch the directory, polling only: {}", fileName, e.toString());
      return null;
    }
  }

  private void watchLoop(WatchService ws) {
    try {
      while (!closed) {
        WatchKey key = ws.take();
        key.pollEvents();
        key.reset();
        if (checkQueued.compareAndSet(false, true)) {
          scheduler.schedule(() -> {
            checkQueued.set(false);
            check();
          }, SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException | RejectedExecutionException e) {
      // closed
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Configures a {@link FileSource}; the types default to {@link StandardTypes#all()}. */
  public static final class Builder {
    private final Path file;
    private String prefix = "/apisix";
    private List<ResourceType<?>> types = StandardTypes.all();
    private Duration pollInterval = Duration.ofSeconds(1);
    private Clock clock = Clock.systemUTC();
    private boolean watchFileSystem = true;
    private int historyLimit = InMemorySource.DEFAULT_HISTORY_LIMIT;

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file");
      Format.of(String.valueOf(file.getFileName()));
    }

    /** The key prefix (default {@code /apisix}). */
    public Builder prefix(String prefix) {
      this.prefix = ResourceKey.normalizePrefix(prefix);
      return this;
    }

    /**
     * The types the file may hold: their paths are the known top-level keys, their id fields and
     * id segments name the items, their pipelines validate them.
     */
    public Builder types(List<? extends ResourceType<?>> types) {
      this.types = List.copyOf(types);
      return this;
    }

    /** How often the file is checked besides file-system events (default 1 s). */
    public Builder pollInterval(Duration pollInterval) {
      if (pollInterval.isNegative() || pollInterval.isZero()) {
        throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
      }
      this.pollInterval = pollInterval;
      return this;
    }

    /** The clock of {@link LoadError#time()} (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Whether to watch the directory for changes (default true); polling always runs. */
    public Builder watchFileSystem(boolean watch) {
      this.watchFileSystem = watch;
      return this;
    }

    /** Revisions of events retained for watches from the past (default {@value InMemorySource#DEFAULT_HISTORY_LIMIT}). */
    public Builder historyLimit(int historyLimit) {
      if (historyLimit < 1) {
        throw new IllegalArgumentException("historyLimit must be positive, was " + historyLimit);
      }
      this.historyLimit = historyLimit;
      return this;
    }

    /**
     * Loads the file once and starts watching it. An invalid or missing file does not fail the
     * build: {@link FileSource#list()} fails until a valid file appears.
     */
    public FileSource build() {
      if (types.isEmpty()) {
        throw new IllegalArgumentException("a file source needs at least one resource type");
      }
      Map<String, ResourceType<?>> byPath = new LinkedHashMap<>();
      for (ResourceType<?> t : types) {
        if (byPath.putIfAbsent(t.routeKey(), t) != null) {
          throw new IllegalArgumentException("two resource types share the path " + t.routeKey());
        }
      }
      return new FileSource(this, byPath);
    }
  }
}
