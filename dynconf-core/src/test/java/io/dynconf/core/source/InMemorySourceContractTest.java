package io.dynconf.core.source;




import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.spi.WatchListener;
import io.dynconf.core.testing.ConfigSourceContract;
import io.dynconf.core.testing.RecordingListener;
import io.dynconf.core.spi.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class InMemorySourceContractTest extends ConfigSourceContract {
  @Override
  protected ConfigSource createSource() {
    return new InMemorySource();
  }

  @Override
  protected void forceReset(ConfigSource source) {
    ((InMemorySource) source).resetWatches("forced by the test");
  }

  @Override
  protected void compactTo(ConfigSource source, long revision) {
    ((InMemorySource) source).compact(revision);
  }

  @Override
  protected void redeliver(ConfigSource source, int n) {
    ((InMemorySource) source).redeliverLast(n);
  }

  private InMemorySource mem() {
    return (InMemorySource) source;
  }

  @Test
  void aFreshSourceIsAtRevisionOneLikeAFreshEtcd() {
    assertThat(source.list().revision()).isEqualTo(1);
    assertThat(source.list().kvs()).isEmpty();
    assertThat(source.put(route("a"), value(route("a"), 1))).isEqualTo(2);
  }

  @Test
  void eventsAreDeliveredOnTheWritersThreadBeforeTheWriteReturns() {
    List<Thread> threads = new ArrayList<>();
    List<ChangeEvent> seen = new ArrayList<>();
    source.watch(0, new WatchListener() {
      @Override
      public void onEvents(List<ChangeEvent> events) {
        threads.add(Thread.currentThread());
        seen.addAll(events);
        assertThat(source.get(events.get(0).key())).isNotNull(); // visible, and no lock held
      }

      @Override
      public void onReset(String reason) {}
    });
    long rev = source.put(route("a"), value(route("a"), 1));
    assertThat(threads).containsExactly(Thread.currentThread());
    assertThat(seen).extracting(ChangeEvent::modRevision).containsExactly(rev);
  }

  @Test
  void aListenerMayWriteFromItsCallbackAndOrderHolds() {
    RecordingListener rec = new RecordingListener();
    source.watch(0, new WatchListener() {
      @Override
      public void onEvents(List<ChangeEvent> events) {
        rec.onEvents(events);
        ChangeEvent e = events.get(0);
        if (e.key().equals(route("a"))) {
          source.put(route("b"), value(route("b"), 1)); // re-entrant write: queued, delivered after this call
        }
      }

      @Override
      public void onReset(String reason) {}
    });
    source.put(route("a"), value(route("a"), 1));
    assertThat(rec.events()).extracting(ChangeEvent::key).containsExactly(route("a"), route("b"));
    assertThat(rec.violations()).isEmpty();
  }

  @Test
  void wipeRemovesEverythingResetsTheRevisionAndResetsWatches() {
    source.put(route("a"), value(route("a"), 1));
    RecordingListener rec = new RecordingListener();
    source.watch(0, rec);

    mem().wipe();

    assertThat(rec.resets()).hasSize(1);
    assertThat(source.list().revision()).isEqualTo(1);
    assertThat(source.list().kvs()).isEmpty();
    assertThat(source.put(route("b"), value(route("b"), 1))).isEqualTo(2);
    assertThat(rec.events()).isEmpty();
  }

  @Test
  void historyBeyondTheLimitIsCompacted() {
    try (InMemorySource small = new InMemorySource("/apisix/", 3)) {
      assertThat(small.prefix()).isEqualTo("/apisix");
      for (int i = 0; i < 5; i++) {
        small.put(route("a"), value(route("a"), i)); // revisions 2..6; 4..6 retained
      }
      RecordingListener replay = new RecordingListener();
      small.watch(4, replay);
      assertThat(replay.events()).extracting(ChangeEvent::modRevision).containsExactly(4L, 5L, 6L);
      RecordingListener old = new RecordingListener();
      small.watch(3, old);
      assertThat(old.resets()).hasSize(1);
      assertThatThrownBy(() -> small.compact(7)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aClosedSourceRefusesCalls() {
    source.close();
    assertThatThrownBy(() -> source.list()).isInstanceOf(SourceException.class);
    assertThatThrownBy(() -> source.put(route("a"), "{}")).isInstanceOf(SourceException.class);
  }

  @Test
  void aWatchStartedUnderAFastWriterReturnsAndTheWriterWaitsForItsSlowListener() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong delivered = new AtomicLong();
    AtomicInteger writes = new AtomicInteger();
    List<String> violations = new CopyOnWriteArrayList<>();
    WatchListener fast = new WatchListener() {
      @Override
      public void onEvents(List<ChangeEvent> events) {
        delivered.set(events.get(events.size() - 1).modRevision());
      }

      @Override
      public void onReset(String reason) {
        violations.add("reset: " + reason);
      }
    };
    source.watch(0, fast);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int i = 0; !stop.get(); i++) {
        long rev = source.put(route("w" + (i % 7)), value(route("w" + (i % 7)), i));
        if (delivered.get() < rev) {
          violations.add("write at revision " + rev + " returned before its event was delivered");
        }
        writes.incrementAndGet();
        LockSupport.parkNanos(20_000); // still far faster than the slow listener below, yet slow enough that
        // a watch from 20 revisions back is not compacted away (10,000 kept) before it starts
      }
    });
    try {
      Awaitility.await().atMost(RecordingListener.TIMEOUT).until(() -> writes.get() >= 50);
      // A slow listener's watch, started under a writer far faster than it: without back-pressure
      // the watch's first drain (on this thread) would chase the writer for ever.
      AtomicLong second = new AtomicLong();
      WatchListener slow = new WatchListener() {
        @Override
        public void onEvents(List<ChangeEvent> events) {
          LockSupport.parkNanos(200_000); // a consumer far slower than an in-memory writer
          second.set(events.get(events.size() - 1).modRevision());
        }

        @Override
        public void onReset(String reason) {
          violations.add("reset of the late watch: " + reason);
        }
      };
      Watch late = assertTimeoutPreemptively(Duration.ofSeconds(10),
          () -> source.watch(source.list().revision() - 20, slow)); // some history to replay first
      int before = writes.get();
      Awaitility.await().atMost(RecordingListener.TIMEOUT).until(() -> writes.get() >= before + 50);
      stop.set(true);
      writer.get(10, TimeUnit.SECONDS);
      late.close();
      assertThat(violations).isEmpty();
      assertThat(delivered.get()).isEqualTo(source.list().revision());
      assertThat(second.get()).isEqualTo(source.list().revision()); // the writer waited for it too
    } finally {
      stop.set(true);
    }
  }
}
