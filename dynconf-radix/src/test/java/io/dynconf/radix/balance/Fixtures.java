package io.dynconf.radix.balance;

import io.dynconf.core.apisix.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/** Upstreams, requests and a manual clock for the balancer tests. */
final class Fixtures {
  private Fixtures() {}

  static Upstream.Node node(String host, int weight) {
    return node(host, weight, 0);
  }

  static Upstream.Node node(String host, int weight, int priority) {
    return new Upstream.Node(host, 80, weight, priority, Map.of());
  }

  static Up up(String type, Upstream.Node... nodes) {
    return new Up(type, List.of(nodes));
  }

  /** An upstream under construction. */
  static final class Up {
    final String type;
    List<Upstream.Node> nodes;
    String hashOn = "vars";
    @Nullable String key;
    Map<String, @Nullable Object> checks = Map.of();
    @Nullable Integer retries;
    @Nullable Double retryTimeout;
    String passHost = "pass";
    @Nullable String upstreamHost;

    Up(String type, List<Upstream.Node> nodes) {
      this.type = type;
      this.nodes = nodes;
    }

    Up hash(String hashOn, @Nullable String key) {
      this.hashOn = hashOn;
      this.key = key;
      return this;
    }

    Up checks(Map<String, @Nullable Object> checks) {
      this.checks = checks;
      return this;
    }

    Up retries(@Nullable Integer retries, @Nullable Double retryTimeout) {
      this.retries = retries;
      this.retryTimeout = retryTimeout;
      return this;
    }

    Up passHost(String passHost, @Nullable String upstreamHost) {
      this.passHost = passHost;
      this.upstreamHost = upstreamHost;
      return this;
    }

    Up nodes(Upstream.Node... nodes) {
      this.nodes = List.of(nodes);
      return this;
    }

    Upstream build() {
      return new Upstream("1", null, null, Map.of(), nodes, retries, retryTimeout, null, null, null, type, checks, hashOn,
          key, "http", null, Map.of(), null, passHost, upstreamHost, null, null);
    }
  }

  /** Passive checks with the given unhealthy thresholds and healthy successes. */
  static Map<String, @Nullable Object> passive(int httpFailures, int tcpFailures, int timeouts, int successes) {
    return Map.of("active", Map.of(), "passive", Map.of(
        "healthy", Map.of("successes", (long) successes),
        "unhealthy", Map.of("http_failures", (long) httpFailures, "tcp_failures", (long) tcpFailures, "timeouts", (long) timeouts)));
  }

  static Req req() {
    return new Req();
  }

  /** A request backed by maps. */
  static final class Req implements BalancerRequest {
    final Map<String, String> vars = new HashMap<>();
    final Map<String, String> headers = new HashMap<>();
    final Map<String, String> cookies = new HashMap<>();
    @Nullable String consumer;
    @Nullable String client = "10.0.0.1";

    Req var(String name, String value) {
      vars.put(name, value);
      return this;
    }

    Req header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    Req cookie(String name, String value) {
      cookies.put(name, value);
      return this;
    }

    Req consumer(@Nullable String name) {
      consumer = name;
      return this;
    }

    Req client(@Nullable String address) {
      client = address;
      return this;
    }

    @Override
    public @Nullable String var(String name) {
      return vars.get(name);
    }

    @Override
    public @Nullable String header(String name) {
      return headers.get(name);
    }

    @Override
    public @Nullable String cookie(String name) {
      return cookies.get(name);
    }

    @Override
    public @Nullable String consumer() {
      return consumer;
    }

    @Override
    public @Nullable String clientAddress() {
      return client;
    }
  }

  /** A clock the test moves. */
  static final class ManualClock implements LongSupplier {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    @Override
    public long getAsLong() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /** Hosts of {@code count} picks without retries. */
  static List<String> picks(Picker picker, BalancerRequest request, int count) {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      hosts.add(picker.pick(request, List.of()).host());
    }
    return hosts;
  }

  /** How often each host is picked in {@code count} picks (each started and finished at once). */
  static Map<String, Integer> shares(Picker picker, BalancerRequest request, int count) {
    Map<String, Integer> shares = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      Node n = picker.pick(request, List.of());
      shares.merge(n.host(), 1, Integer::sum);
    }
    return shares;
  }
}
