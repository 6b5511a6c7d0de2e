package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.Health;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.dynconf.etcd.testing.EtcdMember;
import io.dynconf.etcd.testing.EtcdWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's {@code health()} over a real etcd (issue 13, item 3), and last-known-good on
 * restart with an invalid value in etcd (item 7).
 */
class RegistryHealthEtcdTest {
  private static final Duration PROGRESS = Duration.ofMillis(500);
  private static final Duration THRESHOLD = PROGRESS.multipliedBy(2); // the default: twice the progress interval
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String UPSTREAM = "{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"roundrobin\"}";

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  private EtcdWriter writer;
  private EtcdSource source;
  private ConfigRegistry registry;

  @BeforeEach
  void setUp() {
    writer = new EtcdWriter(() -> ETCD.cluster().directEndpoints(), WAIT);
  }

  @AfterEach
  void tearDown() {
    closeRegistry();
    writer.close();
  }

  private void closeRegistry() {
    if (registry != null) {
      registry.close();
      registry = null;
    }
    if (source != null) {
      source.close();
      source = null;
    }
  }

  private ConfigRegistry start(Path lastKnownGood) throws Exception {
    return start(lastKnownGood, b -> {});
  }

  private ConfigRegistry start(Path lastKnownGood, java.util.function.Consumer<ConfigRegistry.Builder> customize) throws Exception {
    source = EtcdSource.builder()
        .endpoints(ETCD.cluster().endpoints())
        .progressInterval(PROGRESS)
        .requestTimeout(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
    ConfigRegistry.Builder b = ConfigRegistry.builder(source).backoff(Duration.ofMillis(50), Duration.ofMillis(500));
    if (lastKnownGood != null) {
      b.lastKnownGood(lastKnownGood);
    }
    customize.accept(b);
    registry = b.build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    return registry;
  }

  @Test
  void etcdStoppedIsStaleWithinTheThresholdAndUpAgainWhenItIsBack() throws Exception {
    writer.put("/apisix/upstreams/u1", UPSTREAM);
    start(null);
    await().atMost(WAIT).until(() -> registry.health().status() == Health.Status.UP);
    Health up = registry.health();
    assertThat(up.reason()).isNull();
    assertThat(up.sourceConnected()).isTrue();
    assertThat(up.lastContact()).isNotNull();

    EtcdMember member = ETCD.cluster().member(0);
    long stoppedAt = System.nanoTime();
    member.stop();

    // the threshold, plus the time to notice (the watch's progress interval) and a loaded machine's slack
    await().atMost(THRESHOLD.plus(PROGRESS).plusSeconds(2)).pollInterval(Duration.ofMillis(20))
        .until(() -> registry.health().status() == Health.Status.STALE);
    long staleMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
    Health stale = registry.health();
    System.out.println("etcd stopped -> STALE after " + staleMillis + " ms (threshold " + THRESHOLD.toMillis() + " ms): " + stale);
    assertThat(stale.reason()).contains("not reached");
    assertThat(stale.since()).isNotNull();
    assertThat(stale.serving()).isTrue();
    assertThat(registry.store(StandardTypes.UPSTREAMS).get("u1")).as("the last good configuration serves").isNotNull();
    assertThat(registry.status().health().status()).as("status carries the health: not all is well").isEqualTo(Health.Status.STALE);
    assertThat(registry.status().toString()).contains("STALE");
    assertThat(registry.status().state()).as("the apply loop itself is live").isEqualTo(ConfigRegistry.State.LIVE);

    long startedAt = System.nanoTime();
    member.start();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> registry.health().status() == Health.Status.UP);
    System.out.println("etcd restarted -> UP after " + (System.nanoTime() - startedAt) / 1_000_000 + " ms");
    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LIVE);
    writer.put("/apisix/upstreams/u2", UPSTREAM);
    await().atMost(WAIT).until(() -> registry.store(StandardTypes.UPSTREAMS).get("u2") != null);
  }

  /** A put straight to etcd; its revision. */
  private long putRevision(String key, String value) throws Exception {
    return writer.client().getKVClient().put(io.etcd.jetcd.ByteSequence.from(key, java.nio.charset.StandardCharsets.UTF_8), io.etcd.jetcd.ByteSequence.from(value, java.nio.charset.StandardCharsets.UTF_8))
        .get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).getHeader().getRevision();
  }

  /** A listener that blocks on one update: blocked until released. */
  private static final class BlockingListener implements ConfigRegistry.Listener {
    final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void onUpdate(io.dynconf.core.ConfigUpdate update) {
      if (update.current().store(StandardTypes.UPSTREAMS).get("blocks") != null && entered.getCount() > 0) {
        entered.countDown();
        try {
          release.await(); // a host's rebuild stuck on a lock, say
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * A listener stuck on an update (a host's route rebuild waiting on a lock, say): the listeners,
   * so the host's router, see no newer change, and {@code whenServed} waits never end. Health must
   * say so. Before: UP throughout, since etcd was reached and the apply thread applied.
   */
  @Test
  void aListenerStuckOnAnUpdateIsStaleNamingItAndUpOnceItReturns() throws Exception {
    writer.put("/apisix/upstreams/u1", UPSTREAM);
    start(null);
    BlockingListener listener = new BlockingListener();
    registry.addListener(listener);
    await().atMost(WAIT).until(() -> registry.health().status() == Health.Status.UP);

    long revision = putRevision("/apisix/upstreams/blocks", UPSTREAM);
    try {
      assertThat(listener.entered.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
      long blockedAt = System.nanoTime();
      await().atMost(THRESHOLD.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> registry.health().status() == Health.Status.STALE);
      Health stale = registry.health();
      System.out.println("listener blocked -> STALE after " + (System.nanoTime() - blockedAt) / 1_000_000 + " ms: " + stale);
      assertThat(stale.reason()).contains("listener").contains(BlockingListener.class.getName()).contains("revision " + revision);
      assertThat(registry.whenServed(revision)).isNotDone();
    } finally {
      listener.release.countDown();
    }
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> registry.health().status() == Health.Status.UP);
    registry.whenServed(revision).get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * The apply thread stuck in a resource type's own code (its references function): etcd is reached
   * and the watch delivers, but nothing is applied, so the snapshot falls behind. Health must say
   * so. Before: UP throughout.
   */
  @Test
  void anApplyThreadStuckInAResourceTypeIsStaleAndUpOnceItReturns() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    io.dynconf.core.ResourceType<com.fasterxml.jackson.databind.node.ObjectNode> things =
        io.dynconf.core.ResourceType.builder("things", com.fasterxml.jackson.databind.node.ObjectNode.class)
            .schema("{\"type\":\"object\"}")
            .references(java.util.Set.of(), v -> {
              if (v.has("blocks")) {
                entered.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return java.util.List.of();
            })
            .build();
    writer.put("/apisix/things/t1", "{}");
    start(null, b -> b.types(java.util.List.of(things)));
    await().atMost(WAIT).until(() -> registry.health().status() == Health.Status.UP);

    long revision = putRevision("/apisix/things/t2", "{\"blocks\":true}");
    try {
      assertThat(entered.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
      long blockedAt = System.nanoTime();
      await().atMost(THRESHOLD.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> registry.health().status() == Health.Status.STALE);
      Health stale = registry.health();
      System.out.println("apply thread blocked -> STALE after " + (System.nanoTime() - blockedAt) / 1_000_000 + " ms: " + stale);
      assertThat(stale.reason()).contains("apply thread").contains("revision " + revision);
    } finally {
      release.countDown();
    }
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> registry.health().status() == Health.Status.UP);
    assertThat(registry.store(things).get("t2")).isNotNull();
  }

  /**
   * A type's checker stuck on a value: it runs on the watch's thread, inside the watch loop's
   * monitor. health() is documented not to block; it must still answer, and say STALE once the
   * watch has been silent past the threshold. Before: health() (and the source's status()) waited
   * on that monitor for as long as the checker hung.
   */
  @Test
  void healthAnswersAtOnceWhileTheWatchThreadIsStuckInAChecker() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    io.dynconf.core.ResourceType<com.fasterxml.jackson.databind.node.ObjectNode> things =
        io.dynconf.core.ResourceType.builder("things", com.fasterxml.jackson.databind.node.ObjectNode.class)
            .schema("{\"type\":\"object\"}")
            .checker(v -> {
              if (v.has("blocks")) {
                entered.countDown();
                try {
                  release.await(); // a checker resolving a name, say, with no timeout
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            })
            .build();
    writer.put("/apisix/things/t1", "{}");
    start(null, b -> b.types(java.util.List.of(things)));
    await().atMost(WAIT).until(() -> registry.health().status() == Health.Status.UP);

    writer.put("/apisix/things/t2", "{\"blocks\":true}");
    java.util.concurrent.ExecutorService probe = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      assertThat(entered.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
      Health h = probe.submit(registry::health).get(2, java.util.concurrent.TimeUnit.SECONDS); // blocked here before
      assertThat(h).isNotNull();
      assertThat(probe.submit(source::status).get(2, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
      await().atMost(THRESHOLD.plus(PROGRESS).plusSeconds(3)).pollInterval(Duration.ofMillis(20))
          .until(() -> probe.submit(registry::health).get(2, java.util.concurrent.TimeUnit.SECONDS).status() == Health.Status.STALE);
      System.out.println("watch thread stuck in a checker: " + registry.health());
    } finally {
      release.countDown();
      probe.shutdownNow();
    }
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> registry.health().status() == Health.Status.UP);
    await().atMost(WAIT).until(() -> registry.store(things).get("t2") != null);
  }

  @Test
  void nothingLoadedIsDown() throws Exception {
    EtcdMember member = ETCD.cluster().member(0);
    member.stop();
    try {
      source = EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).progressInterval(PROGRESS)
          .requestTimeout(Duration.ofSeconds(2)).build();
      registry = ConfigRegistry.builder(source).backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build().start();
      await().atMost(WAIT).until(() -> registry.status().lastError() != null);
      Health h = registry.health();
      assertThat(h.status()).isEqualTo(Health.Status.DOWN);
      assertThat(h.reason()).contains("nothing loaded yet").contains("cannot list");
    } finally {
      member.start();
    }
    await().atMost(WAIT).until(() -> registry.health().status() == Health.Status.UP);
  }

  /**
   * etcd unreachable at the start and the last-known-good file unusable (cut short by a full disk,
   * say): nothing serves, and health must say why the file did not stand in, naming it and the
   * parser's reason, for as long as the listing keeps failing. Before: only a log line at start;
   * health said "cannot list" alone.
   */
  @Test
  void anUnusableLastKnownGoodFileIsNamedWithItsReasonInHealthWhileEtcdIsUnreachable(@TempDir Path dir) throws Exception {
    Path lkg = dir.resolve("lkg.json");
    Files.writeString(lkg, "{\"format\":\"dynconf-lkg/1\",\"kvs\":[{\"key\":");
    EtcdMember member = ETCD.cluster().member(0);
    member.stop();
    try {
      source = EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).progressInterval(PROGRESS)
          .requestTimeout(Duration.ofSeconds(1)).build();
      registry = ConfigRegistry.builder(source).backoff(Duration.ofMillis(50), Duration.ofMillis(200)).lastKnownGood(lkg).build().start();
      await().atMost(WAIT).untilAsserted(() -> {
        Health h = registry.health();
        assertThat(h.status()).isEqualTo(Health.Status.DOWN);
        assertThat(h.reason()).contains("cannot list").contains(lkg.toString()).contains("cannot be used").contains("Unexpected end-of-input");
      });
      // every later failed listing (one each backoff, at most 200 ms) still says it
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> assertThat(registry.health().reason()).contains(lkg.toString()));
      System.out.println("unusable last-known-good file: " + registry.health().reason());
    } finally {
      member.start();
    }
    await().atMost(WAIT).until(() -> registry.health().status() == Health.Status.UP);
    assertThat(registry.status().lastError()).isNull();
  }

  @Test
  void onRestartAnInvalidValueInEtcdServesTheLastKnownGoodValueOfTheSameIncarnation(@TempDir Path dir) throws Exception {
    Path lkg = dir.resolve("lkg.json");
    writer.put("/apisix/upstreams/kept", UPSTREAM);
    writer.put("/apisix/upstreams/recreated", UPSTREAM);
    start(lkg);
    await().atMost(WAIT).until(() -> Files.exists(lkg) && Files.readString(lkg).contains("/apisix/upstreams/recreated"));
    long keptRevision = registry.store(StandardTypes.UPSTREAMS).item("kept").modRevision();
    closeRegistry();

    // while the node is down: the same key gets an invalid value; the other one is deleted and created again, invalid
    writer.put("/apisix/upstreams/kept", "{\"nodes\":\"not an object\"}");
    writer.delete("/apisix/upstreams/recreated");
    writer.put("/apisix/upstreams/recreated", "{\"nodes\":\"not an object\"}");

    start(lkg);

    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LIVE);
    assertThat(registry.store(StandardTypes.UPSTREAMS).item("kept").modRevision())
        .as("the file's valid value of the same incarnation serves").isEqualTo(keptRevision);
    assertThat(registry.snapshot().rejections()).containsKeys("/apisix/upstreams/kept", "/apisix/upstreams/recreated");
    assertThat(registry.store(StandardTypes.UPSTREAMS).get("recreated")).as("another incarnation: not served").isNull();
    // the file keeps the good value (written again after the start), and drops the other incarnation's
    writer.put("/apisix/upstreams/marker", UPSTREAM);
    await().atMost(WAIT).until(() -> Files.readString(lkg).contains("/apisix/upstreams/marker"));
    String file = Files.readString(lkg);
    assertThat(file).contains("/apisix/upstreams/kept").doesNotContain("/apisix/upstreams/recreated");

    closeRegistry();
    start(lkg); // and again: still served from the file
    assertThat(registry.store(StandardTypes.UPSTREAMS).item("kept").modRevision()).isEqualTo(keptRevision);
  }
}
