package io.dynconf.core;

import io.dynconf.core.Validator.Checked;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.internal.LastKnownGood;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.internal.StoreState;
import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class ConfigRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigRegistry.class);
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

  private final ConfigSource source;
  private final String prefix;
  private final Map<String, ResourceType<?>> typesByPath;
  private final List<ResourceType<?>> applyOrder;
  private final @Nullable LastKnownGood lastKnownGood;
  private final Clock clock;
  private final Duration backoffMin;
  private final Duration backoffMax;
  private final Validator validator;
  private final EventQueue events;
  private final Notifier notifier = new Notifier();
  private final HealthTracker health;

  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread applyThread;
  private volatile ConfigSnapshot current;
  private volatile State state = State.STARTING; // written under stateLock
  private final Object stateLock = new Object();
  private volatile @Nullable String lastError;
  private volatile @Nullable String lkgError; // the last failure to write the last-known-good file, until one succeeds
  private volatile long appliedRevisionView;
  private volatile int relists;
  private volatile boolean started;

  // ---- confined to the apply thread ----
  private final Map<String, Map<String, ConfigItem<?>>> accepted = new HashMap<>(); // type -> id -> item
  private final Map<String, KeyValue> acceptedKvs = new HashMap<>(); // key -> the accepted value as stored
  private final Map<String, Long> seen = new HashMap<>(); // key -> mod revision of the last event (valid or not)
  private final Map<String, Rejection> rejections = new HashMap<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private long appliedRevision;
  private @Nullable Watch watch;
  private boolean loaded;
  private boolean servingLastKnownGood;
  private boolean lkgDirty;
  private long lkgWrittenAt;

  private ConfigRegistry(Builder b) {
    this.source = b.source;
    this.prefix = ResourceKey.normalizePrefix(source.prefix());
    this.typesByPath = new LinkedHashMap<>();
    for (ResourceType<?> t : b.types) {
      if (typesByPath.put(t.path(), t) != null) {
        throw new IllegalArgumentException("two resource types use the key segment \"" + t.path() + "\"");
      }
    }
    Set<String> names = new HashSet<>();
    for (ResourceType<?> t : b.types) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("two resource types are named \"" + t.name() + "\"");
      }
    }
    this.applyOrder = TypeOrder.of(b.types);
    this.lastKnownGood = b.lastKnownGood == null ? null : new LastKnownGood(b.lastKnownGood, prefix);
    this.clock = b.clock;
    this.backoffMin = b.backoffMin;
    this.backoffMax = b.backoffMax;
    this.validator = new Validator(prefix, typesByPath, b.maxJsonDepth, b.maxValueBytes);
    this.events = new EventQueue(validator, b.maxBatch);
    this.health = new HealthTracker(source, clock, b.staleAfter);
    Map<String, StoreState<?>> empty = new HashMap<>();
    for (ResourceType<?> t : b.types) {
      empty.put(t.name(), StoreState.empty(t));
      accepted.put(t.name(), new HashMap<>());
    }
    this.current = new ConfigSnapshot(0, 0, empty, Map.of(), Map.of(), false, clock.instant());
    this.applyThread = new Thread(this::supervise, "dynconf-apply");
    this.applyThread.setDaemon(true);
  }

  public static Builder builder(ConfigSource source) {
    return new Builder(source);
  }

  /** Starts loading and watching; returns at once. Add listeners before, to miss nothing. */
  public synchronized ConfigRegistry start() {
    if (started) {
      throw new IllegalStateException("the registry is already started");
    }
    if (state == State.CLOSED) {
      throw new IllegalStateException("the registry is closed"); // its thread would end at once and never be ready
    }
    started = true;
    applyThread.start();
    return this;
  }

  /** Waits until the first snapshot is published; false on timeout. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public boolean isReady() {
    return ready.getCount() == 0;
  }

  /** The newest snapshot: one volatile read. */
  public ConfigSnapshot snapshot() {
    return current;
  }

  /** A live view of {@code type}'s store; each call reads the newest snapshot. */
  public <T> ConfigStore<T> store(ResourceType<T> type) {
    current.store(type); // fails now for an unknown type
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
    String error = lastError;
    return new Status(state, appliedRevisionView, current.version(), relists, error != null ? error : lkgError,
        notifier.failures(), notifier.lastFailure(), health());
  }

  /**
   * UP (the source is reached, the loop applies), STALE (the last good configuration serves, but
   * the source was not reached for longer than the threshold — default twice the source's
   * progress interval — or the loop resyncs) or DOWN (nothing loaded, or FAILED); with since when,
   * why, and the rejected and pending counts. Does not block.
   */
  public Health health() {
    return health.health(lastError, current, appliedRevisionView, notifier);
  }

  /** Sizes of the apply thread's maps and of the queue: a test hook, read once the registry is idle. */
  Map<String, Integer> internalSizes() {
    Map<String, Integer> out = new LinkedHashMap<>();
    accepted.forEach((type, items) -> out.put("accepted." + type, items.size()));
    out.put("acceptedKvs", acceptedKvs.size());
    out.put("seen", seen.size());
    out.put("rejections", rejections.size());
    out.put("pending", pending.size());
    out.put("queuedKeys", events.size());
    out.put("notifierPending", notifier.hasPending() ? 1 : 0);
    return out;
  }

  /** Stops the watch and the threads; the last snapshot stays readable. */
  @Override
  public void close() {
    enter(State.CLOSED);
    events.stop();
    if (started && Thread.currentThread() != applyThread) {
      try {
        applyThread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (applyThread.isAlive()) { // blocked in the source, say: it ends (and closes its watch) when that returns
        LOG.warn("dynconf: the apply thread did not stop within 10 s of close(); it stops when the source returns");
      }
    }
    notifier.shutdown();
  }

  private void enter(State next) {
    synchronized (stateLock) { // a check-then-write: without the lock the apply thread could overwrite a concurrent CLOSED
      if (state == State.CLOSED) {
        return; // closing wins over whatever the apply thread was doing
      }
      state = next;
      health.state(next);
    }
  }

  // ------------------------------------------------------------------------------------------
  // The apply thread

  /** The apply thread: runs the loop again should even its own recovery fail. */
  private void supervise() {
    while (state != State.CLOSED) {
      try {
        run();
      } catch (Throwable e) {
        try {
          lastError = "the apply loop failed: " + e;
          enter(State.FAILED);
          LOG.error("dynconf: {}; restarting it", lastError, e);
          events.awaitStop(backoffMax.toMillis());
        } catch (Throwable again) {
          // nothing left to report with; the loop is tried again
        }
      }
    }
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  private void run() {
    boolean resync = loaded; // a restarted loop resyncs first
    int failures = 0;
    long delay = backoffMin.toMillis();
    while (state != State.CLOSED) {
      try {
        if (!loaded) {
          synchronize(true);
          loaded = true;
        } else if (resync) {
          relist();
        }
        resync = false;
        EventQueue.Drained d = events.poll(lkgDirty ? 50 : 1000);
        health.observe();
        if (d == null) {
          writeLastKnownGood(true);
          continue;
        }
        process(d);
        failures = 0;
        delay = backoffMin.toMillis();
        writeLastKnownGood(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        enter(State.CLOSED);
        return;
      } catch (Throwable e) { // a bug in user code, a relist that throws, out of memory: resync after a backoff
        failures++;
        resync = true;
        seen.replaceAll((k, v) -> -1L); // a batch may have stopped half-applied: the relist re-applies every key
        lastError = "applying failed (" + failures + " in a row; resyncing): " + e;
        LOG.error("dynconf: {}", lastError, e);
        if (failures >= FAIL_AFTER) {
          enter(State.FAILED);
        } else if (loaded) {
          enter(State.RECOVERING);
        }
        try {
          delay = sleepBackoff(delay);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          enter(State.CLOSED);
          return;
        }
      }
    }
  }

  /** Applies one drain of the queue: its events, its progress, then a stop or a relist it asked for. */
  private void process(EventQueue.Drained d) throws InterruptedException {
    if (d.fatal() instanceof Error e) {
      throw e; // out of memory while validating on the watch's thread: resync after a backoff
    }
    health.contact();
    List<Checked> fresh = new ArrayList<>(d.events().size());
    for (Checked c : d.events()) {
      if (c.event().modRevision() > appliedRevision) { // at or below: a redelivery
        fresh.add(c);
      }
    }
    if (!fresh.isEmpty()) {
      apply(fresh, Math.max(appliedRevision, d.newestRevision()));
    }
    long progress = Math.max(d.newestRevision(), d.progress());
    if (progress > appliedRevision) {
      appliedRevision = progress;
      appliedRevisionView = progress;
    }
    if (d.stop()) {
      enter(State.CLOSED);
    } else if (d.reset() != null) {
      LOG.info("dynconf: source asked for a relist: {}", d.reset());
      relist();
    }
  }

  private void relist() throws InterruptedException {
    relists++;
    Watch w = watch;
    if (w != null) {
      watch = null;
      w.close();
    }
    events.newGeneration(); // signals of the old watch still queued are dropped
    if (state != State.FAILED) {
      enter(State.RECOVERING);
    }
    synchronize(false);
  }

  /**
   * Lists, applies the difference from what is held, and watches from the listing's revision + 1;
   * retries with backoff until that works or the registry closes. At the first start, the
   * last-known-good file stands in while the source cannot be listed.
   */
  private void synchronize(boolean initial) throws InterruptedException {
    long delay = backoffMin.toMillis();
    boolean triedLastKnownGood = !initial || lastKnownGood == null;
    while (state != State.CLOSED) {
      try {
        Listing listing = source.list();
        health.contact();
        applyListing(listing, false, initial);
        startWatch(listing.revision() + 1);
        enter(State.LIVE);
        lastError = null;
        ready.countDown();
        return;
      } catch (RuntimeException e) {
        lastError = "cannot list " + prefix + ": " + e.getMessage();
        LOG.warn("dynconf: {} (retrying)", lastError);
        if (!triedLastKnownGood) {
          triedLastKnownGood = true;
          Optional<Listing> saved = Objects.requireNonNull(lastKnownGood, "checked by triedLastKnownGood").read();
          if (saved.isPresent()) {
            LOG.warn("dynconf: serving the last-known-good file {} (revision {}) until the source answers",
                Objects.requireNonNull(lastKnownGood).path(), saved.get().revision());
            applyListing(saved.get(), true, false);
            enter(State.LAST_KNOWN_GOOD);
            ready.countDown();
          }
        }
        delay = sleepBackoff(delay);
      }
    }
  }

  private long sleepBackoff(long delay) throws InterruptedException {
    long jittered = ThreadLocalRandom.current().nextLong(Math.max(1, delay) + 1); // full jitter
    if (events.awaitStop(jittered)) { // wakes early only to stop
      enter(State.CLOSED);
    }
    return Math.min(backoffMax.toMillis(), Math.max(1, delay) * 2);
  }

  private void startWatch(long from) {
    int gen = events.newGeneration();
    watch = source.watch(from, new WatchListener() {
      @Override
      public void onEvents(List<ChangeEvent> changes) {
        events.events(gen, changes);
      }

      @Override
      public void onProgress(long revision) {
        events.progress(gen, revision);
      }

      @Override
      public void onReset(String reason) {
        events.reset(gen, reason);
      }
    });
  }

  /**
   * Applies a listing as the difference from what is held. At the first start with a
   * last-known-good file ({@code initial}), a key the source holds an invalid value for, of which
   * the file holds a valid value of the same incarnation (same create revision), serves the file's
   * value: it is applied first, then the source's value is rejected, so the last-good rule keeps it.
   */
  private void applyListing(Listing listing, boolean fromLastKnownGood, boolean initial) {
    Map<String, KeyValue> saved = initial && lastKnownGood != null ? savedValues() : Map.of();
    List<Checked> diff = new ArrayList<>();
    Set<String> listed = new HashSet<>();
    for (KeyValue kv : listing.kvs()) {
      listed.add(kv.key());
      Long held = seen.get(kv.key());
      KeyValue had = acceptedKvs.get(kv.key());
      // the same mod revision is not proof of the same value: after a wipe etcd counts from 1 again
      boolean same = held != null && held == kv.modRevision()
          && (had == null || (had.createRevision() == kv.createRevision() && java.util.Arrays.equals(had.valueUnsafe(), kv.valueUnsafe())));
      if (!same) {
        Checked c = validator.check(ChangeEvent.put(kv));
        if (c == null) {
          continue;
        }
        KeyValue good = saved.get(kv.key());
        if (c.isRejected() && good != null && good.createRevision() == kv.createRevision() && good.modRevision() < kv.modRevision()) {
          Checked fallback = validator.check(ChangeEvent.put(good));
          if (fallback != null && fallback.item() != null) {
            LOG.warn("dynconf: {} holds an invalid value; serving its last-known-good value of revision {}", kv.key(), good.modRevision());
            diff.add(fallback);
          }
        }
        diff.add(c);
      }
    }
    long deleteRevision = Math.max(1, listing.revision());
    for (String key : seen.keySet()) {
      if (!listed.contains(key)) {
        Checked c = validator.check(ChangeEvent.delete(key, deleteRevision));
        if (c != null) {
          diff.add(c);
        }
      }
    }
    servingLastKnownGood = fromLastKnownGood;
    boolean flagChanged = current.fromLastKnownGood() != fromLastKnownGood;
    apply(diff, listing.revision());
    if (flagChanged && current.fromLastKnownGood() != fromLastKnownGood) {
      publish(new Resolution(current.states(), Map.of(), false), current.revision()); // only the flag moves
    }
  }

  private Map<String, KeyValue> savedValues() {
    Map<String, KeyValue> out = new HashMap<>();
    Objects.requireNonNull(lastKnownGood).read().ifPresent(l -> l.kvs().forEach(kv -> out.put(kv.key(), kv)));
    return out;
  }

  /**
   * Applies checked events in order (redeliveries were already dropped) and makes {@code revision}
   * the applied revision: the newest event's, or a listing's, which may be lower than before when
   * etcd went backwards.
   */
  private void apply(List<Checked> checked, long revision) {
    Map<String, Set<String>> changed = new HashMap<>();
    boolean recordsChanged = false;
    for (Checked c : checked) {
      ResourceType<?> type = c.type();
      ResourceKey key = c.key();
      String k = c.event().key();
      Map<String, ConfigItem<?>> items = Objects.requireNonNull(accepted.get(type.name()), "every registered type has a map");
      if (c.isDelete()) {
        seen.remove(k);
        acceptedKvs.remove(k);
        recordsChanged |= rejections.remove(k) != null;
        if (items.remove(key.id()) != null || pending.containsKey(k)) {
          changed.computeIfAbsent(type.name(), t -> new HashSet<>()).add(key.id());
        }
        continue;
      }
      KeyValue kv = c.kv();
      seen.put(k, kv.modRevision());
      ConfigItem<?> item = c.item();
      if (item != null) {
        items.put(key.id(), item);
        acceptedKvs.put(k, kv);
        recordsChanged |= rejections.remove(k) != null;
        changed.computeIfAbsent(type.name(), t -> new HashSet<>()).add(key.id());
      } else {
        reject(kv, Objects.requireNonNullElse(c.field(), ""), Objects.requireNonNullElse(c.reason(), "rejected"));
        recordsChanged = true;
        dropIfRecreated(type, key, kv, items, changed);
      }
    }
    appliedRevision = revision;
    Resolution served = resolve(changed, revision);
    if (!served.changes.isEmpty() || recordsChanged || served.pendingChanged) {
      publish(served, revision);
    }
    appliedRevisionView = revision; // after the publication: "applied" means "visible"
  }

  /**
   * An invalid value keeps the previous good one serving, but only if it is the same key's life:
   * when the create revision differs, the key was deleted and created again (a relist can hide
   * the delete), and the old value must not come back.
   */
  private void dropIfRecreated(ResourceType<?> type, ResourceKey key, KeyValue kv, Map<String, ConfigItem<?>> items, Map<String, Set<String>> changed) {
    ConfigItem<?> held = items.get(key.id());
    if (held != null && held.createRevision() != kv.createRevision()) {
      items.remove(key.id());
      acceptedKvs.remove(kv.key());
      changed.computeIfAbsent(type.name(), k -> new HashSet<>()).add(key.id());
    }
  }

  private void reject(KeyValue kv, String field, String reason) {
    Rejection r = new Rejection(kv.key(), kv.modRevision(), field, reason, clock.instant());
    rejections.put(kv.key(), r);
    LOG.warn("dynconf: rejected {}", r.message());
  }

  /**
   * Recomputes which accepted items are served: an item is served when each of its references
   * resolves to a served item of the referenced type in the same snapshot. Types are visited so
   * that referenced types come first.
   */
  private Resolution resolve(Map<String, Set<String>> changed, long revision) {
    Map<String, List<StoreChange<?>>> out = new LinkedHashMap<>();
    Map<String, StoreState<?>> nextStates = new HashMap<>(current.states());
    Set<String> servedChanged = new HashSet<>();
    boolean pendingChanged = false;
    for (ResourceType<?> type : applyOrder) {
      Set<String> candidates = new HashSet<>(changed.getOrDefault(type.name(), Set.of()));
      StoreState<?> before = Objects.requireNonNull(nextStates.get(type.name()), "every registered type has a state");
      for (String ref : type.referencedTypes()) {
        if (servedChanged.contains(ref)) {
          candidates.addAll(Objects.requireNonNull(accepted.get(type.name())).keySet());
          candidates.addAll(before.ids());
          break;
        }
      }
      if (candidates.isEmpty()) {
        continue;
      }
      ResolveResult result = resolveType(type, before, candidates, nextStates);
      pendingChanged |= result.pendingChanged;
      if (!result.changes.isEmpty()) {
        nextStates.put(type.name(), result.next(revision));
        out.put(type.name(), result.changes);
        servedChanged.add(type.name());
      }
    }
    return new Resolution(nextStates, out, pendingChanged);
  }

  /** The stores after a batch, the served changes per type, and whether the pending set changed. */
  private record Resolution(Map<String, StoreState<?>> states, Map<String, List<StoreChange<?>>> changes, boolean pendingChanged) {}

  private final class ResolveResult {
    final StoreState<Object> before;
    final Map<String, @Nullable ConfigItem<Object>> delta = new HashMap<>();
    final List<StoreChange<?>> changes = new ArrayList<>();
    boolean pendingChanged;

    @SuppressWarnings("unchecked")
    ResolveResult(StoreState<?> before) {
      this.before = (StoreState<Object>) before;
    }

    StoreState<?> next(long revision) {
      return before.with(delta, revision);
    }
  }

  @SuppressWarnings("unchecked")
  private ResolveResult resolveType(ResourceType<?> type, StoreState<?> before, Set<String> ids, Map<String, StoreState<?>> nextStates) {
    ResolveResult r = new ResolveResult(before);
    ResourceType<Object> t = (ResourceType<Object>) type;
    Map<String, ConfigItem<?>> items = Objects.requireNonNull(accepted.get(type.name()), "every registered type has a map");
    for (String id : ids) {
      ConfigItem<Object> item = (ConfigItem<Object>) items.get(id);
      ConfigItem<Object> was = r.before.item(id);
      ConfigItem<Object> now = null;
      String key = prefix + '/' + type.path() + '/' + id; // the id came from a parsed key: no need to check it again
      if (item != null) {
        List<Reference> missing = new ArrayList<>();
        try {
          for (Reference ref : t.referencesOf(item.value())) {
            StoreState<?> target = nextStates.get(ref.type());
            if (target != null && target.item(ref.id()) == null) {
              missing.add(ref);
            }
          }
        } catch (VirtualMachineError e) {
          if (!(e instanceof StackOverflowError)) {
            throw e; // not the item's fault: the apply loop resyncs
          }
          missing.add(Reference.to(type.name(), id, "references() failed: " + e));
        } catch (RuntimeException | Error e) { // a bug in the type's references function holds the item back
          missing.add(Reference.to(type.name(), id, "references() failed: " + e));
        }
        if (missing.isEmpty()) {
          now = item;
          r.pendingChanged |= pending.remove(key) != null;
        } else {
          Pending p = new Pending(key, item.modRevision(), missing);
          r.pendingChanged |= !p.equals(pending.put(key, p));
        }
      } else {
        r.pendingChanged |= pending.remove(key) != null;
      }
      if (was != now) {
        r.delta.put(id, now);
        r.changes.add(new StoreChange<>(id, was, now));
      }
    }
    return r;
  }


  /** Publishes the next snapshot with one volatile write, then hands the update to the listeners. */
  private void publish(Resolution r, long revision) {
    ConfigSnapshot previous = current;
    ConfigSnapshot next = new ConfigSnapshot(
        revision,
        previous.version() + (r.changes.isEmpty() ? 0 : 1),
        r.states,
        rejections,
        pending,
        servingLastKnownGood,
        clock.instant());
    current = next;
    lkgDirty = true;
    notifier.publish(new ConfigUpdate(previous, next, r.changes));
  }

  private void writeLastKnownGood(boolean idle) {
    if (lastKnownGood == null || !lkgDirty || state == State.LAST_KNOWN_GOOD) {
      return;
    }
    long now = clock.millis();
    if ((!idle || lkgError != null) && now - lkgWrittenAt < 1000) {
      return; // busy or failing: at most once a second; the idle poll writes the rest
    }
    try {
      lastKnownGood.write(appliedRevision, acceptedKvs.values());
      lkgDirty = false;
      lkgWrittenAt = now;
      lkgError = null;
    } catch (RuntimeException e) {
      lkgError = "cannot write the last-known-good file " + lastKnownGood.path() + ": " + e;
      LOG.warn("dynconf: {} (retrying at most once a second)", lkgError);
      lkgWrittenAt = now;
    }
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
