package io.dynconf.radix.balance;

import static io.dynconf.radix.balance.Fixtures.node;
import static io.dynconf.radix.balance.Fixtures.picks;
import static io.dynconf.radix.balance.Fixtures.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
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
  private final Prober prober = target -> {
    probed.add(target);
    probeThreads.add(Thread.currentThread().getName());
    ProbeResult r = answers.get(target.node().host());
    return r == null ? new CompletableFuture<>() : CompletableFuture.completedFuture(r);
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
}
