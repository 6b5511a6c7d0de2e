package io.dynconf.radix.balance.internal;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.spi.Algorithm;
import io.dynconf.radix.balance.spi.BalancerFactory;
import io.dynconf.radix.balance.spi.Group;
import java.util.List;

/**
 * {@code least_conn}: the eligible node with the lowest (in-flight + 1) / (weight × ramp factor).
 * The in-flight counts live in the shared node state, so they survive new upstream versions and
 * health flips (APISIX lost them on every rebuild until 3.x, issue #12217). The scan starts at a
 * random node so ties spread instead of piling on the first node. O(n) per pick, lock-free.
 */
public final class LeastConn implements BalancerFactory {
  @Override
  public String type() {
    return "least_conn";
  }

  @Override
  public Algorithm create(Group group, Upstream upstream) {
    return LeastConn::select;
  }

  static int select(Group group, BalancerRequest request, List<Node> tried, boolean ignoreHealth) {
    int n = group.size();
    int start = n > 1 ? group.random().nextInt(n) : 0;
    int best = -1;
    double bestScore = Double.MAX_VALUE;
    for (int k = 0, i = start; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
      if (!group.eligible(i, tried, ignoreHealth)) {
        continue;
      }
      double score = (group.inFlight(i) + 1) / (group.node(i).weight() * group.rampFactor(i));
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }
}
