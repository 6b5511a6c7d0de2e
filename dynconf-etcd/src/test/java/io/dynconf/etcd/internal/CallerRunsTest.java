package io.dynconf.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CallerRunsTest {
  @Test
  void runsEachTaskOnTheSubmittingThreadAndRefusesTasksAfterShutdown() throws Exception {
    CallerRuns executor = new CallerRuns();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    Future<String> done = executor.submit(() -> {
      ranOn.set(Thread.currentThread());
      return "ran";
    });
    assertThat(done.isDone()).as("finished before submit returned").isTrue();
    assertThat(done.get()).isEqualTo("ran");
    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    assertThat(executor.isShutdown()).isFalse();

    executor.shutdown();
    assertThat(executor.isShutdown()).isTrue();
    assertThat(executor.awaitTermination(1, TimeUnit.MILLISECONDS)).isTrue();
    assertThatThrownBy(() -> executor.execute(() -> ranOn.set(null)))
        .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }
}
