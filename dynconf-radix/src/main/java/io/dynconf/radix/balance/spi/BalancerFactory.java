package io.dynconf.radix.balance.spi;

import io.dynconf.core.apisix.Upstream;

/**
 * Makes the {@link Algorithm} of one balancer {@linkplain #type() type}. Found through {@link
 * java.util.ServiceLoader} ({@code META-INF/services/io.dynconf.radix.balance.spi.BalancerFactory})
 * or registered with {@code Balancers.Builder.factory}; a name may be registered once. Must be
 * thread-safe.
 */
public interface BalancerFactory {
  /** The upstream {@code type} this factory serves, such as {@code roundrobin}. */
  String type();

  /**
   * An algorithm for one priority group of an upstream. Called when a picker is built (off the
   * request path), once per priority group; the group's nodes do not change for the algorithm's
   * life, their state (health, in-flight, latency, slow start) does.
   *
   * @throws io.dynconf.core.InvalidConfigException when the upstream's settings do not suit this
   *     balancer, naming the field; an {@link IllegalArgumentException} is reported at {@code /type}
   */
  Algorithm create(Group group, Upstream upstream);
}
