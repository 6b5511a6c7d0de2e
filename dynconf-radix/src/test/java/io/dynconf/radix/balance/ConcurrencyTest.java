package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.passive;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** pick/start/finish from many threads, with rebuilds and health flips in between. */
class ConcurrencyTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 20_000;

  @ParameterizedTest
  @ValueSource(strings = {"roundrobin", "chash", "ewma", "least_conn"})
  void inFlightCountsReturnToZeroAndNoPickFails(String type) throws Exception {
    Balancers balancers = Balancers.create();
    Fixtures.Up config = up(type, node("a", 3), node("b", 2), node("c", 1), node("d", 1, -1)).hash("vars", "uri").checks(passive(3, 3, 3, 1));
    AtomicInteger version = new AtomicInteger(1);
    balancers.picker("u", 1, config.build());
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    CountDownLatch go = new CountDownLatch(1);
    LongAdder nulls = new LongAdder();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit(() -> {
        go.await();
        Fixtures.Req request = Fixtures.req();
        for (int i = 0; i < PER_THREAD; i++) {
          Picker picker = balancers.picker("u", version.get(), config.build());
          request.var("uri", "/" + (i & 1023));
          Node n = picker.pick(request, List.of());
          if (n == null) {
            nulls.increment();
            continue;
          }
          long start = picker.start(n);
          int roll = ThreadLocalRandom.current().nextInt(100);
          picker.finish(n, start, roll < 2 ? Outcome.FAILURE : Outcome.RESPONSE, roll < 4 ? 500 : 200);
        }
        return null;
      }));
    }
    futures.add(pool.submit(() -> {
      go.await();
      for (int v = 2; v < 200; v++) {
        version.set(v); // rebuilds while requests run
        Thread.yield();
      }
      return null;
    }));
    go.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();

    Picker last = balancers.picker("u", version.get(), config.build());
    assertThat(nulls.sum()).isZero();
    for (Node n : last.nodes()) {
      assertThat(last.inFlight(n)).as(n.address()).isZero();
    }
  }

  @Test
  void roundRobinSharesAreExactUnderContention() throws Exception {
    Balancers balancers = Balancers.create();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 5), node("b", 1), node("c", 1)).build());
    Map<String, LongAdder> shares = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit(() -> {
        for (int i = 0; i < 7_000; i++) {
          shares.computeIfAbsent(picker.pick(BalancerRequest.NONE, List.of()).host(), h -> new LongAdder()).increment();
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();

    // 56,000 picks = 8,000 full periods of a a b a c a a, whatever the interleaving
    assertThat(shares.get("a").sum()).isEqualTo(40_000);
    assertThat(shares.get("b").sum()).isEqualTo(8_000);
    assertThat(shares.get("c").sum()).isEqualTo(8_000);
  }
}
