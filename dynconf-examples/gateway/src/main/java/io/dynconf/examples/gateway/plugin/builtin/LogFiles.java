package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * file-logger's writer: appends one line per entry to files under one directory, the log
 * directory, which the operator chooses and configurations cannot leave ({@link #inside}).
 *
 * <p>The log phase only queues: {@link #offer} never blocks and never throws. Entries wait in one
 * bounded queue ({@value #MAX_PENDING_ENTRIES} entries, {@value #MAX_PENDING_BYTES} estimated
 * bytes); an entry over either bound is dropped and counted. One writer thread drains the queue,
 * encodes each entry and appends each file's lines of a round in one write (a file opened with
 * {@code O_APPEND}, so lines from several gateways sharing a file do not interleave within a
 * line). Before a round's first write to a file it checks that the path still names the file it
 * has open (the same file key: device and inode); a file moved or deleted away (log rotation) is
 * closed and the path opened anew, which creates it. At most {@value #MAX_OPEN_FILES} files stay
 * open, the least recently written closed first.
 *
 * <p>Nothing fails silently: every entry is written ({@code sent_entries}) or dropped and counted
 * by reason (see {@link LogDrops}; {@code no_path}, {@code path_refused}, {@code write_failed}, the
 * backlog's and {@code closed}), reported at most once a second. The writer survives any exception
 * of one entry or file; an {@link Error} ends the thread, whose entries in hand are counted as
 * {@code write_failed}, and a new writer starts at once ({@code writer_restarts}). {@link #close()}
 * stops the writer, closes the files and counts what still waited as {@code closed}. Thread-safe.
 */
final class LogFiles implements AutoCloseable {
  /** Entries waiting to be written. */
  static final int MAX_PENDING_ENTRIES = 8192;
  /** The estimated size of the entries waiting. */
  static final long MAX_PENDING_BYTES = 64L << 20;
  /** Files kept open. */
  static final int MAX_OPEN_FILES = 64;
  /** Entries one round of the writer takes at most. */
  private static final int ROUND = 256;

  private static final Logger LOG = LoggerFactory.getLogger(LogFiles.class);

  private static final String BACKLOG_FULL = "backlog_full";
  private static final String BACKLOG_BYTES_FULL = "backlog_bytes_full";
  private static final String NO_PATH = "no_path";
  private static final String PATH_REFUSED = "path_refused";
  private static final String WRITE_FAILED = "write_failed";
  private static final String CLOSED = "closed";

  /** An entry's line, without its newline (JSON in the plugin); runs on the writer thread. */
  interface Encoder {
    byte[] encode(Object entry) throws IOException;
  }

  private record Pending(String path, Object entry, long size) {}

  /** An open file (writer thread only). */
  private static final class Open {
    final Path target;
    final FileChannel channel;
    final @Nullable Object key;
    long checkedRound;

    Open(Path target, FileChannel channel, @Nullable Object key, long round) {
      this.target = target;
      this.channel = channel;
      this.key = key;
      this.checkedRound = round;
    }

    /** Whether the path still names this file (false when it was moved or deleted away). */
    boolean current() throws IOException {
      if (key == null) {
        return true; // a file system without file keys: rotation is not seen
      }
      try {
        return key.equals(Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
      } catch (NoSuchFileException gone) {
        return false;
      }
    }
  }

  private final String plugin;
  private final Encoder encoder;
  private final ArrayBlockingQueue<Pending> queue = new ArrayBlockingQueue<>(MAX_PENDING_ENTRIES);
  private final AtomicLong pendingBytes = new AtomicLong();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder reopened = new LongAdder();
  private final LongAdder restarts = new LongAdder();
  private final LogDrops drops;
  private final ReportThrottle deaths = new ReportThrottle();
  private final Object lock = new Object();
  private volatile @Nullable Path dir;
  private volatile @Nullable Thread writer;
  private volatile boolean closed;
  /** Entries the writer took from the queue and has not yet counted as written or dropped. */
  private volatile int inHand;
  private volatile int openFiles;
  /** The writer's files by configured path; handed from a dead writer to the next one (Thread.start orders it). */
  private final LinkedHashMap<String, Open> open = new LinkedHashMap<>(16, 0.75f, true);
  private long round;

  LogFiles(String plugin, Encoder encoder) {
    this.plugin = plugin;
    this.encoder = encoder;
    this.drops = new LogDrops(plugin, List.of(BACKLOG_FULL, BACKLOG_BYTES_FULL, NO_PATH, PATH_REFUSED, WRITE_FAILED, CLOSED));
  }

  /** The log directory (absolute, normalised); until it is set, entries are dropped as {@code path_refused}. */
  void directory(Path directory) {
    dir = directory.toAbsolutePath().normalize();
  }

  @Nullable Path directory() {
    return dir;
  }

  /**
   * Where {@code path} (a configuration's, at {@code pointer}) writes: a relative path without
   * {@code ..} segments, naming a file (not the directory itself); with the directory known,
   * resolved in it, no existing part of it a symbolic link leading out of the directory, and the
   * file, when it exists, a regular file and not a symbolic link. Before the directory is known only
   * the spelling is checked, and the normalised relative path is returned.
   *
   * @throws InvalidConfigException naming {@code pointer} and what is wrong
   */
  static Path inside(@Nullable Path dir, String path, String pointer) {
    String why = "the file-logger writes only under the gateway's log directory (<data dir>/logs)";
    if (path.isEmpty()) {
      throw new InvalidConfigException(pointer, "must not be empty");
    }
    Path p;
    try {
      p = Path.of(path);
    } catch (InvalidPathException e) {
      throw new InvalidConfigException(pointer, "not a valid path: " + e.getReason());
    }
    if (p.isAbsolute()) {
      throw new InvalidConfigException(pointer, "must be relative: " + why + ", an absolute path is refused (got " + path + ")");
    }
    for (Path part : p) {
      if (part.toString().equals("..")) {
        throw new InvalidConfigException(pointer, "must not contain '..': " + why + " (got " + path + ")");
      }
    }
    Path relative = p.normalize();
    if (relative.toString().isEmpty()) {
      throw new InvalidConfigException(pointer, "names the log directory itself, not a file (got " + path + ")");
    }
    if (dir == null) {
      return relative;
    }
    Path target = dir.resolve(relative);
    try {
      Path realDir = dir.toRealPath();
      Path existing = target.getParent();
      while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      if (existing == null || !existing.toRealPath().startsWith(realDir)) {
        throw new InvalidConfigException(pointer, "leaves the log directory through a symbolic link"
            + (existing == null ? "" : " (" + dir.relativize(existing) + ")") + ": " + why + " (got " + path + ")");
      }
    } catch (IOException e) {
      throw new InvalidConfigException(pointer, "cannot be resolved in the log directory (" + e + "): " + why + " (got " + path + ")");
    }
    if (Files.isSymbolicLink(target)) {
      throw new InvalidConfigException(pointer, "is a symbolic link: " + why + ", to regular files (got " + path + ")");
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new InvalidConfigException(pointer, "is not a regular file (got " + path + ")");
    }
    return target;
  }

  /**
   * Queues {@code entry} for the file at {@code path} (relative to the log directory; null when
   * neither the configuration nor the metadata gives one), {@code size} its estimated bytes, or
   * drops and counts it. Never blocks, never throws (the log phase runs on an event loop).
   */
  void offer(@Nullable String path, Object entry, long size) {
    if (closed) {
      drop(1, CLOSED, null);
      return;
    }
    if (path == null) {
      drop(1, NO_PATH, "property \"path\" is not set in either the plugin conf or the metadata");
      return;
    }
    if (pendingBytes.addAndGet(size) > MAX_PENDING_BYTES) {
      pendingBytes.addAndGet(-size);
      drop(1, BACKLOG_BYTES_FULL, null);
      return;
    }
    if (!queue.offer(new Pending(path, entry, size))) {
      pendingBytes.addAndGet(-size);
      drop(1, BACKLOG_FULL, null);
      return;
    }
    accepted.increment();
    if (writer == null) {
      start(false);
    }
  }

  private void drop(long n, String reason, @Nullable String detail) {
    drops.drop(n, reason, detail, () -> "pending " + queue.size() + " of max " + MAX_PENDING_ENTRIES + " entries, " + pendingBytes.get() + " bytes");
  }

  private void start(boolean restart) {
    synchronized (lock) {
      if (closed || writer != null && !restart) {
        return;
      }
      if (restart) {
        restarts.increment();
      }
      Thread t = new Thread(this::run, "dynconf-" + plugin + "-writer");
      t.setDaemon(true);
      t.setUncaughtExceptionHandler(this::died);
      writer = t;
      t.start();
    }
  }

  /** The writer ended by an Error: its entries in hand are counted, and a new writer takes over the queue. */
  private void died(Thread t, Throwable e) {
    int lost = inHand;
    inHand = 0;
    if (deaths.count(1) > 0) {
      LOG.error("{}: the file writer {} ended ({} entries in hand dropped); a new writer starts", plugin, t.getName(), lost, e);
    }
    drop(lost, WRITE_FAILED, "the writer thread ended: " + e);
    start(true);
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(ROUND);
    while (!closed) {
      try {
        Pending first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, ROUND - 1);
      } catch (InterruptedException e) {
        return; // close()
      }
      inHand = batch.size();
      long bytes = 0;
      for (Pending p : batch) {
        bytes += p.size();
      }
      try {
        write(batch);
      } finally {
        pendingBytes.addAndGet(-bytes);
      }
      inHand = 0;
      batch.clear();
    }
  }

  /** One round: each file's lines in one write, in the order they came. */
  private void write(List<Pending> batch) {
    round++;
    Map<String, ByteArrayOutputStream> lines = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Pending p : batch) {
      byte[] line;
      try {
        line = encoder.encode(p.entry());
      } catch (IOException | RuntimeException e) {
        inHand--;
        drop(1, WRITE_FAILED, "cannot encode the entry: " + e.getMessage());
        continue;
      }
      ByteArrayOutputStream out = lines.computeIfAbsent(p.path(), k -> new ByteArrayOutputStream());
      out.write(line, 0, line.length);
      out.write('\n');
      counts.merge(p.path(), 1, Integer::sum);
    }
    for (Map.Entry<String, ByteArrayOutputStream> e : lines.entrySet()) {
      int n = Objects.requireNonNull(counts.get(e.getKey()));
      try {
        Open f = file(e.getKey());
        ByteBuffer buf = ByteBuffer.wrap(e.getValue().toByteArray());
        while (buf.hasRemaining()) {
          f.channel.write(buf);
        }
        written.add(n);
      } catch (InvalidConfigException refused) {
        drop(n, PATH_REFUSED, e.getKey() + ": " + refused.reason());
      } catch (IOException | RuntimeException failed) {
        close(e.getKey()); // opened again for the next line
        drop(n, WRITE_FAILED, e.getKey() + ": " + failed);
      }
      inHand -= n;
    }
  }

  /** The open file of {@code path}: checked for rotation once a round, opened (and its directories created) when needed. */
  private Open file(String path) throws IOException {
    Open f = open.get(path);
    if (f != null && f.checkedRound != round) {
      f.checkedRound = round;
      if (!f.current()) {
        close(path);
        reopened.increment();
        f = null;
      }
    }
    if (f != null) {
      return f;
    }
    Path d = dir;
    if (d == null) {
      throw new InvalidConfigException("/path", "no log directory yet");
    }
    Path target = inside(d, path, "/path");
    Path parent = target.getParent();
    if (parent != null && !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(parent);
      inside(d, path, "/path"); // nothing created on the way may lead out
    }
    FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    Object key;
    try {
      key = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    f = new Open(target, channel, key, round);
    open.put(path, f);
    if (open.size() > MAX_OPEN_FILES) {
      Iterator<Map.Entry<String, Open>> eldest = open.entrySet().iterator();
      closeQuietly(eldest.next().getValue());
      eldest.remove();
    }
    openFiles = open.size();
    return f;
  }

  private void close(String path) {
    Open f = open.remove(path);
    if (f != null) {
      closeQuietly(f);
    }
    openFiles = open.size();
  }

  private static void closeQuietly(Open f) {
    try {
      f.channel.close();
    } catch (IOException ignored) {
      // closing: what was written is written
    }
  }

  /** What operators see, named as the batched loggers' counters where they mean the same. */
  Map<String, Long> counters() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("accepted_entries", accepted.sum());
    out.put("sent_entries", written.sum());
    out.put("pending_entries", (long) queue.size() + inHand);
    out.put("pending_bytes", pendingBytes.get());
    drops.addTo(out);
    out.put("open_files", (long) openFiles);
    out.put("reopened_files", reopened.sum());
    out.put("writer_restarts", restarts.sum());
    return out;
  }

  /** Stops the writer (a write in progress finishes), closes the files, counts what still waited as dropped ({@code closed}). */
  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      t = writer;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (t == null || !t.isAlive()) { // the writer's files, now this thread's (join)
      open.values().forEach(LogFiles::closeQuietly);
      open.clear();
      openFiles = 0;
    }
    int left = queue.size();
    queue.clear();
    pendingBytes.set(0);
    if (left > 0) {
      drops.count(left, CLOSED);
      LOG.warn("{}: closing with {} log entries not written (dropped); dropped in all: {}", plugin, left, drops.counts());
    }
  }
}
