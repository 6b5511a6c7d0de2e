package io.dynconf.examples.gateway.plugin.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The loggers' batch processor under attack: thousands of configured instances, senders that fail
 * at random, senders that never return, entries too large. Whatever happens, every entry offered is
 * sent once or dropped and counted (never both, never lost), what waits stays under its caps, and
 * the threads stay three per plugin and end with {@code close()}.
 */
class LogBatcherTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static long threads(String plugin) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("dynconf-" + plugin + "-")).count();
  }

  /**
   * Random instances (batch sizes, retries), random send failures, four offering threads: every
   * entry is sent at most once, and sent plus dropped is what was offered. The seed is printed;
   * {@code -Ddynconf.seed=N} replays it (whether a send fails depends on the seed, its batch's first entry and the attempt; how entries fall into batches depends on timing).
   */
  @Test
  void everyEntryIsSentOnceOrDroppedAndCounted() throws Exception {
    long seed = Long.getLong("dynconf.seed", new java.security.SecureRandom().nextLong());
    System.out.println("LogBatcherTest: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    String plugin = "test-random-" + Long.toHexString(seed & 0xffffff);
    LogBatcher batcher = new LogBatcher(plugin);
    Set<Long> received = ConcurrentHashMap.newKeySet();
    AtomicLong duplicates = new AtomicLong();
    Map<Long, Integer> attempts = new ConcurrentHashMap<>();
    int failPercent = random.nextInt(60);
    int instances = 1 + random.nextInt(2000);
    List<LogBatcher.Queue> queues = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      LogBatcher.Settings s = new LogBatcher.Settings("q" + i, 1 + random.nextInt(50), 1, 1 + random.nextInt(2), random.nextInt(3), 0);
      queues.add(batcher.queue(s, (entries, max) -> {
        assertThat(entries.size()).isLessThanOrEqualTo(max);
        long first = (Long) entries.get(0);
        int attempt = attempts.merge(first, 1, Integer::sum);
        if (new Random(seed ^ (first * 31 + attempt)).nextInt(100) < failPercent) {
          throw new IOException("refused by the test (seed " + seed + ")");
        }
        for (Object e : entries) {
          if (!received.add((Long) e)) {
            duplicates.incrementAndGet();
          }
        }
        return 0;
      }));
    }
    int total = 1 + random.nextInt(20_000);
    long[] plan = new long[total];
    for (int i = 0; i < total; i++) {
      plan[i] = random.nextInt(instances);
    }
    List<Thread> offerers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int from = t;
      Thread th = new Thread(() -> {
        for (int i = from; i < total; i += 4) {
          queues.get((int) plan[i]).offer((long) i, 100);
        }
      });
      th.start();
      offerers.add(th);
    }
    for (Thread th : offerers) {
      th.join();
    }
    try {
      await().atMost(WAIT).until(() -> batcher.counters().get("pending_entries") == 0);
      Map<String, Long> c = batcher.counters();
      assertThat(duplicates.get()).as("seed %s: no entry sent twice", seed).isZero();
      assertThat(c.get("sent_entries")).as("seed %s", seed).isEqualTo(received.size());
      assertThat(c.get("sent_entries") + c.get("dropped_entries")).as("seed %s: %s", seed, c).isEqualTo(total);
      assertThat(c.get("accepted_entries") + c.get("dropped_entries_backlog_full") + c.get("dropped_entries_backlog_bytes_full"))
          .as("seed %s: %s", seed, c).isEqualTo(total);
      assertThat(threads(plugin)).as("one timer and at most two senders").isLessThanOrEqualTo(3);
    } finally {
      batcher.close();
    }
    await().atMost(WAIT).until(() -> threads(plugin) == 0);
  }

  /**
   * Ten thousand instances, a sender that never returns: the backlog stays at max_pending_entries
   * for the whole plugin, the rest is dropped at once, the offering thread never waits, and close()
   * ends the threads and counts what was left.
   */
  @Test
  void aSenderThatNeverReturnsBoundsTheBacklogNotTheCaller() throws Exception {
    String plugin = "test-stuck";
    LogBatcher batcher = new LogBatcher(plugin);
    batcher.maxPendingEntries(500);
    CountDownLatch never = new CountDownLatch(1);
    List<LogBatcher.Queue> queues = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      queues.add(batcher.queue(new LogBatcher.Settings("q" + i, 1 + i % 3, 1, 60, 5, 1), (entries, max) -> {
        never.await();
        return 0;
      }));
    }
    long slowest = 0;
    for (int i = 0; i < 50_000; i++) {
      long t0 = System.nanoTime();
      queues.get(i % queues.size()).offer((long) i, 200);
      slowest = Math.max(slowest, System.nanoTime() - t0);
    }
    Map<String, Long> c = batcher.counters();
    assertThat(c.get("pending_entries")).isLessThanOrEqualTo(500);
    assertThat(c.get("dropped_entries_backlog_full")).isGreaterThanOrEqualTo(49_500);
    assertThat(Duration.ofNanos(slowest)).as("an offer never waits for a sender").isLessThan(Duration.ofMillis(500));
    assertThat(threads(plugin)).isLessThanOrEqualTo(3);
    batcher.close();
    await().atMost(WAIT).until(() -> threads(plugin) == 0);
    Map<String, Long> after = batcher.counters();
    assertThat(after.get("pending_entries")).isZero();
    assertThat(after.get("sent_entries") + after.get("dropped_entries")).as("%s", after).isEqualTo(50_000);
    queues.get(0).offer(-1L, 1);
    assertThat(batcher.counters().get("dropped_entries_closed")).as("an entry after close is counted too").isGreaterThan(0);
  }

  /** Entries as large as a logged body: the estimated bytes waiting stay under the byte cap. */
  @Test
  void largeEntriesAreBoundedByBytes() {
    String plugin = "test-bytes";
    LogBatcher batcher = new LogBatcher(plugin);
    CountDownLatch never = new CountDownLatch(1);
    try {
      LogBatcher.Queue q = batcher.queue(new LogBatcher.Settings("q", 1000, 60, 60, 0, 1), (entries, max) -> {
        never.await();
        return 0;
      });
      for (int i = 0; i < 200; i++) {
        q.offer((long) i, 1 << 20);
      }
      Map<String, Long> c = batcher.counters();
      assertThat(c.get("pending_bytes")).isLessThanOrEqualTo(LogBatcher.MAX_PENDING_BYTES);
      assertThat(c.get("dropped_entries_backlog_bytes_full")).isEqualTo(200 - LogBatcher.MAX_PENDING_BYTES / (1 << 20));
    } finally {
      batcher.close();
    }
  }
}
