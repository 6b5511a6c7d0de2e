package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.apisix.Upstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Active checks end to end: {@link Balancers} on a real scheduler, the library's {@link
 * SocketProber}, real HTTP backends that go down and come back, no client traffic unless a test
 * sends it. Intervals are APISIX's minimum, 1 s, so each test takes a few seconds.
 */
class HealthCheckSocketTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final List<String> events = new CopyOnWriteArrayList<>();
  private final HealthListener listener = new HealthListener() {
    @Override
    public void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {
      events.add(upstreamKey + " " + node.address() + (healthy ? " up: " : " down: ") + reason);
    }
  };
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "checks");
    t.setDaemon(true);
    return t;
  });
  private final SocketProber prober = SocketProber.create();
  private final Balancers balancers;
  private final List<Backend> backends = new ArrayList<>();

  HealthCheckSocketTest() {
    scheduler.setRemoveOnCancelPolicy(true);
    balancers = Balancers.builder().activeChecks(prober, scheduler).listener(listener).build();
  }

  @AfterEach
  void stop() {
    balancers.close();
    scheduler.shutdownNow();
    prober.close();
    backends.forEach(Backend::close);
  }

  private Backend backend() {
    Backend b = Backend.http();
    backends.add(b);
    return b;
  }

  /** Probes of {@code path} every second, one bad answer takes a node down, one good one brings it back. */
  private static Map<String, @Nullable Object> checks(String path) {
    return Map.of("active", Map.of("http_path", path, "timeout", 1L,
        "healthy", Map.of("interval", 1L, "successes", 1L),
        "unhealthy", Map.of("interval", 1L, "http_failures", 1L, "tcp_failures", 1L, "timeouts", 1L)));
  }

  private static Upstream.Node deadNode() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new Upstream.Node("127.0.0.1", s.getLocalPort(), 1, 0, Map.of());
    }
  }

  private NodeHealth health(String key, int port) {
    UpstreamHealth h = balancers.health(key);
    assertThat(h).as("health of %s", key).isNotNull();
    return h.nodes().stream().filter(n -> n.node().port() == port).findFirst().orElseThrow();
  }

  @Test
  void aNodeThatGoesDownAndComesBackWithNoTrafficIsFollowedByProbesAlone() {
    Backend a = backend();
    Backend b = backend();
    Picker picker = balancers.picker("u", 1, up("roundrobin", a.node(), b.node()).checks(checks("/health")).build());

    await().atMost(WAIT).until(() -> a.count("/health") >= 1 && health("u", a.port()).lastProbe() != null);
    assertThat(health("u", a.port()).healthy()).isTrue();
    assertThat(health("u", a.port()).lastProbe()).isEqualTo(ProbeResult.status(200));

    a.stop(); // connections refused from now on
    await().atMost(WAIT).until(() -> !health("u", a.port()).healthy());
    NodeHealth down = health("u", a.port());
    assertThat(down.status()).isEqualTo("unhealthy");
    assertThat(down.lastProbe()).isEqualTo(ProbeResult.failed());
    for (int i = 0; i < 20; i++) {
      assertThat(picker.pick(BalancerRequest.NONE, List.of()).port()).isEqualTo(b.port());
    }

    a.start(); // the same port again
    await().atMost(WAIT).until(() -> health("u", a.port()).healthy());
    assertThat(health("u", a.port()).status()).isEqualTo("healthy");
    assertThat(events).containsExactly(
        "u 127.0.0.1:" + a.port() + " down: active: 1 tcp failures",
        "u 127.0.0.1:" + a.port() + " up: active: 1 successes (last status 200)");
    assertThat(b.count("/health")).isGreaterThanOrEqualTo(2); // b was probed all along, healthy
  }

  @Test
  void aNodeThatAnswersTheWrongStatusIsMarkedUnhealthy() {
    Backend a = backend();
    Backend b = backend();
    a.status.set(503);
    balancers.picker("u", 1, up("roundrobin", a.node(), b.node()).checks(checks("/ready")).build());

    await().atMost(WAIT).until(() -> !health("u", a.port()).healthy());
    assertThat(health("u", a.port()).lastProbe()).isEqualTo(ProbeResult.status(503));
    assertThat(health("u", b.port()).healthy()).isTrue();
    assertThat(events).containsExactly("u 127.0.0.1:" + a.port() + " down: active: 1 http failures (last status 503)");

    a.status.set(200);
    await().atMost(WAIT).until(() -> health("u", a.port()).healthy());
    assertThat(a.seen).extracting(Backend.Seen::path).containsOnly("/ready");
  }

  @Test
  void withRetriesZeroAndOneDeadNodeNoRequestFailsOnceTheCheckerMarkedIt() throws Exception {
    Backend alive = backend();
    Upstream.Node dead = deadNode();
    Picker picker = balancers.picker("u", 1, up("roundrobin", alive.node(), dead).retries(0, null)
        .checks(checks("/health")).build());
    assertThat(picker.retries()).isZero();

    await().atMost(WAIT).until(() -> !health("u", dead.port()).healthy());

    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    int failed = 0;
    for (int i = 0; i < 50; i++) { // the gateway's request path: one attempt, no retry
      Node node = picker.pick(BalancerRequest.NONE, List.of());
      long started = picker.start(node);
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/" + i))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        picker.finish(node, started, Outcome.RESPONSE, r.statusCode());
      } catch (IOException e) {
        failed++;
        picker.finish(node, started, Outcome.FAILURE, 0);
      }
    }
    assertThat(failed).isZero();
    assertThat(alive.seen.stream().filter(s -> s.path().startsWith("/api/")).count()).isEqualTo(50);
  }

  @Test
  void aChecksChangeRestartsThatUpstreamsCheckerAloneAndKeepsNodeHealth() throws Exception {
    Backend a = backend();
    Backend b = backend();
    Upstream.Node dead = deadNode();
    balancers.picker("x", 1, up("roundrobin", a.node(), dead).checks(checks("/v1")).build());
    balancers.picker("y", 1, up("roundrobin", b.node()).checks(checks("/health")).build());
    await().atMost(WAIT).until(() -> !health("x", dead.port()).healthy() && b.count("/health") >= 1);
    assertThat(balancers.health("x").checkerStarts()).isEqualTo(1);
    assertThat(balancers.health("y").checkerStarts()).isEqualTo(1);

    // x's checks change: x's checker restarts with the new path; the dead node stays down meanwhile
    balancers.picker("x", 2, up("roundrobin", a.node(), dead).checks(checks("/v2")).build());
    assertThat(balancers.health("x").checkerStarts()).isEqualTo(2);
    assertThat(balancers.health("y").checkerStarts()).isEqualTo(1);
    assertThat(health("x", dead.port()).healthy()).isFalse();
    await().atMost(WAIT).until(() -> a.count("/v2") >= 1);

    // y's nodes change, its checks do not: the checker keeps running and probes the new node
    Backend c = backend();
    balancers.picker("y", 2, up("roundrobin", b.node(), c.node()).checks(checks("/health")).build());
    assertThat(balancers.health("y").checkerStarts()).isEqualTo(1);
    await().atMost(WAIT).until(() -> c.count("/health") >= 1);
    assertThat(health("y", c.port()).healthy()).isTrue();
    assertThat(events).containsExactly("x 127.0.0.1:" + dead.port() + " down: active: 1 tcp failures");
  }

  @Test
  void aRemovedUpstreamIsNoLongerProbedAndLeavesNoTask() {
    Backend a = backend();
    Backend b = backend();
    balancers.picker("gone", 1, up("roundrobin", a.node()).checks(checks("/health")).build());
    balancers.picker("kept", 1, up("roundrobin", b.node()).checks(checks("/health")).build());
    await().atMost(WAIT).until(() -> a.count("/health") >= 2);
    assertThat(scheduler.getQueue()).hasSize(2);

    balancers.remove("gone");
    assertThat(scheduler.getQueue()).hasSize(1);
    assertThat(balancers.health("gone")).isNull();
    await().atMost(WAIT).until(() -> prober.inFlight() == 0);
    long probes = a.count("/health");
    long keptBefore = b.count("/health");
    // over two and a half intervals: no new probe of the removed upstream, the other one goes on
    await().during(Duration.ofMillis(2500)).atMost(WAIT).until(() -> a.count("/health") == probes);
    assertThat(b.count("/health")).isGreaterThan(keptBefore);
  }
}
