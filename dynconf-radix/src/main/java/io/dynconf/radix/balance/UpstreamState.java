package io.dynconf.radix.balance;

import io.dynconf.radix.balance.internal.HealthPolicy;
import io.dynconf.radix.balance.internal.NodeState;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Everything kept per upstream key across picker versions: node states by address, the current
 * picker, the health policy and the active-check task. Pickers are built under this object's lock
 * (one builder at a time per upstream); readers use the volatile fields.
 */
final class UpstreamState {
  final String key;
  final ConcurrentHashMap<String, NodeState> nodes = new ConcurrentHashMap<>();
  volatile @Nullable Picker current;
  volatile HealthPolicy policy = HealthPolicy.NONE;
  final AtomicBoolean allUnhealthy = new AtomicBoolean();
  final LongAdder fallbackPicks = new LongAdder();
  final AtomicInteger probesInFlight = new AtomicInteger();
  @Nullable ScheduledFuture<?> activeTask;
  long activePeriodNanos;

  UpstreamState(String key) {
    this.key = key;
  }
}
