package io.dynconf.core;

import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.internal.LastKnownGood;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.ConfigSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads one {@link ConfigSource} with one watch for all resource types and keeps a typed,
 * validated store per type, published as one immutable {@link ConfigSnapshot} per applied batch.
 *
 * <pre>{@code
 * ConfigRegistry registry = ConfigRegistry.builder(source).build(); // StandardTypes.all() by default
 * registry.addListener(update -> router.apply(update.changes(StandardTypes.ROUTES)));
 * registry.start();
 * registry.awaitReady(Duration.ofSeconds(10));
 * Route r = registry.store(StandardTypes.ROUTES).get("1");
 * }</pre>
 *
 * <p>The watch's thread validates each event (the type's pipeline, within the JSON limits) and
 * queues it coalesced per key ({@link EventQueue}: the newest valid value and the newest rejection
 * after it). One apply thread then works in revision order: it holds values whose references do
 * not resolve as {@link Pending}, records invalid values as {@link Rejection}s (the previous good
 * value keeps serving), and publishes the next snapshot with one volatile write. Redelivered
 * events are dropped by revision; a reset from the source is answered by a relist whose difference
 * alone is applied.
 *
 * <p>The apply loop is supervised: a failing source is retried with capped, jittered backoff while
 * the last good snapshot keeps serving; anything thrown while applying (a bug, an {@link
 * OutOfMemoryError}) is answered by a resync after a backoff, and after {@value #FAIL_AFTER}
 * failures in a row the state is {@link State#FAILED} (with the cause) while the loop keeps trying.
 * {@link #health()} says whether the node is current.
 *
 * <p>Listeners run on one notifier thread, after publication, in order; one that throws anything
 * is reported and skipped for that update, never stopping the others or later updates. Updates
 * published while the listeners are still busy are merged into one pending update (one change per
 * item), so slow listeners fall behind by at most one merged update, never by a growing queue.
 * Reads ({@link #snapshot()}, stores) never lock. Thread-safe.
 *
 * <p>This class is the entry point and its settings; the work is done by package-private parts:
 * {@link ApplyLoop} (the apply thread, its state and the last-known-good file), {@link Resolver}
 * (reference resolution), {@link Notifier} (the listeners' thread), {@link EventQueue} (the watch's
 * hand-off), {@link Validator} and {@link HealthTracker}.
 */
public final class ConfigRegistry implements AutoCloseable {
  /** Failures in a row of the apply loop after which its state is {@link State#FAILED}. */
  static final int FAIL_AFTER = 3;

  /**
   * Receives the published updates, on the registry's notifier thread; consecutive updates that
   * were published while the listeners were busy arrive merged into one.
   */
  @FunctionalInterface
  public interface Listener {
    void onUpdate(ConfigUpdate update);
  }

  /** Where the registry is. */
  public enum State {
    /** Started; no snapshot yet. */
    STARTING,
    /**
     * Serving from the source and watching it. The loop's state: whether the source is reached right
     * now (or was cut off longer than the threshold) is {@link Status#health()}'s to say.
     */
    LIVE,
    /** Serving the last-known-good file because the source could not be reached at start. */
    LAST_KNOWN_GOOD,
    /** Serving the last good snapshot while the source is retried or the loop resyncs. */
    RECOVERING,
    /** The apply loop failed {@value ConfigRegistry#FAIL_AFTER} times in a row; it keeps retrying. */
    FAILED,
    CLOSED
  }

  /**
   * What operators see.
   *
   * @param state the apply loop's state: {@link State#LIVE} says the loop watches the source, not
   *     that the source is reached; {@code health} says that
   * @param lastError the loop's last error, or else a failure to write the last-known-good file;
   *     null when neither
   * @param listenerFailures how many times a listener threw (each time skipped for that update)
   * @param lastListenerFailure the last such failure, or null
   * @param health whether the node is current ({@link ConfigRegistry#health()}, read with the rest):
   *     STALE while the source is cut off, whatever the loop's state
   */
  public record Status(State state, long appliedRevision, long snapshotVersion, int relists, @Nullable String lastError,
      long listenerFailures, @Nullable String lastListenerFailure, Health health) {}

  private final Map<String, ResourceType<?>> typesByPath;
  private final List<ResourceType<?>> applyOrder;
  private final ServedWaiters served = new ServedWaiters(() -> loop().appliedRevision(), () -> loop().current());
  private final Notifier notifier = new Notifier(served);
  private final HealthTracker health;
  private final ApplyLoop loop;
  /** 4,096 values, 16 MiB: a few bulk requests in flight; an offer dropped costs one check, nothing else. */
  private final CheckedValues checkedValues = new CheckedValues(4096, 16L << 20);
  private boolean started; // guarded by this

  private ConfigRegistry(Builder b) {
    String prefix = ResourceKey.normalizePrefix(b.source.prefix());
    this.typesByPath = new LinkedHashMap<>();
    for (ResourceType<?> t : b.types) {
      if (typesByPath.put(t.routeKey(), t) != null) {
        throw new IllegalArgumentException("two resource types use the key segment \"" + t.routeKey() + "\"");
      }
    }
    Set<String> names = new HashSet<>();
    for (ResourceType<?> t : b.types) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("two resource types are named \"" + t.name() + "\"");
      }
    }
    this.applyOrder = TypeOrder.of(b.types);
    Validator validator = new Validator(prefix, typesByPath, b.maxJsonDepth, b.maxValueBytes, checkedValues);
    this.health = new HealthTracker(b.source, b.clock, b.staleAfter);
    this.loop = new ApplyLoop(b.source, prefix, applyOrder, b.lastKnownGood == null ? null : new LastKnownGood(b.lastKnownGood, prefix),
        b.clock, b.backoffMin, b.backoffMax, validator, new EventQueue(validator, b.maxBatch), notifier, served, health);
    served.delivered(loop.current()); // the empty snapshot: nothing to tell anyone
  }

  private ApplyLoop loop() {
    return loop;
  }

  public static Builder builder(ConfigSource source) {
    return new Builder(source);
  }

  /** Starts loading and watching; returns at once. Add listeners before, to miss nothing. */
  public synchronized ConfigRegistry start() {
    if (started) {
      throw new IllegalStateException("the registry is already started");
    }
    if (loop.state() == State.CLOSED) {
      throw new IllegalStateException("the registry is closed"); // its thread would end at once and never be ready
    }
    started = true;
    loop.start();
    return this;
  }

  /** Waits until the first snapshot is published; false on timeout. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return loop.awaitReady(timeout);
  }

  public boolean isReady() {
    return loop.isReady();
  }

  /** The newest snapshot: one volatile read. */
  public ConfigSnapshot snapshot() {
    return loop.current();
  }

  /**
   * The value at {@code key} as stored (its bytes and revisions) that this registry accepted and
   * serves, or null when it serves none there (absent, deleted, or holding only values it
   * rejected). Read without locks from any thread; it may be older than the source (a change not
   * applied yet, another node's write): use its mod revision in a compare-and-write, as the admin
   * API's {@code AdminApi.Builder#nodeView} does, and read the source when the compare fails.
   */
  public io.dynconf.core.spi.@Nullable KeyValue appliedValue(String key) {
    return loop.acceptedValue(Objects.requireNonNull(key, "key"));
  }

  /**
   * Completes once this node serves {@code revision} of its source: the registry has applied it and
   * every listener has seen a snapshot at that revision or later — or, when the revision changed
   * nothing this registry holds, every snapshot published so far. Read-your-writes on one node:
   * after a write through the source at revision R, a request handled after {@code whenServed(R)}
   * completes sees the write in every listener-built structure (route table, plugin chains).
   *
   * <p>Told by the threads that apply and deliver, never polled. It completes on the registry's
   * apply or notifier thread: keep dependent stages trivial or use the {@code ...Async} variants.
   * It has no deadline of its own ({@code orTimeout} gives one); it fails when the registry closes
   * first, and at once when {@value ServedWaiters#MAX_WAITERS} waits are already pending.
   */
  public java.util.concurrent.CompletableFuture<Void> whenServed(long revision) {
    return served.await(revision);
  }

  /**
   * Where a writer on this node (the admin API: {@code AdminApi.Builder#checkedValues}) hands the
   * values it has checked before writing them, so that this registry does not check them again
   * when its watch delivers the same bytes. Bounded; see {@link CheckedValues}.
   */
  public CheckedValues checkedValues() {
    return checkedValues;
  }

  /** A live view of {@code type}'s store; each call reads the newest snapshot. */
  public <T> ConfigStore<T> store(ResourceType<T> type) {
    loop.current().store(type); // fails now for an unknown type
    return new LiveStore<>(this, type);
  }

  public void addListener(Listener listener) {
    notifier.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(Listener listener) {
    notifier.remove(listener);
  }

  public List<ResourceType<?>> types() {
    return applyOrder;
  }

  /** The type whose key segment is {@code path}, if registered. */
  public Optional<ResourceType<?>> typeAt(String path) {
    return Optional.ofNullable(typesByPath.get(path));
  }

  public Status status() {
    return new Status(loop.state(), loop.appliedRevision(), loop.current().version(), loop.relists(), loop.lastError(),
        notifier.failures(), notifier.lastFailure(), health());
  }

  /**
   * UP (the source is reached, the loop applies), STALE (the last good configuration serves, but
   * the source was not reached for longer than the threshold — default twice the source's
   * progress interval; or one batch has been applied, or one listener has run on an update, for
   * longer than that: the snapshot or what the listeners saw is behind; or the loop resyncs) or DOWN (nothing loaded, or FAILED); with since when,
   * why, and the rejected and pending counts. Does not block.
   */
  public Health health() {
    return health.health(loop.loopError(), loop.current(), loop.appliedRevision(), notifier, loop.applying());
  }

  /** Sizes of the apply thread's maps and of the queue: a test hook, read once the registry is idle. */
  Map<String, Integer> internalSizes() {
    Map<String, Integer> out = new LinkedHashMap<>();
    loop.internalSizes(out);
    out.put("notifierPending", notifier.hasPending() ? 1 : 0);
    return out;
  }

  /** Stops the watch and the threads; the last snapshot stays readable. */
  @Override
  public synchronized void close() {
    loop.close(started);
    notifier.shutdown();
    served.close();
  }

  /** Settings for a registry. */
  public static final class Builder {
    private final ConfigSource source;
    private List<ResourceType<?>> types = StandardTypes.all();
    private @Nullable Path lastKnownGood;
    private Clock clock = Clock.systemUTC();
    private Duration backoffMin = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(10);
    private int maxBatch = 100_000;
    private int maxJsonDepth = Pipeline.DEFAULT_MAX_DEPTH;
    private int maxValueBytes = Pipeline.DEFAULT_MAX_VALUE_BYTES;
    private @Nullable Duration staleAfter;

    private Builder(ConfigSource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /** The resource types to keep (default {@link StandardTypes#all()}); keys of other types are ignored. */
    public Builder types(List<? extends ResourceType<?>> types) {
      if (types.isEmpty()) {
        throw new IllegalArgumentException("a registry needs at least one resource type");
      }
      this.types = List.copyOf(types);
      return this;
    }

    /**
     * A file to write the applied configuration to (atomically, after each applied batch, at most
     * once a second while busy) and to start from when the source cannot be reached at start.
     */
    public Builder lastKnownGood(Path file) {
      this.lastKnownGood = Objects.requireNonNull(file, "file");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Backoff between failed lists: exponential from min to max with full jitter. */
    public Builder backoff(Duration min, Duration max) {
      if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException("backoff needs 0 < min <= max, got " + min + " and " + max);
      }
      this.backoffMin = min;
      this.backoffMax = max;
      return this;
    }

    /**
     * How many distinct keys may wait for the apply thread (default 100,000). Events are validated
     * on the watch's thread and coalesced per key (the newest valid value and the newest rejection
     * after it), so the queue holds at most one slot per key; past this bound it is dropped and
     * the registry relists.
     */
    public Builder maxBatch(int maxBatch) {
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be positive, was " + maxBatch);
      }
      this.maxBatch = maxBatch;
      return this;
    }

    /**
     * Limits of the JSON values read from the source: nesting depth (default 1,000, what APISIX's
     * JSON decoder accepts) and size in bytes (default 1.5 MiB, etcd's default request limit). A
     * value past them is rejected with that reason.
     */
    public Builder jsonLimits(int maxDepth, int maxValueBytes) {
      if (maxDepth < 1 || maxValueBytes < 2) {
        throw new IllegalArgumentException("jsonLimits needs maxDepth >= 1 and maxValueBytes >= 2, got " + maxDepth + " and " + maxValueBytes);
      }
      this.maxJsonDepth = maxDepth;
      this.maxValueBytes = maxValueBytes;
      return this;
    }

    /**
     * How long the source may go unreached before {@link ConfigRegistry#health()} says STALE
     * (default twice the source's progress interval; 10 s for a source without one).
     */
    public Builder staleAfter(Duration threshold) {
      if (threshold.isNegative() || threshold.isZero()) {
        throw new IllegalArgumentException("staleAfter must be positive, was " + threshold);
      }
      this.staleAfter = threshold;
      return this;
    }

    public ConfigRegistry build() {
      return new ConfigRegistry(this);
    }
  }
}
