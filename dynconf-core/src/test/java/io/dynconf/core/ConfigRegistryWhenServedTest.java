package io.dynconf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** {@link ConfigRegistry#whenServed}: when a revision counts as served, told without polling. */
class ConfigRegistryWhenServedTest {
  private static final String UPSTREAM = "{\"nodes\":{\"127.0.0.1:80\":1}}";

  private static ConfigRegistry started(InMemorySource source) throws InterruptedException {
    ConfigRegistry registry = ConfigRegistry.builder(source).build();
    registry.start();
    assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
    return registry;
  }

  @Test
  void aWriteIsServedOnlyAfterEveryListenerSawItWhileOthersKeepComing() throws Exception {
    try (InMemorySource source = new InMemorySource(); ConfigRegistry registry = started(source)) {
      AtomicLong slowSeen = new AtomicLong();
      registry.addListener(u -> { // slower than the writes: the notifier always lags, updates merge
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        slowSeen.set(u.current().revision());
      });
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> churn = CompletableFuture.runAsync(() -> {
        for (int i = 0; !stop.get(); i++) {
          source.put("/apisix/upstreams/churn" + (i % 20), UPSTREAM);
          LockSupport.parkNanos(200_000);
        }
      });
      try {
        for (int i = 0; i < 20; i++) {
          long rev = source.put("/apisix/upstreams/mine", "{\"nodes\":{\"127.0.0.1:" + (8000 + i) + "\":1}}");
          AtomicLong seenWhenServed = new AtomicLong(-1);
          // a dependent stage runs on the thread that completes it: what the listener had seen by then
          registry.whenServed(rev).thenRun(() -> seenWhenServed.set(slowSeen.get())).get(5, TimeUnit.SECONDS);
          assertThat(seenWhenServed.get()).as("the listener had seen revision %d", rev).isGreaterThanOrEqualTo(rev);
          assertThat(registry.snapshot().revision()).isGreaterThanOrEqualTo(rev);
        }
      } finally {
        stop.set(true);
        churn.get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aRevisionServedAlreadyCompletesAtOnceAndAFutureOneWaitsForIt() throws Exception {
    try (InMemorySource source = new InMemorySource(); ConfigRegistry registry = started(source)) {
      long rev = source.put("/apisix/upstreams/1", UPSTREAM);
      registry.whenServed(rev).get(5, TimeUnit.SECONDS);
      assertThat(registry.whenServed(rev)).isCompleted();
      assertThat(registry.whenServed(1)).isCompleted();

      CompletableFuture<Void> next = registry.whenServed(rev + 1);
      assertThat(next).as("nothing was written at revision %d yet", rev + 1).isNotDone();
      source.put("/apisix/upstreams/2", UPSTREAM);
      next.get(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The rule itself, on snapshots of a real registry with the applied revision and the newest
   * snapshot under the test's control: a revision applied without a snapshot of its own (etcd's
   * progress past writes under other prefixes) is served once every published snapshot was seen.
   */
  @Test
  void aRevisionThatChangesNothingHeldIsServedOnceEverySnapshotWasSeen() throws Exception {
    try (InMemorySource source = new InMemorySource(); ConfigRegistry registry = started(source)) {
      long r2 = source.put("/apisix/upstreams/1", UPSTREAM);
      registry.whenServed(r2).get(5, TimeUnit.SECONDS);
      ConfigSnapshot a = registry.snapshot();
      long r3 = source.put("/apisix/upstreams/2", UPSTREAM);
      registry.whenServed(r3).get(5, TimeUnit.SECONDS);
      ConfigSnapshot b = registry.snapshot();
      assertThat(b.revision()).isGreaterThan(a.revision());

      AtomicLong applied = new AtomicLong(a.revision());
      java.util.concurrent.atomic.AtomicReference<ConfigSnapshot> current = new java.util.concurrent.atomic.AtomicReference<>(a);
      ServedWaiters waiters = new ServedWaiters(applied::get, current::get);
      assertThat(waiters.served(a.revision())).as("nothing delivered yet").isFalse();
      waiters.delivered(a);
      assertThat(waiters.served(a.revision())).isTrue();

      long far = b.revision() + 10;
      CompletableFuture<Void> f = waiters.await(far);
      assertThat(f).isNotDone();
      current.set(b); // b is published, not yet seen by the listeners
      applied.set(far); // the loop applied far, which published nothing of its own
      waiters.signal();
      assertThat(f).as("applied, but snapshot %d is not seen yet", b.revision()).isNotDone();
      waiters.delivered(b);
      assertThat(f).as("applied, and every published snapshot seen").isCompleted();
      assertThat(waiters.size()).isZero();
    }
  }

  @Test
  void pendingWaitsFailWhenTheRegistryClosesAndLaterOnesFailAtOnce() throws Exception {
    try (InMemorySource source = new InMemorySource()) {
      ConfigRegistry registry = started(source);
      CompletableFuture<Void> f = registry.whenServed(1_000);
      registry.close();
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("closed before revision 1000");
      assertThatThrownBy(() -> registry.whenServed(2_000).get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void waitsAreBoundedAndTimedOutOnesMakeRoom() throws Exception {
    try (InMemorySource source = new InMemorySource(); ConfigRegistry registry = started(source)) {
      List<CompletableFuture<Void>> waits = new ArrayList<>();
      for (int i = 0; i < ServedWaiters.MAX_WAITERS; i++) {
        waits.add(registry.whenServed(1_000_000 + i));
      }
      CompletableFuture<Void> over = registry.whenServed(5_000_000);
      assertThatThrownBy(() -> over.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RejectedExecutionException.class)
          .hasMessageContaining(ServedWaiters.MAX_WAITERS + " waits");
      waits.get(0).orTimeout(1, TimeUnit.MILLISECONDS);
      assertThatThrownBy(() -> waits.get(0).get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
      CompletableFuture<Void> room = registry.whenServed(5_000_000);
      assertThat(room).as("the timed-out wait was dropped to make room").isNotDone();
      assertThat(waits.stream().filter(CompletableFuture::isDone).count()).isEqualTo(1);
    }
  }
}
