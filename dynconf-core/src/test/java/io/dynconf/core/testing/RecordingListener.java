package io.dynconf.core.testing;

import static org.awaitility.Awaitility.await;

import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link WatchListener} that records every batch and reset, and fails loudly (in {@link
 * #violations()}) when a source calls it from two threads at once. Thread-safe; the await methods
 * poll with Awaitility up to {@link #TIMEOUT}.
 */
public final class RecordingListener implements WatchListener {
  /** How long the await methods wait. */
  public static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final List<List<ChangeEvent>> batches = new CopyOnWriteArrayList<>();
  private final List<String> resets = new CopyOnWriteArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final AtomicInteger inCall = new AtomicInteger();

  @Override
  public void onEvents(List<ChangeEvent> events) {
    enter();
    try {
      if (events.isEmpty()) {
        violations.add("an empty batch");
      }
      batches.add(List.copyOf(events));
    } finally {
      inCall.decrementAndGet();
    }
  }

  @Override
  public void onReset(String reason) {
    enter();
    try {
      resets.add(reason);
    } finally {
      inCall.decrementAndGet();
    }
  }

  private void enter() {
    if (inCall.incrementAndGet() != 1) {
      violations.add("called from two threads at once");
    }
  }

  /** Every batch, in delivery order. */
  public List<List<ChangeEvent>> batches() {
    return List.copyOf(batches);
  }

  /** Every event, flattened, in delivery order. */
  public List<ChangeEvent> events() {
    List<ChangeEvent> all = new ArrayList<>();
    batches.forEach(all::addAll);
    return all;
  }

  public List<String> resets() {
    return List.copyOf(resets);
  }

  /** Contract breaches seen by the listener itself (concurrent calls, empty batches). */
  public List<String> violations() {
    return List.copyOf(violations);
  }

  /** The highest mod revision delivered so far, 0 before any. */
  public long lastRevision() {
    return events().stream().mapToLong(ChangeEvent::modRevision).max().orElse(0);
  }

  /** Waits until an event at {@code revision} or later has arrived. */
  public RecordingListener awaitRevision(long revision) {
    await("an event at revision " + revision + " or later").atMost(TIMEOUT).pollInterval(Duration.ofMillis(2))
        .until(() -> lastRevision() >= revision);
    return this;
  }

  /** Waits until at least {@code n} events have arrived. */
  public RecordingListener awaitEvents(int n) {
    await(n + " events").atMost(TIMEOUT).pollInterval(Duration.ofMillis(2)).until(() -> events().size() >= n);
    return this;
  }

  /** Waits for {@code onReset} and returns its reason. */
  public String awaitReset() {
    await("onReset").atMost(TIMEOUT).pollInterval(Duration.ofMillis(2)).until(() -> !resets.isEmpty());
    return resets.get(0);
  }
}
