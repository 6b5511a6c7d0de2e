package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.picks;
import static io.dynconf.radix.balance.Fixtures.shares;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinTest {
  private final Balancers balancers = Balancers.create();

  @Test
  void weights5to1to1GiveNginxSmoothSequence() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 5), node("b", 1), node("c", 1)).build());

    assertThat(picks(picker, BalancerRequest.NONE, 14))
        .containsExactly("a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a");
  }

  @Test
  void equalWeightsTakeTurnsInConfigOrder() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 100), node("b", 100), node("c", 100)).build());

    assertThat(picks(picker, BalancerRequest.NONE, 6)).containsExactly("a", "b", "c", "a", "b", "c");
  }

  @Test
  void weights4to2to1SpreadAsNginxDoes() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 4), node("b", 2), node("c", 1)).build());

    assertThat(picks(picker, BalancerRequest.NONE, 7)).containsExactly("a", "b", "a", "c", "a", "b", "a");
  }

  @Test
  void aNodeOfWeightZeroGetsNoTraffic() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 0)).build());

    assertThat(picks(picker, BalancerRequest.NONE, 10)).containsOnly("a");
  }

  @Test
  void everyWeightZeroMeansNoNode() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 0), node("b", 0)).build());

    assertThat(picker.pick(BalancerRequest.NONE, List.of())).isNull();
  }

  @Test
  void noNodesMeansNoNode() {
    Picker picker = balancers.picker("u", 1, up("roundrobin").build());

    assertThat(picker.pick(BalancerRequest.NONE, List.of())).isNull();
  }

  @Test
  void aPeriodTooLongForATableKeepsExactProportions() {
    // sum 70003 > the 65536-entry table: the locked classic algorithm
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 70000), node("b", 2), node("c", 1)).build());

    List<String> seq = picks(picker, BalancerRequest.NONE, 70003);
    assertThat(Collections.frequency(seq, "b")).isEqualTo(2);
    assertThat(Collections.frequency(seq, "c")).isEqualTo(1);
  }

  @Test
  void sharesFollowWeightsOverManyPeriods() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 3), node("b", 2), node("c", 5)).build());

    assertThat(shares(picker, BalancerRequest.NONE, 1000)).containsEntry("a", 300).containsEntry("b", 200).containsEntry("c", 500);
  }
}
