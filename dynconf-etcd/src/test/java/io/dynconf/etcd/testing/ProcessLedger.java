package io.dynconf.etcd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.io.Reader;
import java.io.Writer;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records every etcd process the test cluster starts, so that none outlives its test JVM.
 *
 * <p>Three layers: (1) each member runs under a small shell watchdog that kills it when the JVM's
 * end of its stdin pipe closes, which also happens when the JVM is killed with {@code SIGKILL};
 * (2) a shutdown hook closes every open cluster; (3) on the first start in a JVM, {@link
 * #sweepStale()} kills the processes that an earlier, dead JVM recorded here, and deletes their
 * data directories. The sweep only ever touches the PIDs recorded in this ledger, and only when
 * the process start time matches the recorded one (so a reused PID is never killed).
 */
final class ProcessLedger {
  /** Root of every data directory and of the ledger; override with {@code -Ddynconf.etcd.test.dir}. */
  static final Path BASE =
      Path.of(System.getProperty("dynconf.etcd.test.dir", System.getProperty("java.io.tmpdir") + "/dynconf-etcd-test"));

  private static final Path LEDGER = BASE.resolve("ledger");
  private static final ProcessHandle SELF = ProcessHandle.current();
  private static boolean swept;

  private ProcessLedger() {}

  /** Creates a fresh directory for one cluster under {@link #BASE}. */
  static Path newClusterDirectory() throws IOException {
    Files.createDirectories(BASE);
    return Files.createTempDirectory(BASE, "cluster-");
  }

  static synchronized void record(ProcessHandle process, Path clusterDirectory) throws IOException {
    Files.createDirectories(LEDGER);
    Properties p = new Properties();
    p.setProperty("owner", Long.toString(SELF.pid()));
    p.setProperty("ownerStart", startOf(SELF).map(Instant::toString).orElse(""));
    p.setProperty("pid", Long.toString(process.pid()));
    p.setProperty("start", startOf(process).map(Instant::toString).orElse(""));
    p.setProperty("dir", clusterDirectory.toAbsolutePath().toString());
    Path tmp = LEDGER.resolve(process.pid() + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp)) {
      p.store(w, "etcd started by a dynconf test JVM");
    }
    Files.move(tmp, LEDGER.resolve(process.pid() + ".rec"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static synchronized void forget(long pid) {
    try {
      Files.deleteIfExists(LEDGER.resolve(pid + ".rec"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills what dead JVMs left behind. Runs once per JVM, before the first cluster starts. */
  static synchronized void sweepStale() {
    if (swept) {
      return;
    }
    swept = true;
    sweep();
  }

  /** One pass over the ledger; returns how many stale processes it killed. */
  static synchronized int sweep() {
    if (!Files.isDirectory(LEDGER)) {
      return 0;
    }
    int killed = 0;
    try (DirectoryStream<Path> records = Files.newDirectoryStream(LEDGER, "*.rec")) {
      for (Path record : records) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(record)) {
          p.load(r);
        } catch (NoSuchFileException gone) {
          continue;
        }
        if (isAlive(p.getProperty("owner"), p.getProperty("ownerStart"))) {
          continue; // another live JVM (a parallel build) owns it
        }
        Optional<ProcessHandle> stale = matching(p.getProperty("pid"), p.getProperty("start"));
        if (stale.isPresent()) {
          stale.get().destroyForcibly();
          stale.get().onExit().get(10, TimeUnit.SECONDS);
          killed++;
        }
        String dir = p.getProperty("dir", "");
        if (!dir.isEmpty() && Path.of(dir).toAbsolutePath().startsWith(BASE.toAbsolutePath())) {
          deleteRecursively(Path.of(dir));
        }
        Files.deleteIfExists(record);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sweep the etcd test ledger " + LEDGER, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot sweep the etcd test ledger " + LEDGER, e);
    }
    return killed;
  }

  private static boolean isAlive(@Nullable String pid, @Nullable String start) {
    return matching(pid, start).isPresent();
  }

  private static Optional<ProcessHandle> matching(@Nullable String pid, @Nullable String start) {
    if (pid == null || pid.isEmpty()) {
      return Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(pid))
        .filter(ProcessHandle::isAlive)
        .filter(h -> start == null || start.isEmpty() || startOf(h).map(Instant::toString).orElse("").equals(start));
  }

  static Optional<Instant> startOf(ProcessHandle h) {
    return h.info().startInstant();
  }

  /** Deletes {@code root} and what it holds; on failure leaves it for the next run's sweep. */
  static void deleteOrLeaveForSweep(Path root) {
    try {
      deleteRecursively(root);
    } catch (IOException e) {
      // the sweep of a later run deletes it
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException exc) throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Waits for a process to end; true when it did within the timeout. */
  static boolean awaitExit(ProcessHandle h, Duration timeout) {
    try {
      h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return !h.isAlive();
    }
  }
}
