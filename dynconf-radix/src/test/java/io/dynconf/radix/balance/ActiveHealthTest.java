package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.picks;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.InvalidConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ActiveHealthTest {
  private final Fixtures.ManualClock clock = new Fixtures.ManualClock();
  /** What each host answers; a missing host never answers. */
  private final Map<String, ProbeResult> answers = new ConcurrentHashMap<>();
  private final List<ProbeTarget> probed = new CopyOnWriteArrayList<>();
  private final List<String> probeThreads = new CopyOnWriteArrayList<>();
  /** The futures handed out for hosts without an answer, for the test to complete. */
  private final Map<String, CompletableFuture<ProbeResult>> pending = new ConcurrentHashMap<>();
  private final Prober prober = target -> {
    probed.add(target);
    probeThreads.add(Thread.currentThread().getName());
    ProbeResult r = answers.get(target.node().host());
    if (r != null) {
      return CompletableFuture.completedFuture(r);
    }
    CompletableFuture<ProbeResult> f = new CompletableFuture<>();
    pending.put(target.node().host(), f);
    return f;
  };
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final HealthListener listener = new HealthListener() {
    @Override
    public void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {
      events.add(upstreamKey + " " + node.host() + (healthy ? " up: " : " down: ") + reason);
    }
  };
  /** A scheduler that never runs the periodic task: the test drives rounds with probeNow(). */
  private final ScheduledThreadPoolExecutor manual = new ScheduledThreadPoolExecutor(1) {
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return schedule(() -> {}, 1, TimeUnit.DAYS);
    }
  };
  private @Nullable ScheduledExecutorService real;

  @AfterEach
  void stop() {
    manual.shutdownNow();
    if (real != null) {
      real.shutdownNow();
    }
  }

  private static Map<String, @Nullable Object> active(Map<String, Object> settings) {
    return Map.of("active", settings);
  }

  @Test
  void httpProbesTakeANodeDownAndBringItBackAtTheirThresholds() {
    Balancers balancers = Balancers.builder().clock(clock).activeChecks(prober, manual).build();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "http_path", "/health", "host", "svc.local",
        "healthy", Map.of("interval", 1L, "successes", 2L),
        "unhealthy", Map.of("interval", 1L, "http_failures", 2L)))).build());
    answers.put("a", ProbeResult.status(500));
    answers.put("b", ProbeResult.status(200));

    balancers.probeNow();
    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();
    balancers.probeNow(); // not due yet: interval 1 s
    assertThat(probed).hasSize(2);
    clock.advance(Duration.ofSeconds(1));
    balancers.probeNow();
    assertThat(picker.healthy(picker.nodes().get(0))).isFalse();
    assertThat(picks(picker, BalancerRequest.NONE, 3)).containsOnly("b");

    answers.put("a", ProbeResult.status(200));
    clock.advance(Duration.ofSeconds(1));
    balancers.probeNow();
    assertThat(picker.healthy(picker.nodes().get(0))).isFalse();
    clock.advance(Duration.ofSeconds(1));
    balancers.probeNow();
    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();

    ProbeTarget t = probed.get(0);
    assertThat(t.path()).isEqualTo("/health");
    assertThat(t.host()).isEqualTo("svc.local");
    assertThat(t.port()).isEqualTo(80);
    assertThat(t.method()).isEqualTo("GET");
    assertThat(t.type()).isEqualTo("http");
  }

  @Test
  void anActivelyFailedNodeStaysDownWhateverTheClockSays() {
    Balancers balancers = Balancers.builder().clock(clock).activeChecks(prober, manual).build();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "type", "tcp", "port", 9000L, "unhealthy", Map.of("tcp_failures", 1L)))).build());
    answers.put("a", ProbeResult.failed());
    answers.put("b", ProbeResult.connected());
    balancers.probeNow();

    clock.advance(Duration.ofHours(1));
    assertThat(picker.healthy(picker.nodes().get(0))).isFalse();
    assertThat(probed).extracting(ProbeTarget::port).containsOnly(9000);
  }

  @Test
  void aProbeThatNeverAnswersCountsAsATimeout() {
    Balancers balancers = Balancers.builder().clock(clock).activeChecks(prober, manual).build();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "timeout", 0.05, "unhealthy", Map.of("timeouts", 1L)))).build());
    answers.put("b", ProbeResult.status(200));
    balancers.probeNow(); // a never answers: its future times out after 2 × 50 ms

    await().atMost(Duration.ofSeconds(5)).until(() -> !picker.healthy(picker.nodes().get(0)));
  }

  @Test
  void concurrencyBoundsTheProbesInFlight() {
    Balancers balancers = Balancers.builder().clock(clock).activeChecks(prober, manual).build();
    balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1), node("c", 1)).checks(active(Map.of(
        "concurrency", 2L))).build());
    balancers.probeNow(); // nobody answers: two probes hang, the third waits

    assertThat(probed).hasSize(2);
  }

  @Test
  void theSchedulerRunsProbesOffTheRequestThread() {
    real = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "probe-scheduler"));
    Balancers balancers = Balancers.builder().activeChecks(prober, real).build();
    answers.put("a", ProbeResult.status(200));
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1)).checks(active(Map.of())).build());
    picker.pick(BalancerRequest.NONE, List.of());

    await().atMost(Duration.ofSeconds(5)).until(() -> !probed.isEmpty());
    assertThat(probeThreads).containsOnly("probe-scheduler");
    balancers.close();
  }

  private long probesOf(String host) {
    return probed.stream().filter(t -> t.node().host().equals(host)).count();
  }

  private Balancers manualBalancers() {
    return Balancers.builder().clock(clock).activeChecks(prober, manual).listener(listener).build();
  }

  @Test
  void aFreedProbeSlotGoesToTheNextDueNodeWithoutWaitingForTheNextRound() {
    Balancers balancers = manualBalancers();
    balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1), node("c", 1)).checks(active(Map.of(
        "concurrency", 1L))).build());
    balancers.probeNow();
    assertThat(probed).extracting(t -> t.node().host()).containsExactly("a");

    pending.get("a").complete(ProbeResult.status(200)); // the slot frees: a refill round runs on the scheduler
    await().atMost(Duration.ofSeconds(5)).until(() -> probed.size() == 2);
    pending.get("b").complete(ProbeResult.status(200));
    await().atMost(Duration.ofSeconds(5)).until(() -> probed.size() == 3);
    assertThat(probed).extracting(t -> t.node().host()).containsExactly("a", "b", "c");
  }

  @Test
  void aNodeIsNeverProbedTwiceAtOnce() {
    Balancers balancers = manualBalancers();
    balancers.picker("u", 1, up("roundrobin", node("a", 1)).checks(active(Map.of("timeout", 5L))).build());
    balancers.probeNow();
    clock.advance(Duration.ofSeconds(3)); // due again (interval 1 s), the first probe still in flight
    balancers.probeNow();
    assertThat(probesOf("a")).isEqualTo(1);

    pending.get("a").complete(ProbeResult.status(200));
    balancers.probeNow();
    assertThat(probesOf("a")).isEqualTo(2);
  }

  @Test
  void anUnreadableStatusLineIsAnHttpFailureButATcpCheckOnlyNeedsTheConnection() {
    Balancers balancers = manualBalancers();
    Picker http = balancers.picker("h", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "unhealthy", Map.of("http_failures", 1L)))).build());
    Picker tcp = balancers.picker("t", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "type", "tcp", "unhealthy", Map.of("http_failures", 1L)))).build());
    answers.put("a", ProbeResult.status(0));
    answers.put("b", ProbeResult.status(418)); // in neither list: no verdict
    balancers.probeNow();

    assertThat(http.healthy(http.nodes().get(0))).isFalse();
    assertThat(http.healthy(http.nodes().get(1))).isTrue();
    assertThat(tcp.healthy(tcp.nodes().get(0))).isTrue();
    assertThat(events).containsExactly("h a down: active: 1 http failures (last a bad status line)");
  }

  @Test
  void removingTheChecksForgetsVerdictsNothingWouldUndo() {
    Balancers balancers = manualBalancers();
    Picker v1 = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "unhealthy", Map.of("tcp_failures", 1L)))).build());
    answers.put("a", ProbeResult.failed());
    answers.put("b", ProbeResult.status(200));
    balancers.probeNow();
    assertThat(v1.healthy(v1.nodes().get(0))).isFalse();

    Picker v2 = balancers.picker("u", 2, up("roundrobin", node("a", 1), node("b", 1)).build());
    assertThat(v2.healthy(v2.nodes().get(0))).isTrue();
    assertThat(balancers.health("u").probing()).isFalse();
    assertThat(events).containsExactly("u a down: active: 1 tcp failures", "u a up: checks removed");
  }

  @Test
  void withoutAProberANodeIsNeverLeftDownForProbesThatNeverCome() {
    Balancers passiveOnly = Balancers.builder().clock(clock).listener(listener).build();
    Picker picker = passiveOnly.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(Fixtures.passive(1, 1, 1, 1))
        .build());
    picker.finish(picker.nodes().get(0), picker.start(picker.nodes().get(0)), Outcome.FAILURE, 0);
    assertThat(picker.healthy(picker.nodes().get(0))).isFalse(); // a timed passive ejection: it ends on its own
    clock.advance(Duration.ofSeconds(10));
    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();
    assertThat(passiveOnly.health("u").probing()).isFalse();
  }

  @Test
  void aPassivelyEjectedNodeIsProbedAtTheUnhealthyIntervalAndProbesBringItBack() {
    Balancers balancers = manualBalancers();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(Map.of(
        "active", Map.of("healthy", Map.of("interval", 30L, "successes", 2L), "unhealthy", Map.of("interval", 1L)),
        "passive", Map.of("unhealthy", Map.of("tcp_failures", 1L)))).build());
    answers.put("a", ProbeResult.status(200));
    answers.put("b", ProbeResult.status(200));
    balancers.probeNow(); // both healthy: next probes in 30 s
    Node a = picker.nodes().get(0);
    picker.finish(a, picker.start(a), Outcome.FAILURE, 0); // a request fails: ejected
    assertThat(picker.healthy(a)).isFalse();

    clock.advance(Duration.ofSeconds(1));
    balancers.probeNow();
    assertThat(probesOf("a")).isEqualTo(2);
    assertThat(probesOf("b")).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    balancers.probeNow(); // the second good probe: back, before its 10 s ejection ends
    assertThat(picker.healthy(a)).isTrue();
    assertThat(events).containsExactly("u a down: passive: 1 tcp failures", "u a up: active: 2 successes (last status 200)");
  }

  @Test
  void aProbeEndingAfterItsUpstreamWasRemovedChangesNothing() {
    Balancers balancers = manualBalancers();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "unhealthy", Map.of("tcp_failures", 1L)))).build());
    balancers.probeNow();
    balancers.remove("u");
    pending.get("a").complete(ProbeResult.failed());

    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();
    assertThat(events).isEmpty();
    balancers.probeNow();
    assertThat(probed).hasSize(2);
  }

  @Test
  void aProbeOfAStoppedCheckerGenerationIsDropped() {
    Balancers balancers = manualBalancers();
    Picker v1 = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "http_path", "/old", "unhealthy", Map.of("tcp_failures", 1L)))).build());
    balancers.probeNow();
    balancers.picker("u", 2, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "http_path", "/new", "unhealthy", Map.of("tcp_failures", 1L)))).build());
    pending.get("a").complete(ProbeResult.failed()); // the answers to /old
    pending.get("b").complete(ProbeResult.failed());

    assertThat(v1.healthy(v1.nodes().get(0))).isTrue();
    assertThat(v1.healthy(v1.nodes().get(1))).isTrue();
    balancers.probeNow(); // the restarted checker probes every node at once, with the new path
    assertThat(probed).extracting(ProbeTarget::path).containsExactly("/old", "/old", "/new", "/new");
  }

  @Test
  void theProbeHostFollowsPassHostRewriteThenChecksActiveHost() {
    Balancers balancers = manualBalancers();
    balancers.picker("r", 1, up("roundrobin", node("a", 1)).passHost("rewrite", "api.internal")
        .checks(active(Map.of("host", "probe.example"))).build());
    balancers.picker("n", 1, up("roundrobin", node("b", 1)).passHost("node", null)
        .checks(active(Map.of("host", "probe.example"))).build());
    balancers.picker("p", 1, up("roundrobin", node("c", 1)).checks(active(Map.of())).build());
    balancers.probeNow();

    assertThat(probed).extracting(t -> t.upstreamKey() + " " + t.hostHeader())
        .containsExactlyInAnyOrder("r api.internal", "n probe.example", "p c");
  }

  @Test
  void requestHeadLinesAreCheckedBeforeAnythingIsSent() {
    Balancers balancers = manualBalancers();
    assertThatThrownBy(() -> balancers.check(up("roundrobin", node("a", 1)).checks(active(Map.of(
        "req_headers", List.of("X-Ok: 1", "X-Bad: 1\r\nHost: evil")))).build()))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("/checks/active/req_headers/1");
    assertThatThrownBy(() -> balancers.check(up("roundrobin", node("a", 1)).checks(active(Map.of(
        "http_path", "/a b"))).build()))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("/checks/active/http_path");
  }

  @Test
  void healthReportsEveryNodeWithItsStateCountsAndLastProbe() {
    Balancers balancers = manualBalancers();
    balancers.picker("u", 3, up("roundrobin", node("a", 1), node("b", 1), node("c", 1)).checks(active(Map.of(
        "unhealthy", Map.of("http_failures", 2L, "tcp_failures", 1L)))).build());
    balancers.picker("plain", 1, up("roundrobin", node("d", 1)).build());
    answers.put("a", ProbeResult.status(200));
    answers.put("b", ProbeResult.status(500));
    answers.put("c", ProbeResult.failed());
    balancers.probeNow();
    clock.advance(Duration.ofSeconds(5));

    List<UpstreamHealth> all = balancers.health();
    assertThat(all).extracting(UpstreamHealth::upstreamKey).containsExactly("plain", "u");
    UpstreamHealth plain = all.get(0);
    assertThat(plain.checks()).isFalse();
    assertThat(plain.activeType()).isNull();
    assertThat(plain.probing()).isFalse();
    assertThat(plain.nodes().get(0).status()).isEqualTo("healthy");
    assertThat(plain.nodes().get(0).lastProbe()).isNull();

    UpstreamHealth u = all.get(1);
    assertThat(u.version()).isEqualTo(3);
    assertThat(u.checks()).isTrue();
    assertThat(u.activeType()).isEqualTo("http");
    assertThat(u.probing()).isTrue();
    assertThat(u.checkerStarts()).isEqualTo(1);
    NodeHealth a = u.nodes().get(0);
    NodeHealth b = u.nodes().get(1);
    NodeHealth c = u.nodes().get(2);
    assertThat(a.healthy()).isTrue();
    assertThat(a.status()).isEqualTo("healthy");
    assertThat(a.lastProbe()).isEqualTo(ProbeResult.status(200));
    assertThat(a.lastProbeAgo()).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.healthy()).isTrue();
    assertThat(b.status()).isEqualTo("mostly_healthy");
    assertThat(b.httpFailures()).isEqualTo(1);
    assertThat(c.healthy()).isFalse();
    assertThat(c.status()).isEqualTo("unhealthy");
    assertThat(c.inStateFor()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.lastProbe()).isEqualTo(ProbeResult.failed());

    answers.put("c", ProbeResult.status(200));
    balancers.probeNow(); // one of two successes
    assertThat(balancers.health("u").nodes().get(2).status()).isEqualTo("mostly_unhealthy");
    assertThat(balancers.health("u").nodes().get(2).successes()).isEqualTo(1);
    assertThat(balancers.health("nope")).isNull();
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheChecks() {
    Balancers balancers = Balancers.builder().clock(clock).activeChecks(prober, manual).listener(new HealthListener() {
      @Override
      public void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {
        throw new IllegalStateException("listener bug");
      }
    }).build();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "healthy", Map.of("successes", 1L), "unhealthy", Map.of("tcp_failures", 1L)))).build());
    answers.put("a", ProbeResult.failed());
    answers.put("b", ProbeResult.status(200));
    balancers.probeNow();
    assertThat(picker.healthy(picker.nodes().get(0))).isFalse();

    answers.put("a", ProbeResult.status(200));
    clock.advance(Duration.ofSeconds(1));
    balancers.probeNow();
    assertThat(picker.healthy(picker.nodes().get(0))).isTrue();
  }

  /** The scheduled tasks not cancelled. */
  private static List<Runnable> live(ScheduledThreadPoolExecutor sched) {
    return sched.getQueue().stream().filter(r -> !(r instanceof java.util.concurrent.Future<?> f && f.isCancelled())).toList();
  }

  private static void awaitLive(ScheduledThreadPoolExecutor sched, int n) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(live(sched)).hasSize(n));
  }

  @Test
  void schedulerTasksStayOnePerCheckedUpstreamWhateverTheConfigChurn() {
    ScheduledThreadPoolExecutor sched = new ScheduledThreadPoolExecutor(1);
    sched.setRemoveOnCancelPolicy(true);
    real = sched;
    Balancers balancers = Balancers.builder().clock(clock).activeChecks(t -> CompletableFuture.completedFuture(ProbeResult.skipped()),
        sched).build();
    List<String> keys = new ArrayList<>();
    for (int u = 0; u < 50; u++) {
      keys.add("u" + u);
    }
    for (int v = 1; v <= 20; v++) {
      for (String key : keys) {
        Fixtures.Up up = up("roundrobin", node("a", 1), node("n" + v, 1))
            .checks(active(Map.of("http_path", v % 2 == 0 ? "/even" : "/odd", "healthy", Map.of("interval", 3600L),
                "unhealthy", Map.of("interval", 3600L))));
        balancers.picker(key, v, up.build());
      }
    }
    // a periodic task leaves the queue while its round runs (it starts at once: 49 queued for a
    // moment), and one cancelled while it runs can sit in the queue a moment, already cancelled
    awaitLive(sched, 50);
    assertThat(balancers.health("u7").checkerStarts()).isEqualTo(20);

    for (int i = 0; i < 25; i++) {
      balancers.remove(keys.get(i));
    }
    awaitLive(sched, 25);
    balancers.close();
    awaitLive(sched, 0);
    balancers.picker("late", 1, up("roundrobin", node("a", 1)).checks(active(Map.of())).build());
    assertThat(live(sched)).isEmpty();
    assertThat(balancers.health("late").probing()).isFalse();
  }

  @Test
  void passiveSuccessesCountTowardRecoveryOfANodeProbesTookDown() {
    Balancers balancers = manualBalancers();
    Picker picker = balancers.picker("u", 1, up("roundrobin", node("a", 1)).checks(Map.of(
        "active", Map.of("unhealthy", Map.of("tcp_failures", 1L)),
        "passive", Map.of("healthy", Map.of("successes", 2L)))).build());
    answers.put("a", ProbeResult.failed());
    balancers.probeNow();
    Node a = picker.nodes().get(0);
    assertThat(picker.healthy(a)).isFalse();

    for (int i = 0; i < 2; i++) { // the only node: traffic still goes to it, and it answers
      Node n = picker.pick(BalancerRequest.NONE, List.of());
      picker.finish(n, picker.start(n), Outcome.RESPONSE, 200);
    }
    assertThat(picker.healthy(a)).isTrue();
    assertThat(events).containsExactly("u a down: active: 1 tcp failures", "u a up: passive: 2 successes");
  }

  @Test
  void aProbeOfANodeThatLeftTheUpstreamChangesNothing() {
    Balancers balancers = manualBalancers();
    balancers.picker("u", 1, up("roundrobin", node("a", 1), node("b", 1)).checks(active(Map.of(
        "unhealthy", Map.of("tcp_failures", 1L)))).build());
    balancers.probeNow();
    balancers.picker("u", 2, up("roundrobin", node("b", 1)).checks(active(Map.of(
        "unhealthy", Map.of("tcp_failures", 1L)))).build());
    pending.get("a").complete(ProbeResult.failed());

    assertThat(events).isEmpty();
    assertThat(balancers.health("u").checkerStarts()).isEqualTo(1);
    assertThat(balancers.health("u").nodes()).extracting(n -> n.node().host()).containsExactly("b");
  }
}
