package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.dynconf.etcd.testing.EtcdMember;
import io.dynconf.etcd.testing.EtcdWriter;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcd source under real faults on a three-member cluster. Each test checks that the stores
 * keep serving the last good data during the fault, that after recovery they equal etcd's content
 * key by key (read linearizably) within 10 s, and that no store's version or revision ever moved
 * backwards.
 */
class EtcdFaultTest {
  private static final Duration CONVERGE = Duration.ofSeconds(10);
  /** How long one write may keep retrying after a fault (elections on a loaded 2-core box take seconds). */
  private static final Duration WRITE = Duration.ofSeconds(30);
  private static final Duration PROGRESS = Duration.ofMillis(500);

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(3).clearBetweenTests();

  private EtcdSource source;
  private ConfigRegistry registry;
  private EtcdWriter writer; // the test's own writer, straight to the members (no proxy)
  private final List<String> backwards = new CopyOnWriteArrayList<>();
  private volatile boolean etcdRevisionsMayGoBack; // only when the test wipes etcd

  @BeforeEach
  void setUp() throws Exception {
    writer = new EtcdWriter(() -> ETCD.cluster().directEndpoints(), WRITE);
    put("/apisix/upstreams/u1", "{\"nodes\":{\"127.0.0.1:80\":1}}");
    for (int i = 0; i < 5; i++) {
      put("/apisix/routes/r" + i, route(i, 0));
    }
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
    if (source != null) {
      source.close();
    }
    writer.close();
    assertThat(backwards).as("versions or revisions that moved backwards").isEmpty();
  }

  private void startRegistry(Path lastKnownGood) throws Exception {
    source = EtcdSource.builder()
        .endpoints(ETCD.cluster().endpoints())
        .progressInterval(PROGRESS)
        .requestTimeout(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
        .build();
    ConfigRegistry.Builder b = ConfigRegistry.builder(source).backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    if (lastKnownGood != null) {
      b.lastKnownGood(lastKnownGood);
    }
    registry = b.build();
    registry.addListener(u -> {
      for (ConfigStore<?> before : u.previous().stores()) {
        ConfigStore<?> after = u.current().store(before.type().name());
        if (after.version() < before.version() || (after.revision() < before.revision() && !etcdRevisionsMayGoBack)) {
          backwards.add(before.type().name() + " " + before.version() + "/" + before.revision() + " -> " + after.version() + "/" + after.revision());
        }
      }
    });
    registry.start();
  }

  private void startRegistry() throws Exception {
    startRegistry(null);
    assertThat(registry.awaitReady(CONVERGE)).isTrue();
    assertConverged();
  }

  @Test
  void killingAFollowerLosesNothing() throws Exception {
    startRegistry();
    EtcdMember follower = ETCD.cluster().followers().get(0);

    follower.kill();
    assertServing(5);
    for (int i = 0; i < 5; i++) {
      put("/apisix/routes/r" + i, route(i, 1));
    }
    put("/apisix/routes/r9", route(9, 1));

    assertConverged();
  }

  @Test
  void killingTheLeaderLosesNothing() throws Exception {
    startRegistry();

    ETCD.cluster().leader().kill();
    assertServing(5);
    put("/apisix/routes/r7", route(7, 1));
    delete("/apisix/routes/r0");

    assertConverged();
  }

  @Test
  void restartingEveryMemberLosesNothing() throws Exception {
    startRegistry();

    for (EtcdMember m : ETCD.cluster().members()) {
      m.stop();
    }
    assertServing(5); // etcd is gone: the last good data keeps serving
    ETCD.cluster().heal(); // starts every member again on its data
    put("/apisix/routes/r8", route(8, 1));

    assertConverged();
  }

  @Test
  void pausingTheMemberTheWatchUsesForTenSecondsLosesNothing() throws Exception {
    startRegistry();
    EtcdMember used = ETCD.cluster().members().stream().filter(m -> m.proxy().openConnections() > 0).findFirst().orElseThrow();

    used.pause();
    long pausedAt = System.nanoTime();
    assertServing(5);
    try (EtcdWriter other = new EtcdWriter(() -> ETCD.cluster().members().stream().filter(m -> m != used)
        .map(EtcdMember::directEndpoint).toList(), CONVERGE)) {
      other.put("/apisix/routes/r6", route(6, 1));
    }
    assertConverged(); // through another member, while this one is still paused
    assertThat(System.nanoTime() - pausedAt).isLessThan(TimeUnit.SECONDS.toNanos(10));
    await().atLeast(Duration.ZERO).atMost(Duration.ofSeconds(11)).until(() -> System.nanoTime() - pausedAt >= TimeUnit.SECONDS.toNanos(10));
    used.resume();

    put("/apisix/routes/r1", route(1, 2));
    assertConverged();
  }

  @Test
  void compactionPastTheWatcherWhileItIsCutOffEndsInARelist() throws Exception {
    startRegistry();
    int relists = registry.status().relists();

    ETCD.cluster().members().forEach(m -> m.proxy().drop()); // the source is cut off
    for (int i = 0; i < 5; i++) {
      put("/apisix/routes/r" + i, route(i, 3));
    }
    delete("/apisix/routes/r4");
    ETCD.cluster().compact();
    assertServing(5);
    ETCD.cluster().members().forEach(m -> m.proxy().pass());

    assertConverged();
    assertThat(registry.status().relists()).isGreaterThan(relists);
  }

  @Test
  void aWipedEtcdWithDifferentDataIsFollowedEvenThoughRevisionsWentBackwards() throws Exception {
    for (int i = 0; i < 30; i++) {
      put("/apisix/routes/r" + (i % 5), route(i % 5, i)); // push the revision up
    }
    startRegistry();

    etcdRevisionsMayGoBack = true; // a store's revision is etcd's: it follows etcd back; versions still only grow
    ETCD.cluster().wipe();
    writer.redial();
    put("/apisix/upstreams/u1", "{\"nodes\":{\"127.0.0.1:81\":1}}");
    put("/apisix/routes/x1", route(1, 100));

    assertConverged();
    assertThat(registry.store(StandardTypes.ROUTES).items()).extracting(ConfigItem::id).containsExactly("x1");
  }

  @Test
  void startsFromTheLastKnownGoodFileWhileEtcdIsDownThenCatchesUp(@TempDir Path dir) throws Exception {
    Path lkg = dir.resolve("lkg.json");
    startRegistry(lkg);
    assertThat(registry.awaitReady(CONVERGE)).isTrue();
    await().atMost(CONVERGE).until(() -> java.nio.file.Files.exists(lkg));
    registry.close();
    source.close();

    for (EtcdMember m : ETCD.cluster().members()) {
      m.stop();
    }
    startRegistry(lkg);
    assertThat(registry.awaitReady(CONVERGE)).isTrue();
    assertThat(registry.snapshot().fromLastKnownGood()).isTrue();
    assertServing(5);

    ETCD.cluster().heal();
    writer.redial();
    put("/apisix/routes/r5", route(5, 1));
    assertConverged();
    assertThat(registry.snapshot().fromLastKnownGood()).isFalse();
  }

  @Test
  void aSilentStreamIsDetectedWithinTwoProgressIntervalsAndRecovered() throws Exception {
    startRegistry();
    await().atMost(CONVERGE).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
    long reconnects = source.status().reconnects();

    ETCD.cluster().members().forEach(m -> m.proxy().blackhole());
    long start = System.nanoTime();
    await().atMost(CONVERGE).until(() -> source.status().reconnects() > reconnects);
    long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertServing(5);
    put("/apisix/routes/r3", route(3, 9));
    ETCD.cluster().members().forEach(m -> m.proxy().pass());

    // Detection: at most two progress intervals of silence, plus one supervisor period of slack.
    assertThat(detectedMillis).isLessThanOrEqualTo(2 * PROGRESS.toMillis() + PROGRESS.toMillis() / 4 + 250);
    assertConverged();
  }

  // ---- helpers

  private void assertServing(int routes) {
    assertThat(registry.store(StandardTypes.ROUTES).size()).isGreaterThanOrEqualTo(routes);
    assertThat(registry.store(StandardTypes.UPSTREAMS).get("u1")).isNotNull();
  }

  /** Within 10 s, every key under /apisix in etcd (read linearizably) equals the stores' content. */
  private void assertConverged() {
    await().atMost(CONVERGE).ignoreExceptions().untilAsserted(() -> {
      Map<String, Long> etcd = new TreeMap<>();
      for (io.etcd.jetcd.KeyValue kv : writer.client().getKVClient()
          .get(bytes("/apisix/"), GetOption.builder().isPrefix(true).build()).get(2, TimeUnit.SECONDS).getKvs()) {
        etcd.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getModRevision());
      }
      Map<String, Long> held = new TreeMap<>();
      ConfigSnapshot s = registry.snapshot();
      for (ConfigStore<?> store : s.stores()) {
        for (ConfigItem<?> item : store.items()) {
          held.put(item.key().toKey(), item.modRevision());
        }
      }
      assertThat(held).isEqualTo(etcd);
    });
  }

  private static String route(int i, int version) {
    return "{\"uri\":\"/r" + i + "/v" + version + "\",\"upstream_id\":\"u1\"}";
  }

  /** A put that retries: right after a fault, the member the writer reaches may still be catching up. */
  private void put(String key, String value) {
    writer.put(key, value);
  }

  private void delete(String key) {
    writer.delete(key);
  }


  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
