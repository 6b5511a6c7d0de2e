package io.dynconf.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ConfigSource} contract, checked against a real source. A module that implements a
 * source extends this class (from dynconf-core's test-jar) and supplies a fresh source and two
 * fault hooks; every source must implement both (a source that cannot provoke the fault itself
 * must do something equivalent, never skip).
 *
 * <p>Keys are {@code /apisix/routes/<id>} and {@code /apisix/upstreams/<id>}; values are compact
 * JSON objects that repeat the id ({@code {"id":"r1","v":3}}), so a source that holds only such
 * resources (the file source) passes unchanged. The source's revision may move for other reasons
 * (a shared etcd): tests count events, never assume revisions are contiguous.
 */
public abstract class ConfigSourceContract {
  protected static final String PREFIX = "/apisix";

  /** The source under test, fresh for each test, closed after it. */
  protected ConfigSource source;

  /** A fresh, empty source with prefix {@code /apisix} that knows routes and upstreams. */
  protected abstract ConfigSource createSource() throws Exception;

  /**
   * Makes every live watch of {@code source} end with {@code onReset}, as a lost watch stream whose
   * position cannot be resumed does.
   */
  protected abstract void forceReset(ConfigSource source) throws Exception;

  /** Compacts {@code source}'s history below {@code revision}, as etcd's compaction does. */
  protected abstract void compactTo(ConfigSource source, long revision) throws Exception;

  /**
   * Makes {@code source} deliver its last {@code n} revisions again to its live watches, as etcd may
   * after a reconnect.
   */
  protected abstract void redeliver(ConfigSource source, int n) throws Exception;

  /**
   * True for a source that drops redeliveries itself (the etcd source does, below its listener):
   * then a provoked redelivery must reach the listener as nothing at all.
   */
  protected boolean dropsRedeliveries() {
    return false;
  }

  @BeforeEach
  void createTheSource() throws Exception {
    source = createSource();
  }

  @AfterEach
  void closeTheSource() {
    if (source != null) {
      source.close();
    }
  }

  protected static String route(String id) {
    return PREFIX + "/routes/" + id;
  }

  protected static String upstream(String id) {
    return PREFIX + "/upstreams/" + id;
  }

  /** The value of {@code key} at version {@code v}: {@code {"id":"<id>","v":<v>}}. */
  protected static String value(String key, int v) {
    return "{\"id\":\"" + key.substring(key.lastIndexOf('/') + 1) + "\",\"v\":" + v + "}";
  }

  private RecordingListener watchFromNext() {
    RecordingListener rec = new RecordingListener();
    source.watch(source.list().revision() + 1, rec);
    return rec;
  }

  /** r1 (twice), u1, r2 (then deleted), r3: returns the last revision (r3's). */
  private long writeAHistory() {
    source.put(route("r1"), value(route("r1"), 1));
    source.put(upstream("u1"), value(upstream("u1"), 1));
    source.put(route("r2"), value(route("r2"), 1));
    source.put(route("r1"), value(route("r1"), 2));
    assertThat(source.delete(route("r2"))).isTrue();
    long last = source.put(route("r3"), value(route("r3"), 1));
    return last;
  }

  @Test
  void listReturnsEveryKeyAtOneRevision() {
    long last = writeAHistory();

    Listing listing = source.list();

    assertThat(listing.revision()).isEqualTo(last);
    assertThat(listing.kvs()).extracting(KeyValue::key).containsExactly(route("r1"), route("r3"), upstream("u1"));
    for (KeyValue kv : listing.kvs()) {
      assertThat(kv).isEqualTo(source.get(kv.key()));
      assertThat(kv.modRevision()).isLessThanOrEqualTo(listing.revision());
    }
    assertThat(listing.kvs().get(0).utf8()).isEqualTo(value(route("r1"), 2));
    assertThat(listing.kvs().get(0).createRevision()).isLessThan(listing.kvs().get(0).modRevision());
    assertThat(listing.kvs().get(1).modRevision()).isEqualTo(last);
  }

  @Test
  void aDirectoryOrSomeKeysAreReadAtOneRevisionAsTheListingHoldsThem() {
    long last = writeAHistory();
    Listing all = source.list();

    Listing routes = source.list(PREFIX + "/routes/");
    assertThat(routes.revision()).isEqualTo(last);
    assertThat(routes.kvs()).containsExactly(all.kvs().get(0), all.kvs().get(1));
    assertThat(source.list(PREFIX + "/consumers/").kvs()).isEmpty();

    Listing some = source.getAll(List.of(upstream("u1"), route("r2"), route("r1"), route("nope")));
    assertThat(some.revision()).isEqualTo(last);
    assertThat(some.kvs()).containsExactly(source.get(route("r1")), source.get(upstream("u1")));

    // more keys than one etcd transaction may read (128): still one revision, none missed
    List<String> many = new ArrayList<>();
    for (int batch = 0; batch < 3; batch++) {
      Txn.Builder txn = Txn.builder();
      for (int i = 0; i < 100; i++) {
        String k = route("m" + (batch * 100 + i));
        txn.put(k, value(k, 1));
        many.add(k);
      }
      last = source.txn(txn.build()).revision();
    }
    many.add(route("absent"));
    Listing read = source.getAll(many);
    assertThat(read.revision()).isEqualTo(last);
    assertThat(read.kvs()).hasSize(300).allSatisfy(kv -> assertThat(kv.key()).startsWith(PREFIX + "/routes/m"));
  }

  @Test
  void watchFromListingRevisionSeesEveryLaterChangeOnceInOrderWithConcurrentWriters() throws Exception {
    for (int i = 0; i < 5; i++) {
      source.put(upstream("pre" + i), value(upstream("pre" + i), 0));
    }
    Listing listing = source.list();
    RecordingListener rec = new RecordingListener();
    source.watch(listing.revision() + 1, rec);

    int writers = 4;
    int opsPerWriter = 40;
    AtomicInteger changes = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < writers; t++) {
        int writer = t;
        futures.add(pool.submit(() -> {
          for (int i = 1; i <= opsPerWriter; i++) {
            String key = route("w" + writer + "-" + (i % 5));
            if (i % 7 == 0) {
              if (source.delete(key)) {
                changes.incrementAndGet();
              }
            } else {
              source.put(key, value(key, i));
              changes.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Listing end = source.list();
    rec.awaitRevision(end.revision());

    List<ChangeEvent> events = rec.events();
    assertThat(rec.violations()).isEmpty();
    assertThat(events).hasSize(changes.get()); // no gap, no duplicate
    assertThat(events.get(0).modRevision()).isGreaterThan(listing.revision());
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).modRevision()).as("revision of event %d", i).isGreaterThan(events.get(i - 1).modRevision());
    }
    Map<String, Integer> lastVersion = new HashMap<>();
    for (ChangeEvent e : events) { // each key has one writer: its versions arrive in its order
      if (e.type() == ChangeEvent.Type.PUT) {
        int v = Integer.parseInt(e.kv().utf8().replaceAll(".*\"v\":(\\d+).*", "$1"));
        assertThat(v).as("version of %s", e.key()).isGreaterThan(lastVersion.getOrDefault(e.key(), 0));
        lastVersion.put(e.key(), v);
      }
    }
    assertThat(Replica.of(listing).applyAll(rec.batches()).kvList()).isEqualTo(end.kvs());
  }

  @Test
  void watchFromAnOlderRevisionReplaysTheHistory() {
    long first = source.put(route("a"), value(route("a"), 1));
    source.put(route("b"), value(route("b"), 1));
    assertThat(source.delete(route("a"))).isTrue();
    long last = source.put(route("c"), value(route("c"), 1));

    RecordingListener rec = new RecordingListener();
    source.watch(first, rec);
    rec.awaitRevision(last);

    assertThat(rec.events()).extracting(e -> e.type() + " " + e.key())
        .containsExactly("PUT " + route("a"), "PUT " + route("b"), "DELETE " + route("a"), "PUT " + route("c"));
    assertThat(rec.events().get(0).modRevision()).isEqualTo(first);
    assertThat(rec.events().get(3).modRevision()).isEqualTo(last);
  }

  @Test
  void putsAndDeletesCarryKeyValueAndRevisions() {
    RecordingListener rec = watchFromNext();
    String key = route("r1");

    long created = source.put(key, value(key, 1));
    long updated = source.put(key, value(key, 2));
    assertThat(source.delete(key)).isTrue();
    long deleted = source.list().revision();
    rec.awaitRevision(deleted);

    List<ChangeEvent> events = rec.events();
    assertThat(events).hasSize(3);
    assertThat(events.get(0)).isEqualTo(ChangeEvent.put(KeyValue.of(key, value(key, 1), created, created)));
    assertThat(events.get(1)).isEqualTo(ChangeEvent.put(KeyValue.of(key, value(key, 2), created, updated)));
    assertThat(events.get(2)).isEqualTo(ChangeEvent.delete(key, deleted));
    assertThat(updated).isGreaterThan(created);
    assertThat(deleted).isGreaterThan(updated);
    assertThat(source.get(key)).isNull();
  }

  @Test
  void aTxnWithOneFailingCompareChangesNothing() {
    String a = route("a");
    String x = upstream("x");
    source.put(a, value(a, 1));
    long current = source.put(a, value(a, 2));
    source.put(x, value(x, 1));
    long before = source.list().revision();
    RecordingListener rec = watchFromNext();

    TxnResult stale = source.txn(Txn.builder().ifModRevision(a, current - 1).put(route("b"), value(route("b"), 1)).delete(x).build());
    TxnResult oneOfTwo = source.txn(Txn.builder().ifModRevision(a, current).ifAbsent(x).put(route("b"), value(route("b"), 1)).build());

    assertThat(stale.succeeded()).isFalse();
    assertThat(oneOfTwo.succeeded()).isFalse();
    assertThat(stale.revision()).isEqualTo(before);
    assertThat(source.list().revision()).isEqualTo(before);
    assertThat(source.get(route("b"))).isNull();
    assertThat(source.get(x)).isNotNull();
    String sentinel = route("sentinel");
    long s = source.put(sentinel, value(sentinel, 1));
    rec.awaitRevision(s);
    assertThat(rec.events()).extracting(ChangeEvent::key).containsExactly(sentinel);
  }

  /** {@code ifUnchangedSince}: fails once any key under the prefix was created or changed after the revision, only then. */
  @Test
  void anUnchangedSinceConditionSeesEveryKeyUnderItsPrefix() {
    String x = upstream("ux");
    String r1 = route("u1");
    source.put(r1, value(r1, 1));
    long since = source.put(x, value(x, 1));
    String routes = r1.substring(0, r1.lastIndexOf('/') + 1);
    String upstreams = x.substring(0, x.lastIndexOf('/') + 1);

    assertThat(source.txn(Txn.builder().ifUnchangedSince(routes, since).put(route("u2"), value(route("u2"), 1)).build()).succeeded())
        .as("nothing under %s changed since %d", routes, since).isTrue();
    assertThat(source.txn(Txn.builder().ifUnchangedSince(routes, since).delete(x).build()).succeeded())
        .as("a route was created after %d", since).isFalse();
    assertThat(source.get(x)).isNotNull();
    long now = source.list().revision();
    source.put(r1, value(r1, 2)); // a change of an existing key breaks it too
    assertThat(source.txn(Txn.builder().ifUnchangedSince(routes, now).delete(x).build()).succeeded()).isFalse();
    assertThat(source.txn(Txn.builder().ifUnchangedSince(upstreams, since).ifUnchangedSince(routes, source.list().revision())
        .put(route("u3"), value(route("u3"), 1)).build()).succeeded()).as("other prefixes do not count").isTrue();
    long afterDelete = source.list().revision();
    assertThat(source.delete(route("u3"))).isTrue();
    assertThat(source.txn(Txn.builder().ifUnchangedSince(routes, afterDelete).delete(x).build()).succeeded())
        .as("a key deleted since does not count").isTrue();
    assertThat(source.get(x)).isNull();
  }

  @Test
  void aTxnAppliesAllOpsAtOneRevisionInOneBatch() {
    String gone = upstream("gone");
    long goneRevision = source.put(gone, value(gone, 1));
    RecordingListener rec = watchFromNext();

    TxnResult result = source.txn(Txn.builder()
        .ifModRevision(gone, goneRevision)
        .ifAbsent(route("n"))
        .put(route("a"), value(route("a"), 1))
        .put(route("n"), value(route("n"), 1))
        .delete(gone)
        .build());

    assertThat(result.succeeded()).isTrue();
    long rev = result.revision();
    assertThat(rev).isGreaterThan(goneRevision);
    assertThat(source.list().revision()).isEqualTo(rev);
    assertThat(source.get(route("a")).modRevision()).isEqualTo(rev);
    assertThat(source.get(route("n")).createRevision()).isEqualTo(rev);
    assertThat(source.get(gone)).isNull();
    rec.awaitRevision(rev);
    List<List<ChangeEvent>> withRev = rec.batches().stream().filter(b -> b.stream().anyMatch(e -> e.modRevision() == rev)).toList();
    assertThat(withRev).hasSize(1);
    assertThat(withRev.get(0)).filteredOn(e -> e.modRevision() == rev)
        .extracting(e -> e.type() + " " + e.key())
        .containsExactlyInAnyOrder("PUT " + route("a"), "PUT " + route("n"), "DELETE " + gone);
  }

  @Test
  void compareAndSetWithAStaleRevisionFailsAndChangesNothing() {
    String key = route("cas");
    long first = source.put(key, value(key, 1));
    long second = source.put(key, value(key, 2));

    assertThat(source.compareAndSet(key, first, value(key, 3).getBytes())).isFalse();
    assertThat(source.get(key).utf8()).isEqualTo(value(key, 2));
    assertThat(source.get(key).modRevision()).isEqualTo(second);
    assertThat(source.list().revision()).isEqualTo(second);

    assertThat(source.compareAndSet(key, second, value(key, 3).getBytes())).isTrue();
    assertThat(source.compareAndSet(key, second, null)).isFalse();
    assertThat(source.get(key)).isNotNull();
    assertThat(source.compareAndSet(key, source.get(key).modRevision(), null)).isTrue();
    assertThat(source.get(key)).isNull();
  }

  @Test
  void compareAndSetWithZeroOnlyCreates() {
    String key = route("once");
    assertThat(source.compareAndSet(key, 0, value(key, 1).getBytes())).isTrue();
    long rev = source.list().revision();
    assertThat(source.compareAndSet(key, 0, value(key, 2).getBytes())).isFalse();
    assertThat(source.get(key).utf8()).isEqualTo(value(key, 1));
    assertThat(source.get(key).createRevision()).isEqualTo(rev);
    assertThat(source.list().revision()).isEqualTo(rev);
  }

  @Test
  void deleteOfAnAbsentKeyReturnsFalseAndChangesNothing() {
    String key = route("d");
    long before = source.list().revision();
    assertThat(source.delete(key)).isFalse();
    assertThat(source.list().revision()).isEqualTo(before);
    source.put(key, value(key, 1));
    assertThat(source.delete(key)).isTrue();
    long after = source.list().revision();
    assertThat(source.delete(key)).isFalse();
    assertThat(source.list().revision()).isEqualTo(after);
  }

  @Test
  void aWatchFromACompactedRevisionIsResetWhileALiveWatchGoesOn() throws Exception {
    long first = source.put(route("a"), value(route("a"), 1));
    source.put(route("b"), value(route("b"), 1));
    long third = source.put(route("c"), value(route("c"), 1));
    RecordingListener live = watchFromNext();

    compactTo(source, third);
    RecordingListener old = new RecordingListener();
    source.watch(first, old);

    assertThat(old.awaitReset()).isNotBlank();
    long next = source.put(route("d"), value(route("d"), 1));
    RecordingListener fresh = new RecordingListener();
    source.watch(third + 1, fresh);
    live.awaitRevision(next);
    fresh.awaitRevision(next);
    assertThat(old.events()).isEmpty();
    assertThat(live.resets()).isEmpty();
    assertThat(live.events()).extracting(ChangeEvent::key).containsExactly(route("d"));
    assertThat(fresh.events()).extracting(ChangeEvent::key).containsExactly(route("d"));
  }

  @Test
  void afterAResetARelistAndAWatchFromItsRevisionLoseNothing() throws Exception {
    source.put(route("seed"), value(route("seed"), 1));
    RecordingListener first = watchFromNext();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger written = new AtomicInteger();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int i = 1; !stop.get(); i++) {
        String key = route("bg" + (i % 13));
        if (i % 5 == 0) {
          source.delete(key);
        } else {
          source.put(key, value(key, i));
        }
        written.incrementAndGet();
      }
    });
    try {
      awaitWritten(written, 10);
      forceReset(source);
      assertThat(first.awaitReset()).isNotBlank();
      awaitWritten(written, written.get() + 10);

      Listing relist = source.list();
      RecordingListener second = new RecordingListener();
      Watch watch = source.watch(relist.revision() + 1, second);
      awaitWritten(written, written.get() + 20);
      stop.set(true);
      writer.get(60, TimeUnit.SECONDS);

      Listing end = source.list();
      second.awaitRevision(end.revision());
      watch.close();
      assertThat(second.resets()).isEmpty();
      assertThat(Replica.of(relist).applyAll(second.batches()).kvList()).isEqualTo(end.kvs());
    } finally {
      stop.set(true);
    }
  }

  private static void awaitWritten(AtomicInteger written, int n) {
    org.awaitility.Awaitility.await().atMost(RecordingListener.TIMEOUT).until(() -> written.get() >= n);
  }

  @Test
  void redeliveredEventsAreRecognisedByModRevision() throws Exception {
    source.put(route("base"), value(route("base"), 1));
    Listing listing = source.list();
    RecordingListener rec = new RecordingListener();
    source.watch(listing.revision() + 1, rec);
    source.put(route("a"), value(route("a"), 1));
    source.put(route("b"), value(route("b"), 1));
    long last = source.put(route("a"), value(route("a"), 2));
    rec.awaitRevision(last);
    int delivered = rec.events().size();

    redeliver(source, 2);
    if (!dropsRedeliveries()) {
      rec.awaitEvents(delivered + 1);
    }
    long after = source.put(route("c"), value(route("c"), 1));
    rec.awaitRevision(after);

    List<ChangeEvent> events = rec.events();
    long maxSeen = 0;
    int repeats = 0;
    for (int i = 0; i < events.size(); i++) {
      ChangeEvent e = events.get(i);
      if (e.modRevision() <= maxSeen) { // a redelivery: exactly an event delivered before
        assertThat(events.subList(0, i)).contains(e);
        repeats++;
      }
      maxSeen = Math.max(maxSeen, e.modRevision());
    }
    if (dropsRedeliveries()) {
      assertThat(repeats).isZero();
    } else {
      assertThat(repeats).isPositive();
    }
    Replica replica = Replica.of(listing).applyAll(rec.batches());
    assertThat(replica.dropped()).isEqualTo(repeats);
    assertThat(replica.kvList()).isEqualTo(source.list().kvs());
    assertThat(rec.violations()).isEmpty();
  }

  @Test
  void keysOutsideThePrefixAreRefused() {
    String inside = route("ok");
    long before = source.list().revision();
    for (String outside : List.of("/other/routes/r1", "/apisixx/routes/r1", "/apisix")) {
      assertThatThrownBy(() -> source.put(outside, value(inside, 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(outside);
    }
    assertThatThrownBy(() -> source.txn(Txn.builder().put(inside, value(inside, 1)).put("/other/routes/r1", value(inside, 1)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/other/routes/r1");
    assertThatThrownBy(() -> source.compareAndSet("/other/routes/r1", 0, value(inside, 1).getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/other/routes/r1");
    assertThat(source.get(inside)).isNull();
    assertThat(source.list().revision()).isEqualTo(before);
  }

  @Test
  void aClosedWatchReceivesNothingMore() {
    RecordingListener closed = new RecordingListener();
    Watch watch = source.watch(source.list().revision() + 1, closed);
    RecordingListener open = watchFromNext();
    long first = source.put(route("a"), value(route("a"), 1));
    closed.awaitRevision(first);

    watch.close();
    watch.close(); // idempotent
    long second = source.put(route("b"), value(route("b"), 1));
    open.awaitRevision(second);
    long third = source.put(route("c"), value(route("c"), 1));
    open.awaitRevision(third);

    assertThat(closed.events()).extracting(ChangeEvent::modRevision).containsExactly(first);
    assertThat(closed.resets()).isEmpty();
  }
}
