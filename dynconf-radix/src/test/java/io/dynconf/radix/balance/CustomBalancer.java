package io.dynconf.radix.balance;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.spi.Algorithm;
import io.dynconf.radix.balance.spi.BalancerFactory;
import io.dynconf.radix.balance.spi.Group;

/** A ServiceLoader balancer for the tests: always the last eligible node. */
public final class CustomBalancer implements BalancerFactory {
  @Override
  public String type() {
    return "random_test";
  }

  @Override
  public Algorithm create(Group group, Upstream upstream) {
    return (g, request, tried, ignoreHealth) -> {
      for (int i = g.size() - 1; i >= 0; i--) {
        if (g.eligible(i, tried, ignoreHealth)) {
          return i;
        }
      }
      return -1;
    };
  }
}
