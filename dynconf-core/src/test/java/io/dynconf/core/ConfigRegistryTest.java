package io.dynconf.core;

import io.dynconf.core.source.InMemorySource;

import static io.dynconf.core.TestTypes.ROUTES;
import static io.dynconf.core.TestTypes.SERVICES;
import static io.dynconf.core.TestTypes.UPSTREAMS;
import static io.dynconf.core.TestTypes.route;
import static io.dynconf.core.TestTypes.upstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemorySource source = new InMemorySource("/apisix");
  private ConfigRegistry registry;

  private ConfigRegistry start(ConfigSource src, ConfigRegistry.Builder... ignored) throws Exception {
    registry = ConfigRegistry.builder(src).types(TestTypes.all()).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    return registry;
  }

  private ConfigRegistry start() throws Exception {
    return start(source);
  }

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  private void awaitRevision(long revision) {
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= revision);
  }

  @Test
  void loadsEverythingPresentAtStartIntoOneSnapshot() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("a"));
    long rev = source.put("/apisix/routes/r1", TestTypes.route("/a", "u1"));

    start();

    ConfigSnapshot s = registry.snapshot();
    assertThat(s.revision()).isEqualTo(rev);
    assertThat(s.store(ROUTES).get("r1").path("uri").asText()).isEqualTo("/a");
    assertThat(s.store(UPSTREAMS).size()).isEqualTo(1);
    assertThat(s.store(ROUTES).version()).isEqualTo(1);
    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LIVE);
  }

  @Test
  void appliesWatchedPutsAndDeletesAndMovesVersionsOnlyOnChange() throws Exception {
    start();
    ConfigStore<ObjectNode> routes = registry.store(ROUTES);
    assertThat(routes.version()).isZero();

    awaitRevision(source.put("/apisix/routes/r1", route("/a")));
    assertThat(routes.get("r1")).isNotNull();
    assertThat(routes.version()).isEqualTo(1);
    long upstreamsVersion = registry.store(UPSTREAMS).version();

    awaitRevision(source.put("/apisix/routes/r2", route("/b")));
    assertThat(routes.values()).extracting(r -> r.path("uri").asText()).containsExactly("/a", "/b");
    assertThat(routes.version()).isEqualTo(2);

    awaitRevision(source.put("/apisix/routes/r1", route("/a2")) );
    awaitRevision(source.delete("/apisix/routes/r2") ? source.list().revision() : -1);
    assertThat(routes.get("r2")).isNull();
    assertThat(routes.get("r1").path("uri").asText()).isEqualTo("/a2");
    assertThat(routes.version()).isEqualTo(4);
    assertThat(registry.store(UPSTREAMS).version()).isEqualTo(upstreamsVersion);
  }

  @Test
  void aListenerSeesTheStatusAtTheRevisionItIsToldOf() throws Exception {
    start();
    List<String> wrong = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicLong heard = new java.util.concurrent.atomic.AtomicLong();
    registry.addListener(update -> {
      long applied = registry.status().appliedRevision();
      long told = update.current().revision();
      if (applied < told) {
        wrong.add("told of " + told + " while the status said " + applied);
      }
      heard.set(told);
    });
    long last = 0;
    for (int i = 0; i < 200; i++) {
      last = source.put("/apisix/routes/r" + (i % 7), route("/p" + i));
    }
    long end = last;
    await().atMost(WAIT).until(() -> heard.get() >= end);
    assertThat(wrong).isEmpty();
  }

  @Test
  void routesKeysByTheExactTypeSegment() throws Exception {
    start();
    source.put("/apisix/routes2/x", route("/x"));
    source.put("/apisix/routes/a/b", route("/x"));
    source.put("/apisix/other", "{}");
    awaitRevision(source.put("/apisix/routes/r1", route("/a")));

    assertThat(registry.store(ROUTES).items()).extracting(ConfigItem::id).containsExactly("r1");
    assertThat(registry.snapshot().rejections()).isEmpty();
  }

  @Test
  void aLargeListingIsCheckedInParallelWithTheSameOutcomeAsOneByOne() throws Exception {
    // past the size from which the apply loop checks a listing on several threads
    int n = 6_000;
    java.util.Set<String> bad = new java.util.TreeSet<>();
    java.util.Set<String> good = new java.util.TreeSet<>();
    for (int i = 0; i < n; i++) {
      String id = "r" + i;
      if (i % 97 == 0) {
        source.put("/apisix/routes/" + id, "{\"uri\":\"/x" + i + "\",\"methods\":[\"GETX\"]}");
        bad.add("/apisix/routes/" + id);
      } else {
        source.put("/apisix/routes/" + id, route("/p" + i));
        good.add(id);
      }
    }
    start();
    ConfigSnapshot s = registry.snapshot();
    java.util.Set<String> ids = new java.util.TreeSet<>();
    s.store(ROUTES).items().forEach(item -> ids.add(item.id()));
    assertThat(ids).isEqualTo(good);
    assertThat(new java.util.TreeSet<>(s.rejections().keySet())).isEqualTo(bad);
    assertThat(s.rejections().get("/apisix/routes/r97").field()).isEqualTo("/methods/0");
    assertThat(s.store(ROUTES).get("r1234").path("uri").asText()).isEqualTo("/p1234");
  }

  @Test
  void rejectsAnInvalidValueAndKeepsServingThePreviousOne() throws Exception {
    start();
    awaitRevision(source.put("/apisix/routes/r1", route("/good")));
    long version = registry.store(ROUTES).version();

    long bad = source.put("/apisix/routes/r1", "{\"uri\":\"/x\",\"methods\":[\"GETX\"]}");
    awaitRevision(bad);

    assertThat(registry.store(ROUTES).get("r1").path("uri").asText()).isEqualTo("/good");
    assertThat(registry.store(ROUTES).version()).isEqualTo(version);
    Rejection r = registry.snapshot().rejections().get("/apisix/routes/r1");
    assertThat(r.modRevision()).isEqualTo(bad);
    assertThat(r.field()).isEqualTo("/methods/0");
    assertThat(r.message()).startsWith("/apisix/routes/r1 (revision " + bad + "): /methods/0: ");

    awaitRevision(source.put("/apisix/routes/r1", route("/better")));
    assertThat(registry.snapshot().rejections()).isEmpty();
    assertThat(registry.store(ROUTES).get("r1").path("uri").asText()).isEqualTo("/better");
  }

  @Test
  void rejectsEveryKindOfBadInputWithTheFieldAndReason() throws Exception {
    start();
    source.put("/apisix/routes/notjson", "{uri:");
    source.put("/apisix/routes/array", "[1]");
    source.put("/apisix/routes/noUri", "{\"methods\":[\"GET\"]}");
    source.put("/apisix/routes/checker", "{\"uri\":\"/a/../b\"}");
    awaitRevision(source.put("/apisix/routes/idMismatch", "{\"id\":\"other\",\"uri\":\"/a\"}"));

    var rejections = registry.snapshot().rejections();
    assertThat(rejections.get("/apisix/routes/notjson").reason()).startsWith("not valid JSON");
    assertThat(rejections.get("/apisix/routes/array").reason()).isEqualTo("expected a JSON object, got array");
    assertThat(rejections.get("/apisix/routes/noUri").reason()).contains("uri");
    assertThat(rejections.get("/apisix/routes/checker").field()).isEqualTo("/uri");
    assertThat(rejections.get("/apisix/routes/idMismatch").field()).isEqualTo("/id");
    assertThat(rejections.get("/apisix/routes/idMismatch").reason()).contains("\"other\"", "\"idMismatch\"");
    assertThat(registry.store(ROUTES).size()).isZero();
  }

  @Test
  void aDeleteClearsTheRejectionOfItsKey() throws Exception {
    start();
    awaitRevision(source.put("/apisix/routes/r1", "{}"));
    assertThat(registry.snapshot().rejections()).containsKey("/apisix/routes/r1");

    source.delete("/apisix/routes/r1");
    await().atMost(WAIT).until(() -> registry.snapshot().rejections().isEmpty());
  }

  @Test
  void holdsARouteWithAMissingUpstreamAsPendingUntilItArrives() throws Exception {
    start();
    awaitRevision(source.put("/apisix/routes/r1", TestTypes.route("/a", "u1")));

    assertThat(registry.store(ROUTES).get("r1")).isNull();
    assertThat(registry.snapshot().pending().get("/apisix/routes/r1").message())
        .isEqualTo("/apisix/routes/r1 waits for upstreams/u1 (upstream_id)");

    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));
    assertThat(registry.store(ROUTES).get("r1")).isNotNull();
    assertThat(registry.snapshot().pending()).isEmpty();

    source.delete("/apisix/upstreams/u1");
    await().atMost(WAIT).until(() -> registry.store(ROUTES).get("r1") == null);
    assertThat(registry.snapshot().pending()).containsKey("/apisix/routes/r1");
  }

  @Test
  void resolvesReferencesThroughAServiceInOneSnapshot() throws Exception {
    start();
    source.put("/apisix/routes/r1", "{\"uri\":\"/a\",\"service_id\":\"s1\"}");
    awaitRevision(source.put("/apisix/services/s1", "{\"upstream_id\":\"u1\"}"));
    assertThat(registry.snapshot().pending()).containsKeys("/apisix/routes/r1", "/apisix/services/s1");

    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));

    ConfigSnapshot s = registry.snapshot();
    assertThat(s.store(SERVICES).get("s1")).isNotNull();
    assertThat(s.store(ROUTES).get("r1")).isNotNull();
    assertThat(s.pending()).isEmpty();
  }

  @Test
  void aResetWithNothingMissedChangesNothing() throws Exception {
    source.put("/apisix/routes/r1", route("/a"));
    start();
    ConfigSnapshot before = registry.snapshot();

    source.resetWatches("test: stream lost");
    await().atMost(WAIT).until(() -> registry.status().relists() == 1 && registry.status().state() == ConfigRegistry.State.LIVE);

    assertThat(registry.snapshot()).isSameAs(before);
    awaitRevision(source.put("/apisix/routes/r2", route("/b")));
    assertThat(registry.store(ROUTES).size()).isEqualTo(2);
  }

  @Test
  void aResetAfterMissedEventsRelistsAndAppliesOnlyTheDifference() throws Exception {
    source.put("/apisix/upstreams/u1", upstream("a"));
    source.put("/apisix/routes/r1", route("/a"));
    FlakySource flaky = new FlakySource(source);
    start(flaky);
    long upstreamsVersion = registry.store(UPSTREAMS).version();
    long routesVersion = registry.store(ROUTES).version();

    // The stream drops events (as a broken connection would), then the source says "relist".
    flaky.dropEvents.set(true);
    source.put("/apisix/routes/r2", route("/b"));
    source.delete("/apisix/routes/r1");
    assertThat(registry.store(ROUTES).get("r1")).isNotNull();
    flaky.dropEvents.set(false);
    flaky.reset("test: events were lost");

    await().atMost(WAIT).until(() -> registry.store(ROUTES).get("r2") != null && registry.store(ROUTES).get("r1") == null);
    assertThat(registry.store(ROUTES).version()).isEqualTo(routesVersion + 1); // one batch: the difference
    assertThat(registry.store(UPSTREAMS).version()).isEqualTo(upstreamsVersion);
    assertThat(registry.status().relists()).isEqualTo(1);
  }

  @Test
  void aWatchFromACompactedRevisionEndsInARelist() throws Exception {
    source.put("/apisix/routes/r1", route("/a"));
    start();
    long rev = source.put("/apisix/routes/r2", route("/b"));
    awaitRevision(rev);
    source.compact(rev);

    source.resetWatches("test"); // the registry relists at the current revision: nothing to replay
    await().atMost(WAIT).until(() -> registry.status().relists() == 1 && registry.status().state() == ConfigRegistry.State.LIVE);
    awaitRevision(source.put("/apisix/routes/r3", route("/c")));
    assertThat(registry.store(ROUTES).size()).isEqualTo(3);
  }

  @Test
  void dropsRedeliveredEvents() throws Exception {
    start();
    awaitRevision(source.put("/apisix/routes/r1", route("/a")));
    long version = registry.store(ROUTES).version();

    source.redeliverLast(1);
    long next = source.put("/apisix/upstreams/u1", upstream("a"));
    awaitRevision(next);

    assertThat(registry.store(ROUTES).version()).isEqualTo(version);
  }

  @Test
  void followsASourceWhoseRevisionWentBackwards() throws Exception {
    source.put("/apisix/routes/r1", route("/a"));
    source.put("/apisix/routes/r2", route("/b"));
    source.put("/apisix/routes/r3", route("/c"));
    start();

    source.wipe();
    source.put("/apisix/routes/r9", route("/z"));

    await().atMost(WAIT).until(() -> registry.store(ROUTES).size() == 1 && registry.store(ROUTES).get("r9") != null);
    assertThat(registry.snapshot().revision()).isEqualTo(source.list().revision());
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheOthers() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    registry = ConfigRegistry.builder(source).types(TestTypes.all()).build();
    registry.addListener(u -> {
      throw new IllegalStateException("boom");
    });
    registry.addListener(u -> u.changes(ROUTES).forEach(c -> seen.add((c.isRemove() ? "-" : "+") + c.id())));
    registry.start();
    registry.awaitReady(WAIT);

    // One write at a time: the registry coalesces queued events, so listeners see net changes.
    awaitRevision(source.put("/apisix/routes/r1", route("/a")));
    awaitRevision(source.put("/apisix/routes/r2", route("/b")));
    source.delete("/apisix/routes/r1");

    await().atMost(WAIT).until(() -> seen.size() == 3);
    assertThat(seen).containsExactly("+r1", "+r2", "-r1");
  }

  @Test
  void updatesPublishedWhileAListenerIsBusyArriveMergedInOrderAndNothingQueuesUp() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<ConfigUpdate> updates = new CopyOnWriteArrayList<>();
    registry = ConfigRegistry.builder(source).types(TestTypes.all()).build();
    registry.addListener(u -> {
      updates.add(u);
      if (updates.size() == 1) {
        try {
          release.await(); // busy while the next updates are published
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    registry.start();
    registry.awaitReady(WAIT);
    awaitRevision(source.put("/apisix/routes/first", route("/first")));
    await().atMost(WAIT).until(() -> updates.size() == 1); // the first update, held in the listener

    for (int i = 0; i < 50; i++) { // one write at a time: 50 published updates
      awaitRevision(source.put("/apisix/routes/r" + (i % 5), route("/v" + i)));
    }
    source.delete("/apisix/routes/r0");
    long end = source.list().revision();
    awaitRevision(end);
    release.countDown();

    await().atMost(WAIT).until(() -> !updates.isEmpty() && updates.get(updates.size() - 1).current().revision() == end);
    assertThat(updates).as("the 51 updates published while the listener was busy arrive as one").hasSize(2);
    ConfigUpdate merged = updates.get(1);
    assertThat(merged.previous()).isSameAs(updates.get(0).current());
    assertThat(merged.current()).isSameAs(registry.snapshot());
    // one change per item, from its state before the first merged update to after the last; r0 was
    // added and removed while the listener was busy, so it ends where it began and is left out
    List<String> changes = merged.changes(ROUTES).stream().map(c -> (c.isRemove() ? "-" : "+") + c.id()).toList();
    assertThat(changes).containsExactly("+r1", "+r2", "+r3", "+r4");
    for (StoreChange<ObjectNode> c : merged.changes(ROUTES)) {
      assertThat(c.before()).isNull();
      assertThat(c.after()).isSameAs(registry.snapshot().store(ROUTES).item(c.id()));
    }
  }

  @Test
  void aCheckerThatThrowsAnythingIsARejectionNotACrash() throws Exception {
    ResourceType<ObjectNode> fragile = ResourceType.builder("fragile", ObjectNode.class)
        .checker(v -> { throw new NullPointerException("bug in checker"); })
        .build();
    registry = ConfigRegistry.builder(source).types(List.of(fragile, UPSTREAMS)).build().start();
    registry.awaitReady(WAIT);

    source.put("/apisix/fragile/1", "{}");
    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));

    assertThat(registry.snapshot().rejections().get("/apisix/fragile/1").reason()).contains("bug in checker");
    assertThat(registry.store(UPSTREAMS).get("u1")).isNotNull();
  }

  @Test
  void aReferencesFunctionThatThrowsHoldsTheItemBackAndTheLoopGoesOn() throws Exception {
    ResourceType<ObjectNode> buggy = ResourceType.builder("buggy", ObjectNode.class)
        .references(java.util.Set.of("upstreams"), v -> { throw new IllegalStateException("bug in references"); })
        .build();
    registry = ConfigRegistry.builder(source).types(List.of(buggy, UPSTREAMS)).build().start();
    registry.awaitReady(WAIT);

    source.put("/apisix/buggy/1", "{}");
    awaitRevision(source.put("/apisix/upstreams/u1", upstream("a")));

    assertThat(registry.store(buggy).get("1")).isNull();
    assertThat(registry.snapshot().pending().get("/apisix/buggy/1").message()).contains("bug in references");
    assertThat(registry.store(UPSTREAMS).get("u1")).isNotNull();
  }

  @Test
  void startsFromTheLastKnownGoodFileWhenTheSourceIsDownThenCatchesUp(@TempDir Path dir) throws Exception {
    Path lkg = dir.resolve("lkg.json");
    source.put("/apisix/upstreams/u1", upstream("a"));
    long rev = source.put("/apisix/routes/r1", TestTypes.route("/a", "u1"));
    ConfigRegistry first = ConfigRegistry.builder(source).types(TestTypes.all()).lastKnownGood(lkg).build().start();
    first.awaitReady(WAIT);
    await().atMost(WAIT).until(() -> java.nio.file.Files.exists(lkg));
    first.close();

    FlakySource flaky = startFromTheFileWithTheSourceDown(lkg);
    assertThat(registry.snapshot().fromLastKnownGood()).isTrue();
    assertThat(registry.snapshot().revision()).isEqualTo(rev);
    assertThat(registry.store(ROUTES).get("r1")).isNotNull();
    assertThat(registry.status().state()).isEqualTo(ConfigRegistry.State.LAST_KNOWN_GOOD);

    source.put("/apisix/routes/r2", route("/b"));
    flaky.down.set(false);
    await().atMost(WAIT).until(() -> registry.status().state() == ConfigRegistry.State.LIVE);
    await().atMost(WAIT).until(() -> registry.store(ROUTES).get("r2") != null);
    assertThat(registry.snapshot().fromLastKnownGood()).isFalse();
  }

  /**
   * After the first write of the last-known-good file, a change is appended to its journal (it
   * wrote every value again at each change: ~15 MB at 100,000 routes), and a start from the file
   * sees the changes, deletes included.
   */
  @Test
  void changesAfterTheFirstLastKnownGoodWriteAreJournalledAndAStartFromTheFileSeesThem(@TempDir Path dir) throws Exception {
    Path lkg = dir.resolve("lkg.json");
    source.put("/apisix/upstreams/u1", upstream("a"));
    source.put("/apisix/routes/r1", TestTypes.route("/a", "u1"));
    ConfigRegistry first = ConfigRegistry.builder(source).types(TestTypes.all()).lastKnownGood(lkg).build().start();
    first.awaitReady(WAIT);
    await().atMost(WAIT).until(() -> java.nio.file.Files.exists(lkg));
    byte[] whole = java.nio.file.Files.readAllBytes(lkg);

    source.put("/apisix/routes/r2", route("/b"));
    source.delete("/apisix/routes/r1");
    long rev = source.put("/apisix/routes/r3", route("/c"));
    io.dynconf.core.internal.LastKnownGood file = new io.dynconf.core.internal.LastKnownGood(lkg, source.prefix());
    await().atMost(WAIT).until(() -> file.read().map(Listing::revision).orElse(0L) == rev);
    assertThat(java.nio.file.Files.readAllBytes(lkg)).as("the file itself is not written again for a change").isEqualTo(whole);
    assertThat(java.nio.file.Files.size(file.journalPath())).isPositive();
    first.close();

    startFromTheFileWithTheSourceDown(lkg);
    assertThat(registry.snapshot().fromLastKnownGood()).isTrue();
    assertThat(registry.snapshot().revision()).isEqualTo(rev);
    assertThat(registry.store(ROUTES).get("r1")).as("deleted after the file's write").isNull();
    assertThat(registry.store(ROUTES).get("r2")).isNotNull();
    assertThat(registry.store(ROUTES).get("r3")).isNotNull();
  }

  /** Starts {@link #registry} on {@link #source} behind a {@link FlakySource} that is down, with {@code lkg}; returns the flaky source. */
  private FlakySource startFromTheFileWithTheSourceDown(Path lkg) throws InterruptedException {
    FlakySource flaky = new FlakySource(source);
    flaky.down.set(true);
    registry = ConfigRegistry.builder(flaky).types(TestTypes.all()).lastKnownGood(lkg)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    return flaky;
  }

  /** A source that refuses to list while {@link #down} is set, and drops events while {@link #dropEvents} is. */
  private static final class FlakySource implements ConfigSource {
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicBoolean dropEvents = new AtomicBoolean();
    private final ConfigSource delegate;
    private volatile WatchListener active;

    FlakySource(ConfigSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public String prefix() {
      return delegate.prefix();
    }

    @Override
    public Listing list() {
      if (down.get()) {
        throw new SourceException("connection refused (test)");
      }
      return delegate.list();
    }

    @Override
    public Watch watch(long fromRevision, WatchListener listener) {
      WatchListener gated = new WatchListener() {
        @Override
        public void onEvents(List<io.dynconf.core.spi.ChangeEvent> events) {
          if (!dropEvents.get()) {
            listener.onEvents(events);
          }
        }

        @Override
        public void onReset(String reason) {
          listener.onReset(reason);
        }
      };
      active = listener;
      return delegate.watch(fromRevision, gated);
    }

    void reset(String reason) {
      active.onReset(reason);
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
