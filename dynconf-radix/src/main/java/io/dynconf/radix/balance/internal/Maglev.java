package io.dynconf.radix.balance.internal;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.spi.Algorithm;
import io.dynconf.radix.balance.spi.BalancerFactory;
import io.dynconf.radix.balance.spi.Group;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * {@code chash} by Maglev hashing (Eisenbud et al., NSDI 2016) with weights: a lookup table of a
 * prime size M ≥ 64 × nodes ({@link #tableSize}) in which each node owns a share of entries proportional to its weight;
 * a pick is one hash of the key and one array read (O(1), lock-free, allocation-free), against
 * APISIX's binary search over a ring of 160 points per weight unit.
 *
 * <p>The table depends only on the node addresses and weights (nodes are placed in address order,
 * not config order), never on health: an unhealthy or already tried node's keys go to the next
 * entries of the table (spread over the other nodes in proportion to their weights) while every
 * key of a healthy node stays where it is. Adding or removing one of n nodes moves close to 1/n of
 * the keys (Maglev's minimal-disruption property; see the tests for the measured fraction).
 */
public final class Maglev implements BalancerFactory {
  @Override
  public String type() {
    return "chash";
  }

  @Override
  public Algorithm create(Group group, Upstream upstream) {
    return new Lookup(HashKey.of(upstream.hashOn(), upstream.key()), table(group));
  }

  /** The lookup table of the group's nodes of positive weight (empty when there is none). */
  static int[] table(Group group) {
    Integer[] order = new Integer[group.size()];
    int live = 0;
    for (int i = 0; i < group.size(); i++) {
      if (group.node(i).weight() > 0) {
        order[live++] = i;
      }
    }
    if (live == 0) {
      return new int[0];
    }
    Integer[] nodes = Arrays.copyOf(order, live);
    Arrays.sort(nodes, Comparator.comparing(i -> group.node(i).address()));
    int size = tableSize(live);
    long[] offset = new long[live];
    long[] skip = new long[live];
    long[] next = new long[live];
    long[] credit = new long[live];
    int maxWeight = 0;
    for (int k = 0; k < live; k++) {
      String address = group.node(nodes[k]).address();
      long h = HashKey.hash(address);
      offset[k] = Long.remainderUnsigned(h, size);
      skip[k] = Long.remainderUnsigned(HashKey.mix(h ^ 0x9e3779b97f4a7c15L), size - 1) + 1;
      maxWeight = Math.max(maxWeight, group.node(nodes[k]).weight());
    }
    int[] table = new int[size];
    Arrays.fill(table, -1);
    int filled = 0;
    while (filled < size) {
      for (int k = 0; k < live && filled < size; k++) {
        credit[k] += group.node(nodes[k]).weight();
        while (credit[k] >= maxWeight && filled < size) {
          credit[k] -= maxWeight;
          int slot;
          do {
            slot = (int) ((offset[k] + next[k] * skip[k]) % size);
            next[k]++;
          } while (table[slot] >= 0);
          table[slot] = nodes[k];
          filled++;
        }
      }
    }
    return table;
  }

  /** Table sizes (primes); a size serves up to size / 64 nodes. */
  private static final int[] SIZES = {1031, 4099, 16411, 65537, 262147, 1048583, 4194319};

  /**
   * The table size for {@code nodes} nodes: the smallest of fixed primes that is at least 64 times
   * the node count. It must not follow the node count exactly, or every change of the node set
   * would remap almost every key; it steps at 16, 64, 256, 1024, 4096 and 16384 nodes, where keys
   * are remapped once, like a resize.
   */
  static int tableSize(int nodes) {
    for (int size : SIZES) {
      if (size >= 64L * nodes) {
        return size;
      }
    }
    return prime(64L * nodes);
  }

  static int prime(long atLeast) {
    for (long n = atLeast | 1; ; n += 2) {
      boolean prime = true;
      for (long d = 3; d * d <= n; d += 2) {
        if (n % d == 0) {
          prime = false;
          break;
        }
      }
      if (prime) {
        return Math.toIntExact(n);
      }
    }
  }

  static final class Lookup implements Algorithm {
    private final HashKey key;
    private final int[] table;

    Lookup(HashKey key, int[] table) {
      this.key = key;
      this.table = table;
    }

    @Override
    public int select(Group group, BalancerRequest request, List<Node> tried, boolean ignoreHealth) {
      int[] t = table;
      int size = t.length;
      if (size == 0) {
        return -1;
      }
      int slot = (int) ((key.hash(request) >>> 1) % size);
      for (int k = 0; k < size; k++) {
        int i = t[slot];
        if (group.eligible(i, tried, ignoreHealth)) {
          return i;
        }
        if (++slot == size) {
          slot = 0;
        }
      }
      return -1;
    }
  }
}
