package io.dynconf.radix.balance.spi;

import io.dynconf.radix.balance.Node;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The nodes of one priority of an upstream, with their live state, as an {@link Algorithm} sees
 * them. The node list is fixed; the state methods read the current values (thread-safe, no
 * allocation).
 */
public interface Group {
  /** The number of nodes, including nodes of weight 0. */
  int size();

  Node node(int index);

  /** The priority shared by the group's nodes. */
  int priority();

  /**
   * Whether the node may be picked now: its weight is above 0, it is not in {@code tried}, and it
   * is healthy (unless {@code ignoreHealth}).
   */
  boolean eligible(int index, List<Node> tried, boolean ignoreHealth);

  /**
   * The slow-start factor, in (0, 1]: 1 for a node at full weight, less while a new or recovered
   * node ramps up. An algorithm scales the node's weight by it.
   */
  double rampFactor(int index);

  /** The requests in flight at the node (started and not yet finished, across picker versions). */
  int inFlight(int index);

  /** The node's latency average in nanoseconds, decayed toward 0 while the node is idle; 0 when unknown. */
  double latencyNanos(int index);

  /** The random source (thread-safe; seeded in tests). */
  RandomGenerator random();
}
