package io.dynconf.radix.balance.internal;

import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.spi.Group;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/** A priority group over shared node states. Immutable apart from the states it reads. */
public final class GroupImpl implements Group {
  private final Node[] nodes;
  private final NodeState[] states;
  private final int priority;
  private final LongSupplier clock;
  private final long slowStartNanos;
  private final @Nullable RandomGenerator random;

  public GroupImpl(Node[] nodes, NodeState[] states, int priority, LongSupplier clock, long slowStartNanos,
      @Nullable RandomGenerator random) {
    this.nodes = nodes.clone();
    this.states = states.clone();
    this.priority = priority;
    this.clock = clock;
    this.slowStartNanos = slowStartNanos;
    this.random = random;
  }

  @Override
  public int size() {
    return nodes.length;
  }

  @Override
  public Node node(int index) {
    return nodes[index];
  }

  public NodeState state(int index) {
    return states[index];
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public boolean eligible(int index, List<Node> tried, boolean ignoreHealth) {
    Node node = nodes[index];
    return node.weight() > 0 && (ignoreHealth || states[index].available(clock)) && (tried.isEmpty() || !contains(tried, node));
  }

  /** Whether some node of the group is healthy and has a weight (tried or not). */
  public boolean anyAvailable() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].weight() > 0 && states[i].available(clock)) {
        return true;
      }
    }
    return false;
  }

  public static boolean contains(List<Node> tried, Node node) {
    for (int i = 0, n = tried.size(); i < n; i++) {
      Node t = tried.get(i);
      if (t == node || t.address().equals(node.address())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public double rampFactor(int index) {
    return slowStartNanos <= 0 ? 1 : states[index].rampFactor(clock, slowStartNanos);
  }

  @Override
  public int inFlight(int index) {
    return states[index].inFlight();
  }

  @Override
  public double latencyNanos(int index) {
    return states[index].latencyNanos(clock);
  }

  @Override
  public RandomGenerator random() {
    return random != null ? random : ThreadLocalRandom.current();
  }
}
