package io.dynconf.examples.gateway.plugin.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The order of traffic-split's weighted round robin (lua-resty-balancer's {@code roundrobin}). */
class TrafficSplitRoundRobinTest {

  private static List<Integer> picks(int[] weights, int start, int n) {
    TrafficSplit.WeightedRoundRobin rr = new TrafficSplit.WeightedRoundRobin(weights, start);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(rr.next());
    }
    return out;
  }

  @Test
  void heaviestFirstInEachPassThenTheBarDropsByTheGcd() {
    // starting after the last entry, the first pass (bar 3) is already over: bar 2: a b; 1: a b c;
    // 3: a; 2: a b; ...
    assertThat(picks(new int[] {3, 2, 1}, 2, 12)).containsExactly(0, 1, 0, 1, 2, 0, 0, 1, 0, 1, 2, 0);
    // weights 40:20 are 2:1 after the gcd (bar 40, then 20)
    assertThat(picks(new int[] {40, 20}, 1, 6)).containsExactly(0, 1, 0, 0, 1, 0);
  }

  @Test
  void theFirstPickFollowsTheRandomStartAsLuaRestyBalancerDoes() {
    // starting after entry 0: entries 1 and 2 miss the bar 3, so the pass ends before entry 0's turn
    assertThat(picks(new int[] {3, 2, 1}, 0, 6)).containsExactly(0, 1, 0, 1, 2, 0);
    assertThat(picks(new int[] {1, 1, 1}, 0, 4)).containsExactly(1, 2, 0, 1);
    assertThat(picks(new int[] {1, 1, 1}, 1, 4)).containsExactly(2, 0, 1, 2);
  }

  @Test
  void zeroWeightsGetNothingUnlessEveryWeightIsZero() {
    assertThat(picks(new int[] {0, 2, 0, 1}, 3, 6)).containsExactly(1, 3, 1, 1, 3, 1);
    assertThat(picks(new int[] {0, 0, 0}, 2, 6)).containsExactly(0, 1, 2, 0, 1, 2);
    assertThat(picks(new int[] {5}, 0, 3)).containsExactly(0, 0, 0);
  }

  @Test
  void noRulesOrARuleWithoutWeightedUpstreamsMeanTheRoutesOwnUpstream() {
    TrafficSplit ts = new TrafficSplit();
    assertThat(ts.configure(Map.of()).rules()).isEmpty();
    TrafficSplit.Target only = ts.configure(Map.of("rules", List.of(Map.of()))).rules().get(0).targets().get(0);
    assertThat(only.upstreamId()).isNull();
    assertThat(only.inline()).isNull();
    assertThat(only.weight()).isEqualTo(1);
  }
}
