package io.dynconf.radix.balance.internal;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.spi.Algorithm;
import io.dynconf.radix.balance.spi.BalancerFactory;
import io.dynconf.radix.balance.spi.Group;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * {@code ewma}: power of two choices. Two distinct eligible nodes are drawn at random and the one
 * with the lower cost wins, where cost = latency average (decaying toward 0 with a 10 s time
 * constant while idle, as APISIX) × (in-flight + 1) / (weight × ramp factor). APISIX compares the
 * bare latency average; the in-flight factor keeps a burst from all landing on the node that was
 * fastest a moment ago, and the weight makes {@code weight} mean something. Lock-free; draws a few
 * random numbers, scans the group only when random draws keep hitting ineligible nodes.
 */
public final class Ewma implements BalancerFactory {
  private static final int DRAWS = 4;

  @Override
  public String type() {
    return "ewma";
  }

  @Override
  public Algorithm create(Group group, Upstream upstream) {
    return Ewma::select;
  }

  static int select(Group group, BalancerRequest request, List<Node> tried, boolean ignoreHealth) {
    int n = group.size();
    RandomGenerator random = group.random();
    int a = draw(group, random, tried, ignoreHealth, -1);
    if (a < 0) {
      return -1;
    }
    int b = draw(group, random, tried, ignoreHealth, a);
    if (b < 0) {
      return a;
    }
    return cost(group, b) < cost(group, a) ? b : a;
  }

  private static double cost(Group group, int i) {
    return group.latencyNanos(i) * (group.inFlight(i) + 1) / (group.node(i).weight() * group.rampFactor(i));
  }

  /** A random eligible node other than {@code other}, or -1. */
  private static int draw(Group group, RandomGenerator random, List<Node> tried, boolean ignoreHealth, int other) {
    int n = group.size();
    for (int k = 0; k < DRAWS; k++) {
      int i = random.nextInt(n);
      if (i != other && group.eligible(i, tried, ignoreHealth)) {
        return i;
      }
    }
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (i != other && group.eligible(i, tried, ignoreHealth)) {
        count++;
      }
    }
    if (count == 0) {
      return -1;
    }
    int target = random.nextInt(count);
    for (int i = 0; i < n; i++) {
      if (i != other && group.eligible(i, tried, ignoreHealth) && target-- == 0) {
        return i;
      }
    }
    return -1;
  }
}
