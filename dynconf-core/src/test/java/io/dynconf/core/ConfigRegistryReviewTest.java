package io.dynconf.core;

import static io.dynconf.core.TestTypes.UPSTREAMS;
import static io.dynconf.core.TestTypes.upstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceConnection;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Findings of the review of the registry's loops, status and health (each failed before its fix). */
class ConfigRegistryReviewTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemorySource source = new InMemorySource("/apisix");
  private ConfigRegistry registry;

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  /** Issue 13 leftover: status() said LIVE and nothing else while the source was cut off. */
  @Test
  void statusCarriesHealthSoItIsStaleWhileTheSourceIsCutOff() throws Exception {
    CuttableSource cuttable = new CuttableSource(source);
    registry = ConfigRegistry.builder(cuttable).types(List.of(UPSTREAMS)).staleAfter(Duration.ofMillis(300)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    source.put("/apisix/upstreams/u1", upstream("a"));
    await().atMost(WAIT).until(() -> registry.status().health().status() == Health.Status.UP);

    cuttable.cut.set(true);
    await().atMost(WAIT).until(() -> registry.status().health().status() == Health.Status.STALE);
    ConfigRegistry.Status cut = registry.status();
    System.out.println("cut off: " + cut);
    assertThat(cut.health().reason()).contains("not reached").contains("not connected").contains("cut off (test)");
    assertThat(cut.health().sourceConnected()).isFalse();
    assertThat(cut.toString()).contains("STALE");
    assertThat(registry.store(UPSTREAMS).get("u1")).as("the last good value serves").isNotNull();

    cuttable.cut.set(false);
    await().atMost(WAIT).until(() -> registry.status().health().status() == Health.Status.UP);
  }

  /**
   * A last-known-good file that cannot be written was only logged, and retried on every 50 ms idle
   * poll (a warning each time): status() said nothing was wrong.
   */
  @Test
  void aLastKnownGoodFileThatCannotBeWrittenIsReportedAndRetriedAtMostOnceASecond(@TempDir Path dir) throws Exception {
    Path blocker = dir.resolve("not-a-directory");
    Files.writeString(blocker, "a file where the last-known-good file's directory should be");
    Path lkg = blocker.resolve("lkg.json");
    Logger logger = (Logger) LoggerFactory.getLogger("io.dynconf.core");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    logger.setLevel(Level.WARN); // the tests' root level is ERROR
    try {
      registry = ConfigRegistry.builder(source).types(List.of(UPSTREAMS)).lastKnownGood(lkg).build().start();
      assertThat(registry.awaitReady(WAIT)).isTrue();
      source.put("/apisix/upstreams/u1", upstream("a"));
      await().atMost(WAIT).until(() -> registry.status().lastError() != null);
      assertThat(registry.status().lastError()).contains("cannot write the last-known-good file").contains(lkg.toString());

      long start = System.nanoTime();
      int before = warnings(logged);
      Thread.sleep(2000); // a span of time to count retries in, not a wait for an event
      int retries = warnings(logged) - before;
      long spanMillis = (System.nanoTime() - start) / 1_000_000;
      System.out.println("failed writes logged in " + spanMillis + " ms: " + retries);
      assertThat(retries).as("retries in %d ms", spanMillis).isLessThanOrEqualTo((int) (spanMillis / 1000) + 1);

      Files.delete(blocker);
      Files.createDirectories(blocker);
      await().atMost(WAIT).until(() -> Files.exists(lkg));
      await().atMost(WAIT).until(() -> registry.status().lastError() == null);
    } finally {
      logger.detachAppender(logged);
      logger.setLevel(null);
    }
  }

  private static int warnings(ListAppender<ILoggingEvent> logged) {
    synchronized (logged.list) {
      return (int) List.copyOf(logged.list).stream().filter(e -> e.getFormattedMessage().contains("cannot write the last-known-good file")).count();
    }
  }

  /** start() after close() started a thread that ended at once: awaitReady() then waited its whole timeout. */
  @Test
  void startAfterCloseIsRefused() {
    registry = ConfigRegistry.builder(source).types(List.of(UPSTREAMS)).build();
    registry.close();
    assertThatThrownBy(registry::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  /**
   * A source client that restores the interrupt flag after catching an interrupt (as blocking
   * clients do) left the apply thread to take it for close(): the loop ended, the registry said
   * CLOSED though nobody closed it, and nothing was applied any more, without an error logged.
   */
  @Test
  void aStrayInterruptOfTheApplyThreadIsReportedAndTheLoopGoesOn() throws Exception {
    AtomicBoolean interruptOnce = new AtomicBoolean();
    CuttableSource interrupting = new CuttableSource(source) {
      @Override
      public Listing list() {
        if (interruptOnce.getAndSet(false)) {
          Thread.currentThread().interrupt();
        }
        return super.list();
      }
    };
    Logger logger = (Logger) LoggerFactory.getLogger("io.dynconf.core");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    registry = ConfigRegistry.builder(interrupting).types(List.of(UPSTREAMS)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    interruptOnce.set(true);
    source.resetWatches("test: relist with a client that restores the interrupt flag");
    await().atMost(WAIT).until(() -> !interruptOnce.get());

    long rev = source.put("/apisix/upstreams/u1", upstream("a"));
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= rev || registry.status().state() == ConfigRegistry.State.CLOSED);
    System.out.println("after a stray interrupt: " + registry.status());
    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LIVE);
    assertThat(registry.store(UPSTREAMS).get("u1")).isNotNull();
    logger.detachAppender(logged);
    synchronized (logged.list) {
      assertThat(List.copyOf(logged.list)).anySatisfy(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.ERROR);
        assertThat(e.getFormattedMessage()).contains("interrupted, not by close()");
      });
    }
  }

  /** A source whose connection reports itself cut off (as etcd's does behind a cut proxy) while {@link #cut} is set. */
  private static class CuttableSource implements ConfigSource {
    final AtomicBoolean cut = new AtomicBoolean();
    private final ConfigSource delegate;
    private final Instant cutAt = Instant.now().minusSeconds(3600);

    CuttableSource(ConfigSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public SourceConnection connection() {
      return cut.get() ? new SourceConnection(false, cutAt, Duration.ofMillis(100), "cut off (test)") : SourceConnection.ALWAYS;
    }

    @Override
    public String prefix() {
      return delegate.prefix();
    }

    @Override
    public Listing list() {
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
