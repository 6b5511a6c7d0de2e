package io.dynconf.radix.balance.internal;

import io.dynconf.radix.balance.ProbeResult;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The live state of one node of one upstream: in-flight count, latency average, health and slow
 * start. Shared by every picker version of the upstream (pickers hold it directly), so counts
 * survive rebuilds and health flips.
 *
 * <p>Thread-safety: the in-flight count is atomic; the latency average and health counters change
 * under this object's lock and are published through volatile fields, so request threads read them
 * without locking. A healthy node that keeps succeeding never takes the lock ({@link #clean}).
 */
public final class NodeState {
  /** Latency decay time constant, as APISIX's ewma balancer (10 s). */
  static final double DECAY_NANOS = 10e9;
  /** The lowest slow-start factor, so a ramping node still sees some traffic. */
  static final double MIN_RAMP = 0.05;

  /** The result of a health report. */
  public enum Transition { NONE, DOWN, UP }

  private final String address;
  /** In-flight count, a field (not an AtomicInteger) so least_conn's scan chases one pointer per node. */
  private static final AtomicIntegerFieldUpdater<NodeState> IN_FLIGHT =
      AtomicIntegerFieldUpdater.newUpdater(NodeState.class, "inFlight");

  private volatile int inFlight;
  private volatile double ewma;
  private volatile long ewmaTouched;

  /** 0: healthy; {@link Long#MAX_VALUE}: down until healthy probes; else passive ejection end (probation after). */
  private volatile long downUntil;
  /** 0: no slow start; else the time the ramp began. */
  private volatile long rampStart;
  /** True while healthy with no failure counted: a success needs no bookkeeping. */
  private volatile boolean clean = true;
  private volatile long nextProbe = Long.MIN_VALUE;
  /** True while an active probe of this node is in flight: one probe per node at a time. */
  private final AtomicBoolean probing = new AtomicBoolean();
  /** When the node last went down or came back (or was created): the clock of its owner. */
  private volatile long changedAt;
  private volatile @Nullable ProbeResult lastProbe;
  private volatile long lastProbeAt;
  private int successes;
  private int httpFailures;
  private int tcpFailures;
  private int timeouts;
  private int ejections;
  private long restoredAt;

  public NodeState(String address, long now) {
    this.address = address;
    this.changedAt = now;
  }

  public String address() {
    return address;
  }

  public int inFlight() {
    return inFlight;
  }

  public void started() {
    IN_FLIGHT.incrementAndGet(this);
  }

  /** One request ended; never drops below 0 (a finish without start is ignored). */
  public void finished() {
    IN_FLIGHT.getAndUpdate(this, n -> n > 0 ? n - 1 : 0);
  }

  /** Whether the node takes traffic now; reads the clock only while the node is ejected. */
  public boolean available(LongSupplier clock) {
    long until = downUntil;
    return until == 0 || until != Long.MAX_VALUE && clock.getAsLong() - until >= 0;
  }

  /** Whether the node is fully healthy (not ejected, not in probation). */
  public boolean healthy() {
    return downUntil == 0;
  }

  public double rampFactor(LongSupplier clock, long windowNanos) {
    long start = rampStart;
    if (start == 0) {
      return 1;
    }
    double f = (double) (clock.getAsLong() - start) / windowNanos;
    if (f >= 1) {
      rampStart = 0;
      return 1;
    }
    return Math.max(MIN_RAMP, f);
  }

  public void startRamp(long now) {
    rampStart = now == 0 ? 1 : now;
  }

  public synchronized void recordLatency(long rttNanos, long now) {
    double w = Math.exp(-Math.max(0, now - ewmaTouched) / DECAY_NANOS);
    ewma = ewma * w + rttNanos * (1 - w);
    ewmaTouched = now;
  }

  public double latencyNanos(LongSupplier clock) {
    double value = ewma;
    return value == 0 ? 0 : value * Math.exp(-Math.max(0, clock.getAsLong() - ewmaTouched) / DECAY_NANOS);
  }

  /**
   * A healthy outcome; {@code threshold} consecutive ones restore a node that is down: active
   * successes always, passive ones when probes took it down (the counters are shared, as in
   * lua-resty-healthcheck) or once its timed passive ejection has ended.
   */
  public Transition success(int threshold, boolean active, long now) {
    if (clean) {
      return Transition.NONE;
    }
    synchronized (this) {
      httpFailures = tcpFailures = timeouts = 0;
      successes++;
      long until = downUntil;
      if (until == 0) {
        clean = true;
        return Transition.NONE;
      }
      boolean served = active || until == Long.MAX_VALUE || now - until >= 0;
      if (served && successes >= Math.max(1, threshold)) {
        downUntil = 0;
        successes = 0;
        restoredAt = now;
        changedAt = now;
        clean = true;
        return Transition.UP;
      }
      return Transition.NONE;
    }
  }

  /** The kinds of unhealthy outcome, counted separately as in lua-resty-healthcheck. */
  public enum Failure { HTTP, TCP, TIMEOUT }

  /**
   * An unhealthy outcome. When its counter reaches {@code threshold} (0 disables the counter) the
   * node goes down: until healthy probes for an active check, for a growing period for a passive
   * one ({@code baseEjection} doubled per repeat, at most {@code maxEjection}). One failure of a
   * node in probation (its passive ejection ended, not yet restored) ejects it again.
   */
  public synchronized Transition failure(Failure kind, int threshold, boolean active, long now,
      long baseEjection, long maxEjection) {
    clean = false;
    successes = 0;
    int count = switch (kind) {
      case HTTP -> ++httpFailures;
      case TCP -> ++tcpFailures;
      case TIMEOUT -> ++timeouts;
    };
    long until = downUntil;
    boolean probation = until != 0 && until != Long.MAX_VALUE && now - until >= 0;
    boolean tripped = threshold > 0 && count >= threshold;
    if (!tripped && !(probation && !active)) {
      return Transition.NONE;
    }
    httpFailures = tcpFailures = timeouts = 0;
    if (active) {
      downUntil = Long.MAX_VALUE;
      if (until == 0) {
        changedAt = now;
        return Transition.DOWN;
      }
      return Transition.NONE;
    }
    if (until == Long.MAX_VALUE) {
      return Transition.NONE;
    }
    if (until == 0 && now - restoredAt > maxEjection) {
      ejections = 0;
    }
    long period = baseEjection << Math.min(ejections, 20);
    ejections++;
    long end = now + Math.min(period <= 0 ? maxEjection : period, maxEjection);
    downUntil = end == 0 || end == Long.MAX_VALUE ? end + 1 : end;
    if (until == 0) {
      changedAt = now;
      return Transition.DOWN;
    }
    return Transition.NONE;
  }

  /**
   * Forgets every health verdict: healthy, no counts (the upstream's checks were removed, so
   * nothing would ever bring the node back). Returns whether the node was down.
   */
  public synchronized boolean resetHealth(long now) {
    boolean wasDown = downUntil != 0;
    downUntil = 0;
    successes = httpFailures = tcpFailures = timeouts = 0;
    clean = true;
    if (wasDown) {
      restoredAt = now;
      changedAt = now;
    }
    return wasDown;
  }

  /** Whether the node is down until healthy active probes (not a timed passive ejection). */
  public boolean downUntilProbed() {
    return downUntil == Long.MAX_VALUE;
  }

  /** The health counters and status, read together. */
  public synchronized Counts counts() {
    long until = downUntil;
    String status;
    if (until == 0) {
      status = httpFailures + tcpFailures + timeouts > 0 ? "mostly_healthy" : "healthy";
    } else {
      status = successes > 0 ? "mostly_unhealthy" : "unhealthy";
    }
    return new Counts(status, until, successes, httpFailures, tcpFailures, timeouts, ejections);
  }

  /**
   * A consistent read of the health bookkeeping.
   *
   * @param status lua-resty-healthcheck's names: {@code healthy}, {@code mostly_healthy} (healthy
   *     with failures counted), {@code unhealthy}, {@code mostly_unhealthy} (down with successes counted)
   * @param downUntil 0 when healthy, {@link Long#MAX_VALUE} when down until probes, else the end of
   *     a passive ejection
   */
  public record Counts(String status, long downUntil, int successes, int httpFailures, int tcpFailures, int timeouts,
      int ejections) {}

  /** When the node last went down or came back, or was first seen (the owner's clock). */
  public long changedAt() {
    return changedAt;
  }

  /** Claims the node for one active probe; false when a probe of it is still in flight. */
  public boolean tryStartProbe() {
    return probing.compareAndSet(false, true);
  }

  /** The probe claimed by {@link #tryStartProbe} ended with this result (null: no verdict). */
  public void endProbe(@Nullable ProbeResult result, long now) {
    if (result != null) {
      lastProbe = result;
      lastProbeAt = now;
    }
    probing.set(false);
  }

  public boolean probing() {
    return probing.get();
  }

  /** The last probe's result, or null before the first. */
  public @Nullable ProbeResult lastProbe() {
    return lastProbe;
  }

  /** When the last probe ended (the owner's clock); meaningless while {@link #lastProbe} is null. */
  public long lastProbeAt() {
    return lastProbeAt;
  }

  /** The passive ejection count (for tests and metrics). */
  public synchronized int ejections() {
    return ejections;
  }

  /** When the next active probe is due ({@link Long#MIN_VALUE}: now). */
  public long nextProbe() {
    return nextProbe;
  }

  public void nextProbe(long at) {
    nextProbe = at;
  }
}
