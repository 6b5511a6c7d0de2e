package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.dynconf.etcd.testing.EtcdWriter;
import io.dynconf.etcd.testing.TcpProxy;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd source under its own failures (issue 13): a client that cannot be built, etcd down at
 * start, a compaction that would otherwise lose the last good value. The source reaches etcd
 * through the member's proxy; the test writes straight to the member.
 */
class EtcdSourceSupervisionTest {
  private static final Duration PROGRESS = Duration.ofMillis(300);
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String UPSTREAM = "{\"nodes\":{\"127.0.0.1:80\":1}}";

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  private EtcdWriter writer;

  @BeforeEach
  void setUp() {
    writer = new EtcdWriter(() -> ETCD.cluster().directEndpoints(), WAIT);
    writer.put("/apisix/upstreams/u1", UPSTREAM);
  }

  @AfterEach
  void tearDown() {
    writer.close();
  }

  private static EtcdSource.Builder source() {
    return EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).progressInterval(PROGRESS)
        .requestTimeout(Duration.ofSeconds(2)).backoff(Duration.ofMillis(20), Duration.ofMillis(300));
  }

  private static ConfigRegistry registry(EtcdSource source) {
    return ConfigRegistry.builder(source).backoff(Duration.ofMillis(20), Duration.ofMillis(300)).build();
  }

  private static TcpProxy proxy() {
    return ETCD.cluster().member(0).proxy();
  }

  @Test
  void aClientThatCannotBeBuiltIsRetriedWithBackoffShownInTheStatusAndTheSupervisorKeepsWatching() throws Exception {
    AtomicInteger failNext = new AtomicInteger();
    AtomicInteger builds = new AtomicInteger();
    try (EtcdSource source = source().clientFactory(real -> () -> {
          builds.incrementAndGet();
          if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("injected: cannot build an etcd client");
          }
          return real.get();
        }).build();
        ConfigRegistry registry = registry(source).start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);

      failNext.set(4);
      proxy().blackhole(); // silent: the supervisor declares the stream dead and asks for a fresh client
      await().atMost(WAIT).untilAsserted(() -> {
        EtcdStatus s = source.status();
        assertThat(s.state()).isEqualTo(EtcdStatus.State.RECONNECTING);
        assertThat(s.lastError()).contains("cannot build a new etcd client").contains("injected");
      });
      await().atMost(WAIT).until(() -> failNext.get() == 0); // every failure was retried, none ended the loop
      proxy().pass();

      writer.put("/apisix/routes/r1", route(1));
      await().atMost(WAIT).until(() -> registry.store(StandardTypes.ROUTES).get("r1") != null);
      await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
      assertThat(builds.get()).as("client builds: the first, 4 failed, 1 or more that worked").isGreaterThanOrEqualTo(6);

      // The supervisor survived the failures: a second silence is detected and healed too.
      long reconnects = source.status().reconnects();
      proxy().blackhole();
      await().atMost(WAIT).until(() -> source.status().reconnects() > reconnects);
      proxy().pass();
      writer.put("/apisix/routes/r2", route(2));
      await().atMost(WAIT).until(() -> registry.store(StandardTypes.ROUTES).get("r2") != null);
    }
  }

  /**
   * The wall clock stepped back an hour (NTP, a VM resumed) while the stream goes silent: the
   * silence is still seen within a few progress intervals. Measured on the wall clock it came out
   * negative, so the dead stream stayed CONNECTED, with no lag, for the hour.
   */
  @Test
  void aWallClockSteppedBackDoesNotHideADeadStream() throws Exception {
    java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong();
    java.time.Clock stepped = new java.time.Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.now().plusMillis(offset.get());
      }
    };
    try (EtcdSource source = source().clock(stepped).build(); ConfigRegistry registry = registry(source).start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
      long reconnects = source.status().reconnects();
      offset.set(-Duration.ofHours(1).toMillis());
      proxy().blackhole();
      try {
        await().atMost(PROGRESS.multipliedBy(20)).untilAsserted(() -> {
          EtcdStatus s = source.status();
          assertThat(s.reconnects()).as("status %s", s).isGreaterThan(reconnects);
          assertThat(s.lastError()).contains("silent");
        });
      } finally {
        proxy().pass();
      }
      writer.put("/apisix/routes/r1", route(1));
      await().atMost(WAIT).until(() -> registry.store(StandardTypes.ROUTES).get("r1") != null);
    }
  }

  /**
   * Every client the source built is closed by close(), also one replaced less than a second before
   * (its delayed close was dropped with the scheduler: its channel and threads leaked).
   */
  @Test
  void closeRightAfterAClientReplacementClosesTheReplacedClientToo() throws Exception {
    java.util.List<io.etcd.jetcd.Client> built = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.Set<io.etcd.jetcd.Client> closed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    EtcdSource source = source().clientFactory(real -> () -> {
      io.etcd.jetcd.Client c = real.get();
      built.add(c);
      return new io.etcd.jetcd.Client() { // records its close; everything else goes to the real client
        @Override public io.etcd.jetcd.Auth getAuthClient() { return c.getAuthClient(); }
        @Override public io.etcd.jetcd.KV getKVClient() { return c.getKVClient(); }
        @Override public io.etcd.jetcd.Cluster getClusterClient() { return c.getClusterClient(); }
        @Override public io.etcd.jetcd.Maintenance getMaintenanceClient() { return c.getMaintenanceClient(); }
        @Override public io.etcd.jetcd.Lease getLeaseClient() { return c.getLeaseClient(); }
        @Override public io.etcd.jetcd.Watch getWatchClient() { return c.getWatchClient(); }
        @Override public io.etcd.jetcd.Lock getLockClient() { return c.getLockClient(); }
        @Override public io.etcd.jetcd.Election getElectionClient() { return c.getElectionClient(); }
        @Override public void close() {
          closed.add(c);
          c.close();
        }
      };
    }).build();
    try (ConfigRegistry registry = registry(source).start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
      proxy().blackhole();
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> built.size() >= 2); // silence: a fresh client
      source.close(); // within the second the replaced one waits before it is closed
    } finally {
      proxy().pass();
    }
    assertThat(closed).as("clients closed of %d built", built.size()).containsExactlyInAnyOrderElementsOf(built);
  }

  /** A registration's keep-alive follows the client when the watch replaces a dead one (the old one is closed). */
  @Test
  void aLeaseStaysAliveAcrossAClientReplacement() throws Exception {
    try (EtcdSource source = source().build(); ConfigRegistry registry = registry(source).start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      String key = "/apisix/upstreams/self";
      try (AutoCloseable registration = source.putWithLease(key, UPSTREAM.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3))) {
        await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
        io.etcd.jetcd.Client first = source.client();
        proxy().blackhole();
        await().atMost(WAIT).until(() -> source.client() != first); // silence detected: a fresh client
        proxy().pass();
        await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
        // For well past the TTL after the old client was closed, the key stays.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(
            () -> writer.client().getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).getCount() == 1);
        assertThat(registry.store(StandardTypes.UPSTREAMS).get("self")).isNotNull();
      }
    }
  }

  /**
   * A node cut off for longer than its lease's TTL: etcd expires the lease and deletes the key.
   * Once the node is back, its registration must come back too (a new lease, the same value), and
   * the loss must be in the status while it lasts. Before: jetcd's keep-alive answered "requested
   * lease not found", the handler only logged it, and the key stayed gone for good while the
   * handle looked alive.
   */
  @Test
  void aRegistrationWhoseLeaseExpiredDuringACutIsPutAgainOnceEtcdIsBack() throws Exception {
    try (EtcdSource source = source().build(); ConfigRegistry registry = registry(source).start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      String key = "/apisix/upstreams/self";
      ByteSequence k = ByteSequence.from(key, StandardCharsets.UTF_8);
      try (AutoCloseable registration = source.putWithLease(key, UPSTREAM.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2))) {
        await().atMost(WAIT).until(() -> registry.store(StandardTypes.UPSTREAMS).get("self") != null);
        proxy().blackhole(); // keep-alives no longer reach etcd: it expires the lease and deletes the key
        try {
          await().atMost(WAIT).until(() -> writer.client().getKVClient().get(k).get(5, TimeUnit.SECONDS).getCount() == 0);
        } finally {
          proxy().pass();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(source.status().lastError()).contains("lease").contains(key));
        await().atMost(WAIT).until(() -> writer.client().getKVClient().get(k).get(5, TimeUnit.SECONDS).getCount() == 1);
        await().atMost(WAIT).until(() -> registry.store(StandardTypes.UPSTREAMS).get("self") != null);
        // The new lease is kept alive: the key stays for well past its TTL.
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(
            () -> writer.client().getKVClient().get(k).get(5, TimeUnit.SECONDS).getCount() == 1);
      }
      await().atMost(WAIT).until(() -> writer.client().getKVClient().get(k).get(5, TimeUnit.SECONDS).getCount() == 0); // closed: revoked
    }
  }

  @Test
  void withEtcdUnreachableAtStartTheStatusShowsTheFailingListingThenTheContact() throws Exception {
    proxy().drop(); // etcd is down, as seen from the source
    Instant before = Instant.now();
    try (EtcdSource source = source().build(); ConfigRegistry registry = registry(source).start()) {
      await().atMost(WAIT).untilAsserted(() -> {
        EtcdStatus s = source.status();
        assertThat(s.state()).isEqualTo(EtcdStatus.State.RECONNECTING);
        assertThat(s.lastError()).contains("list /apisix");
        assertThat(s.lastContact()).isNull();
      });
      assertThat(registry.isReady()).isFalse();

      proxy().pass();
      assertThat(registry.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
      EtcdStatus s = source.status();
      assertThat(s.lastContact()).isNotNull().isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
      assertThat(registry.store(StandardTypes.UPSTREAMS).get("u1")).isNotNull();
    }
  }

  /**
   * While the source is cut off, k is deleted and created again with a valid value, etcd compacts,
   * and k gets an invalid value (once before the source is back, once right after). etcd still holds
   * the valid value at the compaction revision: the source reads it there and replays the rest, so
   * k serves the valid value (and reports the invalid one), instead of dropping k.
   */
  @Test
  void afterACompactionWhileCutOffTheValueValidAtTheCompactionRevisionIsTheLastGoodOne() throws Exception {
    writer.put("/apisix/routes/k", route(0));
    writer.put("/apisix/routes/j", route(0));
    try (EtcdSource source = source().build(); ConfigRegistry registry = registry(source).start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> registry.store(StandardTypes.ROUTES).size() == 2);
      int relists = registry.status().relists();

      proxy().drop(); // cut off
      writer.delete("/apisix/routes/k");
      writer.put("/apisix/routes/k", route(1)); // a new life of k, valid
      long kValid = modRevision("/apisix/routes/k");
      writer.put("/apisix/routes/j", route(1)); // the same life of j, valid
      long jValid = modRevision("/apisix/routes/j");
      long compacted = ETCD.cluster().compact();
      writer.put("/apisix/routes/k", "{\"uri\": 5}"); // invalid, before the source is back
      proxy().pass();
      writer.put("/apisix/routes/j", "{\"uri\": 5}"); // invalid, at once after

      long end = ETCD.cluster().revision();
      await().atMost(WAIT).until(() -> registry.snapshot().revision() >= end);
      assertThat(registry.status().relists()).isGreaterThan(relists);
      assertThat(compacted).isGreaterThanOrEqualTo(jValid);
      ConfigItem<?> k = registry.store(StandardTypes.ROUTES).item("k");
      ConfigItem<?> j = registry.store(StandardTypes.ROUTES).item("j");
      assertThat(k).as("k keeps the value valid at the compaction revision").isNotNull();
      assertThat(k.modRevision()).isEqualTo(kValid);
      assertThat(j).isNotNull();
      assertThat(j.modRevision()).isEqualTo(jValid);
      assertThat(registry.snapshot().rejections()).containsKeys("/apisix/routes/k", "/apisix/routes/j");
    }
  }

  /**
   * A watch that starts far behind catches up in batches while its idle stream keeps asking for
   * progress; etcd 3.4.23 answers those requests with its current revision before the catch-up is
   * sent. Every event must still arrive, each once, in order (found by the chaos soak: a node
   * healed from a cut served a state 1,000 revisions old while its status said all was applied).
   */
  @Test
  void aWatchCatchingUpWhileAskingForProgressMissesNoEvent() throws Exception {
    long first = ETCD.cluster().revision() + 1;
    var kv = writer.client().getKVClient();
    var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<?>>();
    for (int i = 0; i < 3_000; i++) {
      futures.add(kv.put(ByteSequence.from("/apisix/routes/c" + (i % 200), StandardCharsets.UTF_8),
          ByteSequence.from(route(i), StandardCharsets.UTF_8)));
      if (futures.size() == 200) {
        for (var f : futures) {
          f.get(10, TimeUnit.SECONDS);
        }
        futures.clear();
      }
    }
    for (var f : futures) {
      f.get(10, TimeUnit.SECONDS);
    }
    long last = ETCD.cluster().revision();
    java.util.List<Long> revisions = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (EtcdSource source = EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).progressInterval(Duration.ofMillis(40))
        .requestTimeout(Duration.ofSeconds(2)).backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build()) {
      io.dynconf.core.spi.Watch watch = source.watch(first, new io.dynconf.core.spi.WatchListener() {
        private long newest;

        @Override
        public void onEvents(java.util.List<io.dynconf.core.spi.ChangeEvent> events) {
          for (io.dynconf.core.spi.ChangeEvent e : events) {
            if (e.modRevision() > newest) { // a redelivery after a reconnect is allowed; receivers drop it
              revisions.add(e.modRevision());
              newest = e.modRevision();
            }
          }
        }

        @Override
        public void onProgress(long revision) {
          if (revision > newest) {
            newest = revision; // what a receiver does: nothing below it is applied any more
          }
        }

        @Override
        public void onReset(String reason) {
          revisions.add(-1L);
        }
      });
      try {
        await().atMost(WAIT).until(() -> source.status().appliedRevision() >= last
            && (revisions.isEmpty() || revisions.get(revisions.size() - 1) >= last || revisions.contains(-1L)));
        await().atMost(WAIT).until(() -> revisions.size() >= last - first + 1 || revisions.contains(-1L));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // asserted below, with the figures
      } finally {
        watch.close();
      }
    }
    assertThat(revisions).as("no reset").doesNotContain(-1L);
    assertThat(revisions).as("every revision from " + first + " to " + last + ", once, in order").hasSize((int) (last - first + 1));
    assertThat(revisions.get(0)).isEqualTo(first);
    assertThat(revisions.get(revisions.size() - 1)).isEqualTo(last);
  }

  private long modRevision(String key) throws Exception {
    return writer.client().getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS)
        .getKvs().get(0).getModRevision();
  }

  private static String route(int version) {
    return "{\"uri\":\"/v" + version + "\",\"upstream_id\":\"u1\"}";
  }
}
