package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigStore;
import io.dynconf.etcd.testing.EtcdCluster;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.dynconf.etcd.testing.EtcdMember;
import io.dynconf.etcd.testing.EtcdWriter;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thousands of puts and deletes on random keys, interleaved with the faults of {@link
 * EtcdFaultTest} (follower and leader kills, full restart, a paused member, compaction while cut
 * off, a wipe); at the end the stores equal etcd exactly, and no update ever moved a store's
 * version back or (except across the wipe) its revision.
 *
 * <p>The schedule is random: every kind fires once, in a random order, plus up to two extra draws
 * of any kind, at random operations; the test asserts that every kind fired. It prints its seed;
 * {@code -Ddynconf.seed=N} replays a schedule (the module does not re-run failing tests, so a
 * failing seed is never hidden behind a passing one).
 */
class EtcdRandomizedFaultTest {
  /** How long one write may keep retrying after a fault (elections on a loaded 2-core box take seconds). */
  private static final Duration WRITE = Duration.ofSeconds(60);
  private static final int OPERATIONS = 2400;
  private static final String[] FAULTS = {"kill-follower", "kill-leader", "restart-all", "pause", "compact-cut-off", "wipe"};

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(3);

  private final List<String> violations = new CopyOnWriteArrayList<>();
  private volatile boolean wiping;

  @Test
  void theStoresEndEqualToEtcdWhateverHappened() throws Exception {
    long seed = Long.getLong("dynconf.seed", Long.getLong("faults.seed", new SecureRandom().nextLong()));
    System.out.println("EtcdRandomizedFaultTest: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    TreeMap<Integer, String> schedule = schedule(random);
    System.out.println("EtcdRandomizedFaultTest: faults at operations " + schedule);
    EtcdCluster etcd = ETCD.cluster();
    EtcdWriter writer = new EtcdWriter(etcd::directEndpoints, WRITE);
    writer.put("/apisix/upstreams/u1", "{\"nodes\":{\"127.0.0.1:80\":1}}");
    try (EtcdSource source = EtcdSource.builder().endpoints(etcd.endpoints()).progressInterval(Duration.ofMillis(500))
            .requestTimeout(Duration.ofSeconds(2)).backoff(Duration.ofMillis(20), Duration.ofMillis(500)).build();
        ConfigRegistry registry = ConfigRegistry.builder(source).backoff(Duration.ofMillis(20), Duration.ofMillis(500)).build()) {
      registry.addListener(u -> {
        for (ConfigStore<?> before : u.previous().stores()) {
          ConfigStore<?> after = u.current().store(before.type().name());
          if (after.version() < before.version() || (after.revision() < before.revision() && !wiping)) {
            violations.add(before.type().name() + " " + before.version() + "@" + before.revision() + " -> " + after.version() + "@" + after.revision());
          }
        }
      });
      registry.start();
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();

      Set<String> fired = new TreeSet<>();
      for (int op = 0; op < OPERATIONS; op++) {
        String fault = schedule.get(op);
        if (fault != null) {
          inject(fault, etcd, writer, random);
          fired.add(fault);
        }
        String key = "/apisix/routes/r" + random.nextInt(60);
        if (random.nextInt(4) == 0) {
          writer.delete(key);
        } else {
          writer.put(key, "{\"uri\":\"/p" + op + "\",\"upstream_id\":\"u1\"}");
        }
      }
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
          () -> assertThat(held(registry)).as("seed " + seed).isEqualTo(etcdContent(writer.client())));
      assertThat(violations).as("seed " + seed).isEmpty();
      assertThat(fired).as("fault kinds that fired, seed " + seed).containsExactlyInAnyOrder(FAULTS);
    } finally {
      writer.close();
    }
  }

  @Test
  void everyScheduleDrawsEveryKindAtDistinctOperations() {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("EtcdRandomizedFaultTest.everySchedule: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 1000; i++) {
      TreeMap<Integer, String> schedule = schedule(random);
      assertThat(new TreeSet<>(schedule.values())).as("seed " + seed + " schedule " + schedule).containsExactlyInAnyOrder(FAULTS);
      assertThat(schedule.firstKey()).isGreaterThanOrEqualTo(100);
      assertThat(schedule.lastKey()).isLessThan(OPERATIONS - 100);
      assertThat(schedule.size()).isBetween(FAULTS.length, FAULTS.length + 2);
    }
  }

  /**
   * Every kind once, in random order, and up to two extra draws of any kind, each at its own random
   * operation (at least 100 operations apart, so writes run between faults).
   */
  static TreeMap<Integer, String> schedule(Random random) {
    List<String> kinds = new ArrayList<>(List.of(FAULTS));
    Collections.shuffle(kinds, random);
    int extra = random.nextInt(3);
    for (int i = 0; i < extra; i++) {
      kinds.add(FAULTS[random.nextInt(FAULTS.length)]);
    }
    TreeMap<Integer, String> schedule = new TreeMap<>();
    int slots = (OPERATIONS - 200) / 100; // operations 100, 200, ... OPERATIONS - 200
    List<Integer> positions = new ArrayList<>();
    for (int i = 1; i <= slots; i++) {
      positions.add(i * 100 + random.nextInt(50));
    }
    Collections.shuffle(positions, random);
    List<Integer> chosen = new ArrayList<>(positions.subList(0, kinds.size()));
    Collections.sort(chosen);
    for (int i = 0; i < kinds.size(); i++) {
      schedule.put(chosen.get(i), kinds.get(i));
    }
    return schedule;
  }

  private void inject(String fault, EtcdCluster etcd, EtcdWriter writer, Random random) throws Exception {
    switch (fault) {
      case "kill-follower" -> etcd.followers().get(random.nextInt(2)).kill();
      case "kill-leader" -> etcd.leader().kill();
      case "restart-all" -> {
        for (EtcdMember m : etcd.members()) {
          m.stop();
        }
      }
      case "pause" -> {
        EtcdMember m = etcd.member(random.nextInt(3));
        m.pause();
        writeSome(writer, 20);
      }
      case "compact-cut-off" -> {
        etcd.members().forEach(m -> m.proxy().drop());
        writeSome(writer, 50);
        etcd.compact();
        etcd.members().forEach(m -> m.proxy().pass());
      }
      case "wipe" -> {
        wiping = true;
        etcd.wipe();
        writer.redial();
        writer.put("/apisix/upstreams/u1", "{\"nodes\":{\"127.0.0.1:81\":1}}");
      }
      default -> throw new IllegalArgumentException(fault);
    }
    if (!fault.equals("restart-all")) { // with every member down nothing can be written
      writeSome(writer, 20);
    }
    etcd.heal();
  }

  private static void writeSome(EtcdWriter writer, int n) {
    for (int i = 0; i < n; i++) {
      writer.put("/apisix/routes/f" + i, "{\"uri\":\"/f" + i + "\",\"upstream_id\":\"u1\"}");
    }
  }

  private static Map<String, Long> held(ConfigRegistry registry) {
    Map<String, Long> held = new TreeMap<>();
    for (ConfigStore<?> store : registry.snapshot().stores()) {
      for (ConfigItem<?> item : store.items()) {
        held.put(item.key().toKey(), item.modRevision());
      }
    }
    return held;
  }

  private static Map<String, Long> etcdContent(Client c) throws Exception {
    Map<String, Long> out = new TreeMap<>();
    for (io.etcd.jetcd.KeyValue kv : c.getKVClient().get(bytes("/apisix/"), GetOption.builder().isPrefix(true).build()).get(2, TimeUnit.SECONDS).getKvs()) {
      out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getModRevision());
    }
    return out;
  }




  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
