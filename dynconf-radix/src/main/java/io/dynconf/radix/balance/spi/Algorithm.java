package io.dynconf.radix.balance.spi;

import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Node;
import java.util.List;

/**
 * Chooses a node of one priority group. Called concurrently from request threads: implementations
 * must be thread-safe and should neither block nor allocate.
 */
public interface Algorithm {
  /**
   * The index in {@code group} of the chosen node, or -1 when no node of the group is {@linkplain
   * Group#eligible eligible}. Must return only eligible nodes.
   *
   * @param tried the nodes already tried by this request (usually empty)
   * @param ignoreHealth true when every node of the upstream is unhealthy and traffic goes to all
   *     of them; pass it on to {@link Group#eligible}
   */
  int select(Group group, BalancerRequest request, List<Node> tried, boolean ignoreHealth);
}
