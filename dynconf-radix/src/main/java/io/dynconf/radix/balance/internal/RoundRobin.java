package io.dynconf.radix.balance.internal;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.spi.Algorithm;
import io.dynconf.radix.balance.spi.BalancerFactory;
import io.dynconf.radix.balance.spi.Group;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code roundrobin}: nginx's smooth weighted round robin (weights 5:1:1 give a a b a c a a).
 *
 * <p>The sequence repeats every sum-of-weights picks (after dividing the weights by their greatest
 * common divisor), so when that period is at most {@link #TABLE_LIMIT} it is computed once and a
 * pick is one atomic increment and an array read: lock-free, allocation-free, O(1). An ineligible
 * node's turn passes to the next entry; a ramping node (slow start) takes its turn with a
 * probability equal to its ramp factor. Longer periods fall back to the classic O(n) algorithm
 * under a lock, which also honours health and slow start exactly.
 */
public final class RoundRobin implements BalancerFactory {
  /** The longest precomputed sequence (entries). */
  public static final int TABLE_LIMIT = 1 << 16;

  @Override
  public String type() {
    return "roundrobin";
  }

  @Override
  public Algorithm create(Group group, Upstream upstream) {
    int n = group.size();
    int[] weights = new int[n];
    int gcd = 0;
    for (int i = 0; i < n; i++) {
      weights[i] = group.node(i).weight();
      gcd = gcd(gcd, weights[i]);
    }
    long period = 0;
    for (int i = 0; i < n; i++) {
      weights[i] = gcd == 0 ? 0 : weights[i] / gcd;
      period += weights[i];
    }
    if (period == 0) {
      return (g, r, t, h) -> -1;
    }
    return period <= TABLE_LIMIT ? new Table(sequence(weights, (int) period)) : new Smooth(weights);
  }

  static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** One full period of the smooth weighted round robin over {@code weights}. */
  static int[] sequence(int[] weights, int period) {
    long[] current = new long[weights.length];
    int[] seq = new int[period];
    for (int k = 0; k < period; k++) {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        if (weights[i] == 0) {
          continue;
        }
        current[i] += weights[i];
        if (best < 0 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= period;
      seq[k] = best;
    }
    return seq;
  }

  static final class Table implements Algorithm {
    private final int[] sequence;
    private final AtomicLong cursor = new AtomicLong();

    Table(int[] sequence) {
      this.sequence = sequence;
    }

    @Override
    public int select(Group group, BalancerRequest request, List<Node> tried, boolean ignoreHealth) {
      int[] seq = sequence;
      int period = seq.length;
      int s = (int) ((cursor.getAndIncrement() & Long.MAX_VALUE) % period);
      int fallback = -1;
      for (int k = 0; k < period; k++) {
        int i = seq[s];
        if (group.eligible(i, tried, ignoreHealth)) {
          double f = group.rampFactor(i);
          if (f >= 1 || group.random().nextDouble() < f) {
            return i;
          }
          if (fallback < 0) {
            fallback = i;
          }
        }
        if (++s == period) {
          s = 0;
        }
      }
      return fallback;
    }
  }

  /** The classic algorithm over the eligible nodes; used for very long periods. */
  static final class Smooth implements Algorithm {
    private final int[] weights;
    private final double[] current;

    Smooth(int[] weights) {
      this.weights = weights;
      this.current = new double[weights.length];
    }

    @Override
    public synchronized int select(Group group, BalancerRequest request, List<Node> tried, boolean ignoreHealth) {
      double total = 0;
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        if (!group.eligible(i, tried, ignoreHealth)) {
          continue;
        }
        double w = weights[i] * group.rampFactor(i);
        current[i] += w;
        total += w;
        if (best < 0 || current[i] > current[best]) {
          best = i;
        }
      }
      if (best >= 0) {
        current[best] -= total;
      }
      return best;
    }
  }
}
