package io.dynconf.examples.gateway.plugin.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * file-logger's writer ({@link LogFiles}) on real files, with an encoder the test controls: a
 * writer held up fills the bounded queue and the rest is dropped and counted without blocking the
 * caller; a writer that dies is replaced and its entry counted; close counts what still waited.
 */
class FileLoggerWriterTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;

  private static byte[] text(Object entry) {
    return entry.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The writer is stuck in its first entry: the queue takes MAX_PENDING_ENTRIES more, the next 100 are dropped at once. */
  @Test
  void aFullQueueDropsAndCountsWithoutBlocking() throws Exception {
    CountDownLatch inEncoder = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (LogFiles files = new LogFiles("test-full", entry -> {
      if (entry.equals("first")) {
        inEncoder.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new InterruptedIOException();
        }
      }
      return text(entry);
    })) {
      files.directory(dir);
      files.offer("full.log", "first", 10);
      assertThat(inEncoder.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      for (int i = 0; i < LogFiles.MAX_PENDING_ENTRIES + 100; i++) {
        files.offer("full.log", "e" + i, 10);
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("offer never waits for the writer").isLessThan(WAIT.toMillis());
      assertThat(files.counters()).containsEntry("dropped_entries_backlog_full", 100L).containsEntry("pending_entries",
          LogFiles.MAX_PENDING_ENTRIES + 1L);
      release.countDown();
      await().atMost(WAIT).until(() -> files.counters().get("sent_entries") == LogFiles.MAX_PENDING_ENTRIES + 1L);
      List<String> lines = Files.readAllLines(dir.resolve("full.log"));
      assertThat(lines).hasSize(LogFiles.MAX_PENDING_ENTRIES + 1).startsWith("first", "e0", "e1");
      assertThat(files.counters()).containsEntry("pending_entries", 0L).containsEntry("pending_bytes", 0L).containsEntry("dropped_entries", 100L);
    }
  }

  /** An Error ends the writer thread: its entry is counted as write_failed, a new writer takes over, nothing else is lost. */
  @Test
  void aDeadWriterIsReplacedAndCounted() throws Exception {
    try (LogFiles files = new LogFiles("test-die", entry -> {
      if (entry.equals("die")) {
        throw new AssertionError("the test ends the writer");
      }
      return text(entry);
    })) {
      files.directory(dir);
      files.offer("d.log", "a", 10);
      await().atMost(WAIT).until(() -> files.counters().get("sent_entries") == 1);
      files.offer("d.log", "die", 10);
      await().atMost(WAIT).until(() -> files.counters().get("writer_restarts") == 1);
      assertThat(files.counters()).containsEntry("dropped_entries_write_failed", 1L);
      files.offer("d.log", "b", 10);
      await().atMost(WAIT).until(() -> files.counters().get("sent_entries") == 2);
      assertThat(Files.readAllLines(dir.resolve("d.log"))).containsExactly("a", "b");
      assertThat(files.counters()).containsEntry("pending_entries", 0L).containsEntry("open_files", 1L);
    }
  }

  /** close() while the writer is stuck: the stuck entry fails, what waited is counted as closed, later offers too, the files are closed. */
  @Test
  void closeCountsWhatStillWaited() throws Exception {
    CountDownLatch inEncoder = new CountDownLatch(1);
    LogFiles files = new LogFiles("test-close", entry -> {
      if (entry.equals("stuck")) {
        inEncoder.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          throw new InterruptedIOException("closed");
        }
      }
      return text(entry);
    });
    files.directory(dir);
    files.offer("c.log", "a", 10);
    await().atMost(WAIT).until(() -> files.counters().get("open_files") == 1);
    files.offer("c.log", "stuck", 10);
    assertThat(inEncoder.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    files.offer("c.log", "b", 10);
    files.offer("c.log", "c", 10);
    files.close();
    files.offer("c.log", "late", 10);
    assertThat(files.counters()).containsEntry("sent_entries", 1L).containsEntry("dropped_entries_write_failed", 1L)
        .containsEntry("dropped_entries_closed", 3L).containsEntry("open_files", 0L).containsEntry("pending_entries", 0L);
    assertThat(Files.readAllLines(dir.resolve("c.log"))).containsExactly("a");
  }

  /** Entries without a path, or whose path the writer refuses, are counted, not written. */
  @Test
  void noPathAndRefusedPathsAreCounted() throws IOException {
    try (LogFiles files = new LogFiles("test-paths", FileLoggerWriterTest::text)) {
      files.directory(dir);
      files.offer(null, "x", 10);
      files.offer("../up.log", "y", 10);
      await().atMost(WAIT).until(() -> files.counters().get("dropped_entries_path_refused") == 1);
      assertThat(files.counters()).containsEntry("dropped_entries_no_path", 1L).containsEntry("sent_entries", 0L);
      assertThat(Files.exists(dir.resolveSibling("up.log"))).isFalse();
    }
  }
}
