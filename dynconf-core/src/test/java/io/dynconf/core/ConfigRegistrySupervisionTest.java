package io.dynconf.core;

import static io.dynconf.core.TestTypes.UPSTREAMS;
import static io.dynconf.core.TestTypes.upstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's loops under their own failures (issue 13, item 1): each failure is injected, and
 * later changes must still be applied.
 */
class ConfigRegistrySupervisionTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemorySource source = new InMemorySource("/apisix");
  private final AtomicReference<Supplier<? extends Throwable>> checkerFails = new AtomicReference<>();
  private final ResourceType<ObjectNode> fragile = ResourceType.builder("fragile", ObjectNode.class)
      .checker(v -> {
        Supplier<? extends Throwable> f = checkerFails.get();
        if (f != null && v.path("fail").asBoolean()) {
          throw sneaky(f.get());
        }
      })
      .build();
  private ConfigRegistry registry;

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
    throw (E) t;
  }

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  private ConfigRegistry start(ConfigSource src) throws Exception {
    registry = ConfigRegistry.builder(src).types(List.of(fragile, UPSTREAMS)).backoff(Duration.ofMillis(10), Duration.ofMillis(100)).build();
    return registry;
  }

  private void awaitRevision(long revision) {
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= revision);
  }

  @Test
  void aListenerThrowingStackOverflowErrorIsReportedAndSkippedWhileOthersAndLaterUpdatesRun() throws Exception {
    start(source);
    AtomicInteger calls = new AtomicInteger();
    List<Long> seen = new CopyOnWriteArrayList<>();
    registry.addListener(u -> {
      if (calls.incrementAndGet() <= 2) {
        throw new StackOverflowError("route compiler recursed (test)");
      }
    });
    registry.addListener(u -> seen.add(u.current().revision()));
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();

    for (int i = 0; i < 5; i++) {
      long rev = source.put("/apisix/upstreams/u" + i, upstream("h" + i));
      await().atMost(WAIT).until(() -> !seen.isEmpty() && seen.get(seen.size() - 1) == rev);
    }

    assertThat(calls.get()).as("the failing listener is still called for later updates").isGreaterThanOrEqualTo(5);
    assertThat(registry.status().listenerFailures()).isEqualTo(2);
    assertThat(registry.status().lastListenerFailure()).contains("StackOverflowError").contains("route compiler recursed");
    assertThat(registry.health().listenerFailures()).isEqualTo(2);
    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LIVE);
  }

  @Test
  void aCheckerThrowingAnErrorIsARejectionNamingKeyRevisionAndCauseAndLaterChangesApply() throws Exception {
    checkerFails.set(() -> new StackOverflowError("deep recursion (test)"));
    start(source).start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    long good = source.put("/apisix/fragile/1", "{\"v\":1}");
    awaitRevision(good);

    long bad = source.put("/apisix/fragile/1", "{\"fail\":true}");
    awaitRevision(bad);
    Rejection r = registry.snapshot().rejections().get("/apisix/fragile/1");
    assertThat(r.modRevision()).isEqualTo(bad);
    assertThat(r.message()).contains("/apisix/fragile/1").contains("revision " + bad).contains("StackOverflowError").contains("deep recursion");
    assertThat(registry.store(fragile).get("1").path("v").asInt()).as("the last good value keeps serving").isEqualTo(1);

    checkerFails.set(() -> new AssertionError("checker bug (test)"));
    long bad2 = source.put("/apisix/fragile/2", "{\"fail\":true}");
    awaitRevision(bad2);
    assertThat(registry.snapshot().rejections().get("/apisix/fragile/2").message()).contains("AssertionError").contains("checker bug");

    awaitRevision(source.put("/apisix/fragile/1", "{\"v\":2}"));
    assertThat(registry.store(fragile).get("1").path("v").asInt()).isEqualTo(2);
    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LIVE);
  }

  @Test
  void outOfMemoryWhileCheckingIsNoRejectionButAResyncThatServesTheValue() throws Exception {
    start(source).start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    AtomicInteger thrown = new AtomicInteger();
    checkerFails.set(() -> {
      thrown.incrementAndGet();
      checkerFails.set(null); // once
      return new OutOfMemoryError("Java heap space (test)");
    });

    long rev = source.put("/apisix/fragile/1", "{\"fail\":true,\"v\":7}");

    await().atMost(WAIT).until(() -> registry.store(fragile).get("1") != null);
    assertThat(thrown.get()).isEqualTo(1);
    assertThat(registry.store(fragile).get("1").path("v").asInt()).isEqualTo(7);
    assertThat(registry.snapshot().rejections()).as("out of memory says nothing about the value").isEmpty();
    assertThat(registry.status().relists()).isGreaterThanOrEqualTo(1);
    await().atMost(WAIT).until(() -> registry.status().state() == ConfigRegistry.State.LIVE);
    assertThat(registry.snapshot().revision()).isGreaterThanOrEqualTo(rev);
    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));
  }

  @Test
  void aFailureThatKeepsComingIsFailedAndDownThenTheSupervisedLoopRecovers() throws Exception {
    start(source).start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    checkerFails.set(() -> new OutOfMemoryError("Java heap space (test)"));

    source.put("/apisix/fragile/1", "{\"fail\":true}");

    await().atMost(WAIT).until(() -> registry.status().state() == ConfigRegistry.State.FAILED);
    assertThat(registry.status().lastError()).contains("OutOfMemoryError");
    Health h = registry.health();
    assertThat(h.status()).isEqualTo(Health.Status.DOWN);
    assertThat(h.reason()).contains("OutOfMemoryError");

    checkerFails.set(null);
    await().atMost(WAIT).until(() -> registry.status().state() == ConfigRegistry.State.LIVE);
    assertThat(registry.store(fragile).get("1")).isNotNull();
    assertThat(registry.health().status()).isEqualTo(Health.Status.UP);
    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));
  }

  @Test
  void outOfMemoryHalfwayThroughABatchIsResyncedInFull() throws Exception {
    AtomicInteger oom = new AtomicInteger(1);
    ResourceType<ObjectNode> referring = ResourceType.builder("referring", ObjectNode.class)
        .references(java.util.Set.of("upstreams"), v -> { // runs after the batch was recorded, before publication
          if (v.path("oom").asBoolean() && oom.getAndDecrement() > 0) {
            throw new OutOfMemoryError("Java heap space (test)");
          }
          return List.of();
        })
        .build();
    registry = ConfigRegistry.builder(source).types(List.of(referring, UPSTREAMS)).backoff(Duration.ofMillis(10), Duration.ofMillis(100)).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();

    source.put("/apisix/referring/1", "{\"oom\":true}");

    await().atMost(WAIT).untilAsserted(() -> assertThat(registry.store(referring).get("1"))
        .as("%s %s %s", registry.status(), registry.snapshot().pending(), registry.internalSizes()).isNotNull());
    assertThat(oom.get()).isNegative();
    assertThat(registry.status().relists()).isGreaterThanOrEqualTo(1);
    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));
  }

  @Test
  void aRelistThatThrowsOnceDoesNotEndTheApplyThread() throws Exception {
    ThrowingListSource flaky = new ThrowingListSource(source);
    start(flaky).start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    flaky.throwOnce.set(new AssertionError("list blew up (test)"));

    source.resetWatches("test: relist please");

    await().atMost(WAIT).until(() -> flaky.throwOnce.get() == null);
    await().atMost(WAIT).until(() -> registry.status().state() == ConfigRegistry.State.LIVE);
    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));
    assertThat(registry.store(UPSTREAMS).get("u1")).isNotNull();
    awaitRevision(source.put("/apisix/upstreams/u2", upstream("b")));
    assertThat(registry.store(UPSTREAMS).size()).isEqualTo(2);
  }

  /** A source whose next list() throws the given error, once. */
  private static final class ThrowingListSource implements ConfigSource {
    final AtomicReference<Error> throwOnce = new AtomicReference<>();
    private final ConfigSource delegate;

    ThrowingListSource(ConfigSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public String prefix() {
      return delegate.prefix();
    }

    @Override
    public Listing list() {
      Error e = throwOnce.getAndSet(null);
      if (e != null) {
        throw e;
      }
      return delegate.list();
    }

    @Override
    public Watch watch(long fromRevision, WatchListener listener) {
      return delegate.watch(fromRevision, listener);
    }

    @Override
    public KeyValue get(String key) {
      return delegate.get(key);
    }

    @Override
    public TxnResult txn(Txn txn) {
      return delegate.txn(txn);
    }

    @Override
    public void close() {}
  }
}
