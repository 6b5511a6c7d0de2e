package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.spi.BalancerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RetryAndCacheTest {
  private final Fixtures.ManualClock clock = new Fixtures.ManualClock();
  private final Balancers balancers = Balancers.builder().clock(clock).build();

  @Test
  void retriesDefaultToTheNodeCountMinusOne() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1), node("c", 1)).build());

    assertThat(picker.retries()).isEqualTo(2);
    assertThat(picker.mayRetry(1, clock.getAsLong())).isTrue();
    assertThat(picker.mayRetry(2, clock.getAsLong())).isTrue();
    assertThat(picker.mayRetry(3, clock.getAsLong())).isFalse();
  }

  @Test
  void zeroRetriesDisablesRetrying() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).retries(0, null).build());

    assertThat(picker.mayRetry(1, clock.getAsLong())).isFalse();
  }

  @Test
  void retryTimeoutBoundsTheTimeToStartARetry() {
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).retries(5, 2.5).build());
    long first = picker.start(picker.nodes().get(0));

    clock.advance(Duration.ofMillis(2499));
    assertThat(picker.mayRetry(1, first)).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(picker.mayRetry(1, first)).isFalse();
    assertThat(picker.retryTimeout()).isEqualTo(Duration.ofMillis(2500));
  }

  @ParameterizedTest
  @ValueSource(strings = {"roundrobin", "chash", "ewma", "least_conn"})
  void aRetryNeverPicksATriedNodeWhileAnotherIsAvailable(String type) {
    Upstream upstream = up(type, node("a", 5), node("b", 1), node("c", 1), node("d", 1, -1)).hash("vars", "uri").build();
    Picker picker = balancers.picker("u", 1, upstream);
    for (int request = 0; request < 50; request++) {
      Fixtures.Req r = Fixtures.req().var("uri", "/r" + request);
      List<Node> tried = new ArrayList<>();
      for (int attempt = 0; attempt < 4; attempt++) {
        Node n = picker.pick(r, tried);
        assertThat(tried).doesNotContain(n);
        tried.add(n);
      }
      assertThat(tried).extracting(Node::host).containsExactlyInAnyOrder("a", "b", "c", "d");
      assertThat(tried.get(3).host()).isEqualTo("d"); // the lower priority comes last
      assertThat(picker.pick(r, tried)).isNotNull(); // all tried: a tried one again
    }
  }

  @Test
  void pickersAreCachedPerKeyAndVersion() {
    Upstream upstream = up("roundrobin", node("a", 1)).build();
    Picker first = balancers.picker("u", 1, upstream);

    assertThat(balancers.picker("u", 1, upstream)).isSameAs(first);
    assertThat(balancers.picker("u", 2, upstream)).isNotSameAs(first);
    assertThat(balancers.picker("other", 1, upstream)).isNotSameAs(first);
  }

  @Test
  void aFailedBuildKeepsTheCachedPicker() {
    Picker good = balancers.picker("u", 1, up("roundrobin", node("a", 1)).build());

    assertThatThrownBy(() -> balancers.picker("u", 2, up("nope", node("a", 1)).build()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
          assertThat(e.field()).isEqualTo("/type");
          assertThat(e.reason()).isEqualTo("unknown balancer type \"nope\": known types are [chash, ewma, least_conn, "
              + "random_test, roundrobin] (custom ones are added with a BalancerFactory through ServiceLoader)");
        });
    assertThat(balancers.picker("u", 1, up("roundrobin", node("a", 1)).build())).isSameAs(good);
  }

  @Test
  void aCustomBalancerIsFoundThroughServiceLoader() {
    assertThat(balancers.types()).contains("random_test", "roundrobin", "chash", "ewma", "least_conn");
    Picker picker = balancers.picker("u", 1, up("random_test", node("a", 1), node("b", 1)).build());

    assertThat(Fixtures.shares(picker, BalancerRequest.NONE, 100)).containsOnlyKeys("b");
  }

  @Test
  void aTypeRegisteredTwiceIsRefused() {
    BalancerFactory clash = new BalancerFactory() {
      @Override
      public String type() {
        return "roundrobin";
      }

      @Override
      public io.dynconf.radix.balance.spi.Algorithm create(io.dynconf.radix.balance.spi.Group group, Upstream upstream) {
        return (g, r, t, h) -> -1;
      }
    };

    assertThatThrownBy(() -> Balancers.builder().factory(clash).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("balancer type \"roundrobin\" is registered twice");
  }

  @Test
  void healthChecksThatCannotWorkAreRejectedAtTheirField() {
    assertThatThrownBy(() -> balancers.check(up("roundrobin", node("a", 1))
        .checks(Map.of("active", Map.of("concurrency", 0L))).build()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("/checks/active/concurrency"));
  }

  @Test
  void nodesRejectBadValuesNamingTheField() {
    assertThatThrownBy(() -> new Node("a", 80, -1, 0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weight: -1 is negative (node a:80)");
    assertThatThrownBy(() -> new Node("a", 0, 1, 0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port: 0 is outside 1-65535 (node a)");
  }

  @Test
  void theDefaultPortFollowsTheScheme() {
    Upstream.Node n = new Upstream.Node("a", null, 1, 0, Map.of());
    assertThat(Node.of(n, "https").port()).isEqualTo(443);
    assertThat(Node.of(n, "grpcs").port()).isEqualTo(443);
    assertThat(Node.of(n, "http").port()).isEqualTo(80);
  }
}
