package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.passive;
import static io.dynconf.radix.balance.Fixtures.picks;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HealthTest {
  private final Fixtures.ManualClock clock = new Fixtures.ManualClock();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final HealthListener listener = new HealthListener() {
    @Override
    public void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {
      events.add(upstreamKey + " " + node.host() + (healthy ? " up: " : " down: ") + reason);
    }

    @Override
    public void allUnhealthy(String upstreamKey, boolean allUnhealthy) {
      events.add(upstreamKey + (allUnhealthy ? " all unhealthy" : " some healthy"));
    }
  };
  private final Balancers balancers = Balancers.builder().clock(clock).listener(listener).build();

  private static void attempt(Picker picker, String host, Outcome outcome, int status) {
    Node node = picker.nodes().stream().filter(n -> n.host().equals(host)).findFirst().orElseThrow();
    picker.finish(node, picker.start(node), outcome, status);
  }

  @Test
  void consecutiveHttpFailuresEjectANode() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(passive(3, 1, 1, 1)).build());
    attempt(picker, "a", Outcome.RESPONSE, 500);
    attempt(picker, "a", Outcome.RESPONSE, 500);
    assertThat(picks(picker, BalancerRequest.NONE, 4)).contains("a");

    attempt(picker, "a", Outcome.RESPONSE, 503);
    assertThat(picks(picker, BalancerRequest.NONE, 4)).containsOnly("b");
    assertThat(events).containsExactly("u a down: passive: 3 http failures (last status 503)");
  }

  @Test
  void aSuccessResetsTheFailureCountAndNeutralStatusesCountForNothing() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(passive(2, 1, 1, 1)).build());
    attempt(picker, "a", Outcome.RESPONSE, 500);
    attempt(picker, "a", Outcome.RESPONSE, 200);
    attempt(picker, "a", Outcome.RESPONSE, 500);
    attempt(picker, "a", Outcome.RESPONSE, 404); // in neither default list
    attempt(picker, "a", Outcome.CANCELLED, 0);
    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();
  }

  @Test
  void timeoutsAndConnectionFailuresHaveTheirOwnThresholds() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(passive(9, 2, 3, 1)).build());
    attempt(picker, "a", Outcome.TIMEOUT, 0);
    attempt(picker, "a", Outcome.TIMEOUT, 0);
    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();
    attempt(picker, "a", Outcome.TIMEOUT, 0);
    assertThat(picker.healthy(picker.nodes().get(0))).isFalse();

    attempt(picker, "b", Outcome.FAILURE, 0);
    attempt(picker, "b", Outcome.FAILURE, 0);
    assertThat(picker.healthy(picker.nodes().get(1))).isFalse();
  }

  @Test
  void theEjectionPeriodDoublesOnRepeatAndSuccessesRestore() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(passive(1, 1, 1, 2)).build());
    Node a = picker.nodes().get(0);
    attempt(picker, "a", Outcome.FAILURE, 0);
    clock.advance(Duration.ofSeconds(9));
    assertThat(picker.healthy(a)).isFalse();
    clock.advance(Duration.ofSeconds(1)); // 10 s: probation, takes traffic again
    assertThat(picker.healthy(a)).isTrue();
    assertThat(picks(picker, BalancerRequest.NONE, 2)).contains("a");

    attempt(picker, "a", Outcome.FAILURE, 0); // one failure in probation: out again, for 20 s
    clock.advance(Duration.ofSeconds(19));
    assertThat(picker.healthy(a)).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(picker.healthy(a)).isTrue();

    attempt(picker, "a", Outcome.RESPONSE, 200);
    attempt(picker, "a", Outcome.RESPONSE, 200); // 2 successes: restored
    assertThat(events).containsExactly("u a down: passive: 1 tcp failures", "u a up: passive: 2 successes");
  }

  @Test
  void withoutChecksOutcomesNeverEject() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).build());
    for (int i = 0; i < 100; i++) {
      attempt(picker, "a", Outcome.FAILURE, 0);
    }
    assertThat(picks(picker, BalancerRequest.NONE, 4)).contains("a", "b");
  }

  @Test
  void aLowerPriorityGroupServesOnlyWhenTheHigherOneIsDown() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1, 10), node("b", 1, 10), node("c", 1, 0), node("d", 1, -5))
        .checks(passive(1, 1, 1, 1)).build());
    assertThat(picks(picker, BalancerRequest.NONE, 6)).containsOnly("a", "b");

    attempt(picker, "a", Outcome.FAILURE, 0);
    attempt(picker, "b", Outcome.FAILURE, 0);
    assertThat(picks(picker, BalancerRequest.NONE, 3)).containsOnly("c");
    attempt(picker, "c", Outcome.FAILURE, 0);
    assertThat(picks(picker, BalancerRequest.NONE, 3)).containsOnly("d");
  }

  @Test
  void whenEveryNodeIsUnhealthyTrafficGoesToAllAndThatIsReported() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1, 1), node("b", 1, 0)).checks(passive(1, 1, 1, 1)).build());
    attempt(picker, "a", Outcome.FAILURE, 0);
    attempt(picker, "b", Outcome.FAILURE, 0);

    assertThat(picks(picker, BalancerRequest.NONE, 4)).containsOnly("a"); // priority still holds
    assertThat(picker.fallbackPicks()).isEqualTo(4);
    assertThat(events).endsWith("u all unhealthy");

    clock.advance(Duration.ofSeconds(10));
    attempt(picker, "b", Outcome.RESPONSE, 200);
    assertThat(picks(picker, BalancerRequest.NONE, 2)).containsOnly("a"); // a is in probation: eligible
    assertThat(events).endsWith("u b up: passive: 1 successes", "u some healthy");
  }

  @Test
  void slowStartRampsARecoveredNodeUp() {
    Balancers slow = Balancers.builder().clock(clock).slowStart(Duration.ofSeconds(100)).random(LeastConnAndEwmaTest.seeded(7)).build();
    Picker picker = slow.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(passive(1, 1, 1, 1)).build());
    attempt(picker, "a", Outcome.FAILURE, 0);
    clock.advance(Duration.ofSeconds(10));
    attempt(picker, "a", Outcome.RESPONSE, 200); // restored: ramp starts

    clock.advance(Duration.ofSeconds(10)); // 10% of the window
    int early = Fixtures.shares(picker, BalancerRequest.NONE, 10_000).getOrDefault("a", 0);
    clock.advance(Duration.ofSeconds(40)); // 50%
    int half = Fixtures.shares(picker, BalancerRequest.NONE, 10_000).getOrDefault("a", 0);
    clock.advance(Duration.ofSeconds(50)); // done
    int full = Fixtures.shares(picker, BalancerRequest.NONE, 10_000).getOrDefault("a", 0);

    // roundrobin scales a ramping node's share of turns by the ramp factor (its turns pass to the next node)
    assertThat(early).isBetween(400, 600);   // 10% of its 5000
    assertThat(half).isBetween(2350, 2650);  // 50%
    assertThat(full).isEqualTo(5000);
  }

  @Test
  void slowStartRampsANodeAddedByANewVersion() {
    Balancers slow = Balancers.builder().clock(clock).slowStart(Duration.ofSeconds(100)).random(LeastConnAndEwmaTest.seeded(7)).build();
    slow.picker("u", 1, up("least_conn", node("a", 1)).build());
    Picker v2 = slow.picker("u", 2, up("least_conn", node("a", 1), node("b", 1)).build());
    clock.advance(Duration.ofSeconds(50));

    // least_conn: score (in-flight + 1) / (weight × ramp) — b at half weight holds half of a
    for (int i = 0; i < 30; i++) {
      v2.start(v2.pick(BalancerRequest.NONE, List.of()));
    }
    assertThat(v2.inFlight(v2.nodes().get(1))).isBetween(9, 11);
  }

  @Test
  void aNodeUnknownToThePickerIsIgnoredByStartAndFinish() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1)).checks(passive(1, 1, 1, 1)).build());
    Node stranger = new Node("z", 80, 1, 0, Map.of());
    picker.finish(stranger, picker.start(stranger), Outcome.FAILURE, 0);
    assertThat(events).isEmpty();
  }
}
