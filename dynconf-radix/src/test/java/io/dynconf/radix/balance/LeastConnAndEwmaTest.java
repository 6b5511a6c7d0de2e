package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.passive;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class LeastConnAndEwmaTest {
  private final Fixtures.ManualClock clock = new Fixtures.ManualClock();
  private final Balancers balancers = Balancers.builder().clock(clock).random(seeded(42)).build();

  /** A seeded random source, synchronized because picks may run on several threads. */
  static RandomGenerator seeded(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return new RandomGenerator() {
      @Override
      public synchronized long nextLong() {
        return random.nextLong();
      }
    };
  }

  @Test
  void leastConnPicksTheLowestInFlightPerWeight() {
    Picker picker = balancers.picker("u", 1, up("least_conn", node("a", 1), node("b", 2), node("c", 1)).build());
    Map<String, Integer> held = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      Node n = picker.pick(BalancerRequest.NONE, List.of());
      picker.start(n);
      held.merge(n.host(), 1, Integer::sum);
    }
    // (in-flight + 1) / weight stays level: b holds twice what a and c hold
    assertThat(held).containsEntry("a", 2).containsEntry("b", 4).containsEntry("c", 2);
  }

  @Test
  void leastConnSpreadsTiesInsteadOfPilingOnTheFirstNode() {
    Picker picker = balancers.picker("u", 1, up("least_conn", node("a", 1), node("b", 1), node("c", 1)).build());

    Map<String, Integer> shares = Fixtures.shares(picker, BalancerRequest.NONE, 3000);
    assertThat(shares.values()).allSatisfy(n -> assertThat(n).isBetween(900, 1100));
  }

  @Test
  void leastConnCountsSurviveANewVersionAndAHealthFlip() {
    Picker v1 = balancers.picker("u", 1, up("least_conn", node("a", 1), node("b", 1)).checks(passive(1, 1, 1, 1)).build());
    Node a = v1.nodes().get(0);
    for (int i = 0; i < 5; i++) {
      v1.start(a);
    }
    Picker v2 = balancers.picker("u", 2, up("least_conn", node("a", 1), node("b", 1), node("c", 1)).checks(passive(1, 1, 1, 1)).build());
    assertThat(v2.inFlight(v2.nodes().get(0))).isEqualTo(5);

    Node b = v2.nodes().get(1);
    v2.finish(b, v2.start(b), Outcome.FAILURE, 0); // b ejected
    clock.advance(Duration.ofSeconds(11));
    v2.finish(b, v2.start(b), Outcome.RESPONSE, 200); // b restored
    assertThat(v2.inFlight(v2.nodes().get(0))).isEqualTo(5);
    for (int i = 0; i < 4; i++) {
      assertThat(v2.pick(BalancerRequest.NONE, List.of()).host()).isNotEqualTo("a");
    }
    // a finish through the old picker reaches the same count
    v1.finish(a, 0, Outcome.RESPONSE, 200);
    assertThat(v2.inFlight(v2.nodes().get(0))).isEqualTo(4);
  }

  @Test
  void ewmaSendsLessTrafficToASlowNode() {
    Picker picker = balancers.picker("u", 1, up("ewma", node("fast", 1), node("slow", 1), node("mid", 1)).build());
    Map<String, Long> latency = Map.of("fast", 5_000_000L, "slow", 200_000_000L, "mid", 20_000_000L);
    Map<String, Integer> shares = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      Node n = picker.pick(BalancerRequest.NONE, List.of());
      long start = picker.start(n);
      clock.advance(Duration.ofNanos(latency.get(n.host())));
      picker.finish(n, start, Outcome.RESPONSE, 200);
      shares.merge(n.host(), 1, Integer::sum);
    }
    assertThat(shares.get("fast")).isGreaterThan(shares.get("mid"));
    assertThat(shares.get("mid")).isGreaterThan(shares.get("slow"));
    // power of two choices: the slowest node wins only while its decayed average is the lower of a drawn pair
    assertThat(shares.getOrDefault("slow", 0)).isLessThan(300);
  }

  @Test
  void ewmaLatencyDecaysSoAnIdleSlowNodeIsTriedAgain() {
    Picker picker = balancers.picker("u", 1, up("ewma", node("a", 1), node("b", 1)).build());
    Node a = picker.nodes().get(0);
    long start = picker.start(a);
    clock.advance(Duration.ofSeconds(1));
    picker.finish(a, start, Outcome.RESPONSE, 200);
    assertThat(Fixtures.shares(picker, BalancerRequest.NONE, 100)).containsOnlyKeys("b");

    clock.advance(Duration.ofMinutes(10)); // exp(-60) of a second: as good as b's unknown 0
    Picker rebuilt = balancers.picker("u", 2, up("ewma", node("a", 1), node("b", 1)).build());
    Node b = rebuilt.nodes().get(1);
    long s = rebuilt.start(b);
    clock.advance(Duration.ofMillis(10));
    rebuilt.finish(b, s, Outcome.RESPONSE, 200);
    assertThat(rebuilt.pick(BalancerRequest.NONE, List.of()).host()).isEqualTo("a");
  }

  @Test
  void ewmaCountsAFailedConnectionAsSlow() {
    Picker picker = balancers.picker("u", 1, up("ewma", node("a", 1), node("b", 1)).build());
    Node a = picker.nodes().get(0);
    Node b = picker.nodes().get(1);
    picker.finish(a, picker.start(a), Outcome.FAILURE, 0); // instant failure
    long s = picker.start(b);
    clock.advance(Duration.ofMillis(50));
    picker.finish(b, s, Outcome.RESPONSE, 200);

    assertThat(picker.pick(BalancerRequest.NONE, List.of()).host()).isEqualTo("b");
  }
}
