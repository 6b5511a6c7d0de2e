package io.dynconf.core;

import static io.dynconf.core.TestTypes.UPSTREAMS;
import static io.dynconf.core.TestTypes.upstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bounded memory without weakening last-good (issue 13, item 4): the queue coalesces after
 * validation, the notifier keeps one merged update, and nothing grows with keys that come and go.
 */
class ConfigRegistryMemoryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final InMemorySource source = new InMemorySource("/apisix");
  private ConfigRegistry registry;

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  // schema-less types keep the 100,000 cycles at a few seconds; what is measured is the bookkeeping
  private static final ResourceType<ObjectNode> UPS = ResourceType.builder("upstreams", ObjectNode.class)
      .checker(v -> {
        if (v.has("invalid")) {
          throw new InvalidConfigException("/invalid", "not allowed");
        }
      })
      .build();
  private static final ResourceType<ObjectNode> RTS = ResourceType.builder("routes", ObjectNode.class)
      .references(Set.of("upstreams"), r -> List.of(Reference.to("upstreams", r.path("upstream_id").asText(), "upstream_id")))
      .build();

  @Test
  void aHundredThousandCreateDeleteCyclesWithGeneratedIdsLeaveEveryMapAtItsBaseline() throws Exception {
    registry = ConfigRegistry.builder(source).types(List.of(RTS, UPS)).build();
    AtomicLong notified = new AtomicLong();
    registry.addListener(u -> {
      notified.set(u.current().revision());
      long sum = 0;
      for (int i = 0; i < 20_000; i++) { // a slow listener: updates merge while it works
        sum += i;
      }
      assertThat(sum).isPositive();
    });
    registry.start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    source.put("/apisix/upstreams/base", upstream("a"));
    long baseRev = source.put("/apisix/routes/base", "{\"uri\":\"/base\",\"upstream_id\":\"base\"}");
    await().atMost(WAIT).until(() -> notified.get() >= baseRev);
    Map<String, Integer> baseline = registry.internalSizes();

    for (int i = 0; i < 100_000; i++) {
      String id = UUID.randomUUID().toString(); // as POST generates them
      String key = (i % 2 == 0 ? "/apisix/upstreams/" : "/apisix/routes/") + id;
      source.put(key, i % 2 == 0 ? upstream("h") : "{\"uri\":\"/" + i + "\",\"upstream_id\":\"base\"}");
      if (i % 50 == 3) {
        source.put(key, "{\"invalid\":true}"); // a rejection, then the delete must drop it too
      }
      if (i % 10 == 7) {
        source.put("/apisix/routes/missing-" + id, "{\"uri\":\"/p\",\"upstream_id\":\"" + id + "-none\"}"); // pending
        source.delete("/apisix/routes/missing-" + id);
      }
      if (!source.delete(key)) {
        throw new AssertionError("not deleted: " + key);
      }
    }
    long last = source.list().revision();
    // a key created and deleted within one drained batch publishes nothing: wait for the applied revision
    await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= last);
    await().atMost(WAIT).untilAsserted(() -> assertThat(registry.internalSizes()).isEqualTo(baseline));
    assertThat(registry.snapshot().rejections()).isEmpty();
    assertThat(registry.snapshot().pending()).isEmpty();
    assertThat(registry.store(RTS).size()).isEqualTo(1);
    assertThat(registry.store(UPS).size()).isEqualTo(1);
  }

  @Test
  void aReferencedItemsNewValueResolvesNoneOfItsReferrersAgainAndOnlyItsAppearanceReleasesThePending() throws Exception {
    AtomicLong resolved = new AtomicLong(); // references() calls: one per route (re)resolved
    ResourceType<ObjectNode> counted = ResourceType.builder("routes", ObjectNode.class)
        .references(Set.of("upstreams"), r -> {
          resolved.incrementAndGet();
          return List.of(Reference.to("upstreams", r.path("upstream_id").asText(), "upstream_id"));
        })
        .build();
    registry = ConfigRegistry.builder(source).types(List.of(counted, UPS)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    source.put("/apisix/upstreams/u", upstream("a"));
    long rev = 0;
    for (int i = 0; i < 1_000; i++) {
      rev = source.put("/apisix/routes/r" + i, "{\"uri\":\"/" + i + "\",\"upstream_id\":\"u\"}");
    }
    rev = source.put("/apisix/routes/waiting", "{\"uri\":\"/w\",\"upstream_id\":\"later\"}");
    long loaded = rev;
    await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= loaded);
    assertThat(registry.store(counted).size()).isEqualTo(1_000);
    assertThat(registry.snapshot().pending()).containsOnlyKeys("/apisix/routes/waiting");

    resolved.set(0);
    long changed = source.put("/apisix/upstreams/u", upstream("b")); // a new value, the same upstream
    await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= changed);
    assertThat(registry.store(UPS).get("u").path("nodes").has("b:80")).isTrue();
    assertThat(resolved.get()).as("routes resolved again after the upstream's value changed").isZero();
    assertThat(registry.store(counted).size()).isEqualTo(1_000);

    long appeared = source.put("/apisix/upstreams/later", upstream("c")); // releases the pending route only
    await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= appeared);
    assertThat(registry.snapshot().pending()).isEmpty();
    assertThat(registry.store(counted).get("waiting")).isNotNull();
    assertThat(resolved.get()).as("routes resolved again after an upstream appeared").isEqualTo(1);
    assertThat(registry.internalSizes()).containsEntry("pendingIds", 0);

    long gone = source.put("/apisix/upstreams/u", "{\"invalid\":true}"); // rejected: u keeps serving
    source.delete("/apisix/upstreams/later"); // disappears: every route is resolved again
    long deleted = source.list().revision();
    await().atMost(WAIT).until(() -> registry.status().appliedRevision() >= Math.max(gone, deleted));
    assertThat(resolved.get()).isGreaterThanOrEqualTo(1 + 1_001);
    assertThat(registry.snapshot().pending()).containsOnlyKeys("/apisix/routes/waiting");
    assertThat(registry.internalSizes()).containsEntry("pendingIds", 1);
    assertThat(registry.store(counted).size()).isEqualTo(1_000);
  }

  @Test
  void aValidValueQueuedBeforeANewerInvalidOneStillServes() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ResourceType<ObjectNode> blocker = ResourceType.builder("blocker", ObjectNode.class)
        .references(Set.of("upstreams"), v -> { // runs on the apply thread: holds it while the queue fills
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return List.of();
        })
        .build();
    registry = ConfigRegistry.builder(source).types(List.of(blocker, UPSTREAMS)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    long v0 = source.put("/apisix/upstreams/k", upstream("v0"));
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= v0);

    source.put("/apisix/blocker/1", "{}");
    assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    long v1 = source.put("/apisix/upstreams/k", upstream("v1")); // valid
    long bad = source.put("/apisix/upstreams/k", "{\"nodes\":\"not an object\"}"); // newer, invalid
    source.put("/apisix/upstreams/other", upstream("o1"));
    source.put("/apisix/upstreams/other", upstream("o2"));
    assertThat(registry.internalSizes().get("queuedKeys")).as("coalesced per key").isEqualTo(2);
    release.countDown();

    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= bad + 2);
    ConfigItem<ObjectNode> k = registry.store(UPSTREAMS).item("k");
    assertThat(k.modRevision()).as("the valid v1 serves, not v0: the last-good rule saw both").isEqualTo(v1);
    assertThat(registry.snapshot().rejections().get("/apisix/upstreams/k").modRevision()).isEqualTo(bad);
    assertThat(registry.store(UPSTREAMS).get("other").path("nodes").has("o2:80")).isTrue();
  }
}
