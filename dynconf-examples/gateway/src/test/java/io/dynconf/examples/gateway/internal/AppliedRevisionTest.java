package io.dynconf.examples.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** When a revision counts as served: under steady churn too, and not before the listeners saw it. */
class AppliedRevisionTest {
  private static final String UPSTREAM = "{\"nodes\":{\"127.0.0.1:80\":1}}";

  @Test
  void aWriteIsServedWithinMillisecondsWhileOthersKeepComing() throws Exception {
    try (InMemorySource source = new InMemorySource();
        ConfigRegistry registry = ConfigRegistry.builder(source).build()) {
      registry.start();
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      AtomicLong slowSeen = new AtomicLong();
      registry.addListener(u -> { // a listener slower than the writes: the notifier always lags
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        slowSeen.set(u.current().revision());
      });
      AppliedRevision applied = new AppliedRevision(registry);

      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> churn = CompletableFuture.runAsync(() -> {
        for (int i = 0; !stop.get(); i++) {
          source.put("/apisix/upstreams/churn" + (i % 20), UPSTREAM);
          LockSupport.parkNanos(200_000);
        }
      });
      try {
        for (int i = 0; i < 20; i++) {
          long rev = source.put("/apisix/upstreams/mine", "{\"nodes\":{\"127.0.0.1:" + (8000 + i) + "\":1}}");
          await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1)).until(() -> applied.served(rev));
          assertThat(slowSeen.get()).as("the listener before it saw the revision").isGreaterThanOrEqualTo(rev);
        }
      } finally {
        stop.set(true);
        churn.get(10, TimeUnit.SECONDS);
      }
    }
  }
}
