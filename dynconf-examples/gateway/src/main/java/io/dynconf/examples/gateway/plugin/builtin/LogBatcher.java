package io.dynconf.examples.gateway.plugin.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APISIX's batch processor for one logger plugin (http-logger, syslog): each configured instance
 * of the plugin has a {@link Queue} its entries are buffered in; a buffer goes out as one batch
 * when it holds {@code batch_max_size} entries, when no entry came for {@code inactive_timeout}
 * seconds, or {@code buffer_duration} seconds after its first entry. A failed batch is sent again
 * after {@code retry_delay} seconds, at most {@code max_retry_count} times, then dropped.
 *
 * <p>Nothing here blocks the caller (an event loop) and nothing grows without bound:
 * <ul>
 *   <li>entries waiting (buffered, queued to send, being sent or awaiting a retry) are capped for the
 *       whole plugin, across its instances, at {@code max_pending_entries} (the plugin metadata's,
 *       APISIX's default 8192) and at {@link #MAX_PENDING_BYTES} of estimated size (bodies logged
 *       with {@code include_req_body} make entries large); an entry over either cap is dropped;</li>
 *   <li>batches are sent by {@link #SENDERS} threads of their own, through a queue of at most
 *       {@link #MAX_QUEUED_BATCHES} batches (a batch that finds it full is dropped); each send is
 *       bounded by the sender's own timeout;</li>
 *   <li>one timer thread runs the buffers' timeouts and the retries.</li>
 * </ul>
 * Every dropped entry is counted by reason ({@link #counters()}) and reported in a log line at most
 * once a second per plugin (a line per entry would flood the log during the outage that causes
 * them). Threads start with the first entry and end with {@link #close()}, which reports the
 * entries still waiting as dropped. Thread-safe.
 */
final class LogBatcher implements AutoCloseable {
  /** Sender threads per plugin. */
  static final int SENDERS = 2;
  /** Batches waiting for a sender, per plugin. */
  static final int MAX_QUEUED_BATCHES = 1024;
  /** The estimated size of the entries waiting, per plugin. */
  static final long MAX_PENDING_BYTES = 64L << 20;
  /** APISIX's default {@code max_pending_entries}. */
  static final int DEFAULT_MAX_PENDING_ENTRIES = 8192;

  private static final Logger LOG = LoggerFactory.getLogger(LogBatcher.class);

  /**
   * Sends one batch; throws with a message saying what failed (the batch is retried or dropped).
   * Returns how many of its entries could not be sent at all (too large for a datagram: dropped and
   * counted, not retried). Runs on a sender thread.
   */
  interface Sender {
    int send(List<Object> entries, int batchMaxSize) throws Exception;
  }

  /** The batch processor fields of APISIX's logger schemas. */
  record Settings(String name, int batchMaxSize, long inactiveTimeout, long bufferDuration, int maxRetryCount, long retryDelay) {}

  private record Entry(Object value, long size) {}

  private static final class Batch {
    final List<Entry> entries;
    int attempts;

    Batch(List<Entry> entries) {
      this.entries = entries;
    }

    long bytes() {
      long b = 0;
      for (Entry e : entries) {
        b += e.size();
      }
      return b;
    }
  }

  /** One configured instance's buffer (held by its compiled configuration; no thread of its own). */
  final class Queue {
    final Settings settings;
    final Sender sender;
    private List<Entry> buffer = new ArrayList<>();
    private long firstNanos;
    private long lastNanos;
    private boolean timerSet;

    Queue(Settings settings, Sender sender) {
      this.settings = settings;
      this.sender = sender;
    }

    /** Buffers {@code entry} ({@code size}: its estimated bytes), or drops and counts it; never blocks, never throws. */
    void offer(Object entry, long size) {
      LogBatcher.this.offer(this, new Entry(entry, size));
    }
  }

  private final String plugin;
  private volatile @Nullable ScheduledThreadPoolExecutor timer;
  private volatile @Nullable ThreadPoolExecutor senders;
  private volatile boolean closed;
  private volatile long maxPendingEntries = DEFAULT_MAX_PENDING_ENTRIES;

  private final AtomicLong pendingEntries = new AtomicLong();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder batchesSent = new LongAdder();
  private final LongAdder batchesFailed = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LogDrops dropped;
  private volatile @Nullable String lastError;
  private final ReportThrottle failures = new ReportThrottle();

  private static final String OVER_ENTRIES = "backlog_full";
  private static final String OVER_BYTES = "backlog_bytes_full";
  private static final String QUEUE_FULL = "send_queue_full";
  private static final String FAILED = "send_failed";
  private static final String CLOSED = "closed";
  private static final String TOO_LARGE = "too_large";

  LogBatcher(String plugin) {
    this.plugin = plugin;
    this.dropped = new LogDrops(plugin, List.of(OVER_ENTRIES, OVER_BYTES, QUEUE_FULL, FAILED, TOO_LARGE, CLOSED));
  }

  /** A buffer for one configured instance. */
  Queue queue(Settings settings, Sender sender) {
    return new Queue(settings, sender);
  }

  /** The plugin metadata's {@code max_pending_entries} (APISIX's default when it has none). */
  void maxPendingEntries(long max) {
    maxPendingEntries = max;
  }

  private void offer(Queue q, Entry e) {
    if (closed) {
      drop(1, CLOSED, null);
      return;
    }
    if (pendingEntries.incrementAndGet() > maxPendingEntries) {
      pendingEntries.decrementAndGet();
      drop(1, OVER_ENTRIES, null);
      return;
    }
    if (pendingBytes.addAndGet(e.size()) > MAX_PENDING_BYTES) {
      pendingBytes.addAndGet(-e.size());
      pendingEntries.decrementAndGet();
      drop(1, OVER_BYTES, null);
      return;
    }
    accepted.increment();
    Batch full = null;
    boolean schedule = false;
    long now = System.nanoTime();
    synchronized (q) {
      if (q.settings.batchMaxSize() == 1) {
        full = new Batch(List.of(e));
      } else {
        q.buffer.add(e);
        if (q.buffer.size() == 1) {
          q.firstNanos = now;
        }
        q.lastNanos = now;
        if (q.buffer.size() >= q.settings.batchMaxSize()) {
          full = new Batch(q.buffer);
          q.buffer = new ArrayList<>();
        } else if (!q.timerSet) {
          q.timerSet = true;
          schedule = true;
        }
      }
    }
    if (full != null) {
      submit(q, full);
    }
    if (schedule) {
      try {
        timer().schedule(() -> flushCheck(q), q.settings.inactiveTimeout(), TimeUnit.SECONDS);
      } catch (RejectedExecutionException closing) {
        // closed meanwhile: this entry is among the pending ones close() counted as dropped
      }
    }
  }

  /** The buffer's timer: sends it when it was inactive or old enough, else checks again when it may be. */
  private void flushCheck(Queue q) {
    try {
      Batch due = null;
      long delay = 0;
      long now = System.nanoTime();
      synchronized (q) {
        if (q.buffer.isEmpty()) {
          q.timerSet = false;
          return;
        }
        long inactiveAt = q.lastNanos + TimeUnit.SECONDS.toNanos(q.settings.inactiveTimeout());
        long oldAt = q.firstNanos + TimeUnit.SECONDS.toNanos(q.settings.bufferDuration());
        if (now >= inactiveAt || now >= oldAt) {
          due = new Batch(q.buffer);
          q.buffer = new ArrayList<>();
          q.timerSet = false;
        } else {
          delay = Math.min(inactiveAt, oldAt) - now;
        }
      }
      if (due != null) {
        submit(q, due);
      } else {
        timer().schedule(() -> flushCheck(q), delay, TimeUnit.NANOSECONDS);
      }
    } catch (RuntimeException | Error e) { // the timer thread must survive whatever happens here
      LOG.error("{}: buffer check failed", plugin, e);
    }
  }

  private void submit(Queue q, Batch batch) {
    try {
      senders().execute(() -> send(q, batch));
    } catch (RejectedExecutionException full) {
      if (!closed) { // once closed, close() counted every pending entry as dropped
        release(batch);
        drop(batch.entries.size(), QUEUE_FULL, null);
      }
    }
  }

  private void send(Queue q, Batch batch) {
    batch.attempts++;
    List<Object> values = new ArrayList<>(batch.entries.size());
    for (Entry e : batch.entries) {
      values.add(e.value());
    }
    try {
      int skipped = Math.max(0, Math.min(batch.entries.size(), q.sender.send(values, q.settings.batchMaxSize())));
      release(batch);
      sent.add(batch.entries.size() - skipped);
      batchesSent.increment();
      drop(skipped, TOO_LARGE, null);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (!closed) {
        release(batch);
        drop(batch.entries.size(), CLOSED, "interrupted while sending");
      }
      return;
    } catch (Exception | Error e) { // a sender thread survives any failure of a send
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      lastError = why;
      batchesFailed.increment();
      if (batch.attempts <= q.settings.maxRetryCount() && !closed) {
        retries.increment();
        long failed = failures.count(1);
        if (failed > 0) { // one line a second, not one per batch
          LOG.warn("Batch Processor[{}] of {} failed to send {} entries (attempt {} of {}), retrying in {} s: {} ({} failed sends in the last second)",
              q.settings.name(), plugin, batch.entries.size(), batch.attempts, q.settings.maxRetryCount() + 1, q.settings.retryDelay(), why,
              failed);
        }
        try {
          timer().schedule(() -> submit(q, batch), q.settings.retryDelay(), TimeUnit.SECONDS);
          return;
        } catch (RejectedExecutionException closing) {
          return; // close() counted these entries as dropped
        }
      }
      if (closed) {
        return; // close() counted these entries as dropped
      }
      release(batch);
      drop(batch.entries.size(), FAILED, "Batch Processor[" + q.settings.name() + "] gave up after " + batch.attempts
          + " attempt(s): " + why);
    }
  }

  private void release(Batch batch) {
    if (closed) {
      return; // close() zeroed the pending counts
    }
    pendingEntries.addAndGet(-batch.entries.size());
    pendingBytes.addAndGet(-batch.bytes());
  }

  private void drop(int n, String reason, @Nullable String detail) {
    dropped.drop(n, reason, detail, () -> "pending " + pendingEntries.get() + " of max " + maxPendingEntries + " entries, "
        + pendingBytes.get() + " bytes");
  }

  /** What operators see: entries accepted, sent, pending and dropped by reason, batches sent and failed, retries. */
  Map<String, Long> counters() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("accepted_entries", accepted.sum());
    out.put("sent_entries", sent.sum());
    out.put("pending_entries", pendingEntries.get());
    out.put("pending_bytes", pendingBytes.get());
    dropped.addTo(out);
    out.put("sent_batches", batchesSent.sum());
    out.put("failed_batches", batchesFailed.sum());
    out.put("retries", retries.sum());
    return out;
  }

  /** The last send failure's message, or null. */
  @Nullable String lastError() {
    return lastError;
  }

  private ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      start();
      t = timer;
      if (t == null) {
        throw new RejectedExecutionException("closed");
      }
    }
    return t;
  }

  private ThreadPoolExecutor senders() {
    ThreadPoolExecutor s = senders;
    if (s == null) {
      start();
      s = senders;
      if (s == null) {
        throw new RejectedExecutionException("closed");
      }
    }
    return s;
  }

  private synchronized void start() {
    if (closed || timer != null) {
      return;
    }
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "dynconf-" + plugin + "-timer"));
    t.setRemoveOnCancelPolicy(true);
    ThreadPoolExecutor s = new ThreadPoolExecutor(SENDERS, SENDERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_QUEUED_BATCHES),
        r -> daemon(r, "dynconf-" + plugin + "-send-" + n.incrementAndGet()), new ThreadPoolExecutor.AbortPolicy());
    s.allowCoreThreadTimeOut(true);
    senders = s;
    timer = t;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.setUncaughtExceptionHandler((th, e) -> LOG.error("{} ended by an uncaught failure", th.getName(), e));
    return t;
  }

  /** Runs {@code task} on the timer thread after {@code millis} (a sender's watchdog); null when closed. */
  java.util.concurrent.@Nullable ScheduledFuture<?> schedule(Runnable task, long millis) {
    try {
      return timer().schedule(task, millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      return null;
    }
  }

  /** Whether its threads run (they start with the first entry). */
  boolean started() {
    return timer != null;
  }

  /**
   * Stops the threads: sends in flight are interrupted, what still waits (buffered, queued, awaiting
   * a retry) is counted as dropped ({@code closed}) and reported in one line.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ScheduledThreadPoolExecutor t = timer;
    ThreadPoolExecutor s = senders;
    if (t != null) {
      t.shutdownNow();
    }
    if (s != null) {
      s.shutdownNow();
      try {
        s.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    long left = pendingEntries.getAndSet(0);
    pendingBytes.set(0);
    if (left > 0) {
      dropped.count(left, CLOSED);
      LOG.warn("{}: closing with {} log entries not sent (dropped); dropped in all: {}", plugin, left, dropped.counts());
    }
  }
}
