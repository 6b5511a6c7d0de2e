package io.dynconf.radix.balance;

import io.dynconf.radix.balance.internal.HealthPolicy;
import io.dynconf.radix.balance.internal.NodeState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Everything kept per upstream key across picker versions: node states by address, the current
 * picker, the health policy and the active checker. Pickers are built, and the checker started
 * and stopped, under this object's lock (one builder at a time per upstream); readers use the
 * volatile fields.
 */
final class UpstreamState {
  final String key;
  final ConcurrentHashMap<String, NodeState> nodes = new ConcurrentHashMap<>();
  volatile @Nullable Picker current;
  volatile HealthPolicy policy = HealthPolicy.NONE;
  /** The {@code checks} the policy was made from: a change restarts the checker. */
  @Nullable Map<String, @Nullable Object> checks;
  final AtomicBoolean allUnhealthy = new AtomicBoolean();
  final LongAdder fallbackPicks = new LongAdder();
  /** Probes in flight, at most {@code checks.active.concurrency}. */
  final AtomicInteger probesInFlight = new AtomicInteger();
  /** A round found no free probe slot with nodes still due: the next completion starts a round. */
  final AtomicBoolean starved = new AtomicBoolean();
  /** The active checker's periodic task, or null when none runs. */
  volatile @Nullable ScheduledFuture<?> activeTask;
  /** Bumped on every (re)start and stop of the checker; results of an older generation are dropped. */
  volatile long generation;
  volatile long checkerStarts;
  /** Removed from its Balancers (or the Balancers closed): never probed again. */
  volatile boolean closed;

  UpstreamState(String key) {
    this.key = key;
  }
}
