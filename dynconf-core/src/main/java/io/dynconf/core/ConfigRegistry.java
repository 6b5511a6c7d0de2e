package io.dynconf.core;

import io.dynconf.core.apisix.Route;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>One apply thread does all the work in revision order: it routes each key to its type by exact
 * path segment ({@code <prefix>/<type>/<id>}), runs the type's pipeline, holds values whose
 * references do not resolve as {@link Pending}, records invalid values as {@link Rejection}s (the
 * previous good value keeps serving), and publishes the next snapshot with one volatile write.
 * Redelivered events are dropped by revision; a reset from the source is answered by a relist
 * whose difference alone is applied. The apply loop never dies: a failing source is retried with
 * capped, jittered backoff while the last good snapshot keeps serving.
 *
 * <p>Listeners run on one notifier thread, after publication, in order; one that throws does not
 * stop the others. Updates published while the listeners are still busy are merged into one (the
 * first one's previous snapshot, the last one's current, their changes in order), so slow
 * listeners fall behind by at most one merged update, never by a growing queue. Reads ({@link
 * #snapshot()}, stores) never lock. Thread-safe.
 */
public final class ConfigRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigRegistry.class);

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
    /** Serving from the source and watching it. */
    LIVE,
    /** Serving the last-known-good file because the source could not be reached at start. */
    LAST_KNOWN_GOOD,
    /** Serving the last good snapshot while the source is retried. */
    RECOVERING,
    CLOSED
  }

  /** What operators see. */
  public record Status(State state, long appliedRevision, long snapshotVersion, int relists, @Nullable String lastError) {}

  private final ConfigSource source;
  private final String prefix;
  private final Map<String, ResourceType<?>> typesByPath;
  private final List<ResourceType<?>> applyOrder;
  private final @Nullable LastKnownGood lastKnownGood;
  private final Clock clock;
  private final Duration backoffMin;
  private final Duration backoffMax;
  private final int maxBatch;

  private final LinkedBlockingQueue<Signal> queue = new LinkedBlockingQueue<>();
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread applyThread;
  private final ExecutorService notifier;
  private final ConcurrentLinkedQueue<ConfigUpdate> unnotified = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean notifying = new AtomicBoolean();
  private volatile ConfigSnapshot current;
  private volatile State state = State.STARTING;
  private volatile @Nullable String lastError;
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
  private int generation;
  private @Nullable Watch watch;
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
    this.applyOrder = topologicalOrder(b.types);
    this.lastKnownGood = b.lastKnownGood == null ? null : new LastKnownGood(b.lastKnownGood, prefix);
    this.clock = b.clock;
    this.backoffMin = b.backoffMin;
    this.backoffMax = b.backoffMax;
    this.maxBatch = b.maxBatch;
    Map<String, StoreState<?>> empty = new HashMap<>();
    for (ResourceType<?> t : b.types) {
      empty.put(t.name(), StoreState.empty(t));
      accepted.put(t.name(), new HashMap<>());
    }
    this.current = new ConfigSnapshot(0, 0, empty, Map.of(), Map.of(), false, clock.instant());
    this.applyThread = new Thread(this::run, "dynconf-apply");
    this.applyThread.setDaemon(true);
    this.notifier = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "dynconf-notify");
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder(ConfigSource source) {
    return new Builder(source);
  }

  /** Starts loading and watching; returns at once. Add listeners before, to miss nothing. */
  public synchronized ConfigRegistry start() {
    if (started) {
      throw new IllegalStateException("the registry is already started");
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
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  public List<ResourceType<?>> types() {
    return applyOrder;
  }

  /** The type whose key segment is {@code path}, if registered. */
  public Optional<ResourceType<?>> typeAt(String path) {
    return Optional.ofNullable(typesByPath.get(path));
  }

  public Status status() {
    return new Status(state, appliedRevisionView, current.version(), relists, lastError);
  }

  /** Stops the watch and the threads; the last snapshot stays readable. */
  @Override
  public void close() {
    state = State.CLOSED;
    queue.add(Signal.STOP);
    if (started && Thread.currentThread() != applyThread) {
      try {
        applyThread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    notifier.shutdown();
  }

  // ------------------------------------------------------------------------------------------
  // The apply thread

  private void run() {
    try {
      load();
      ArrayDeque<Signal> batch = new ArrayDeque<>();
      while (state != State.CLOSED) {
        Signal first = queue.poll(lkgDirty ? 50 : 1000, TimeUnit.MILLISECONDS);
        if (first == null) {
          writeLastKnownGood(true);
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch);
        try {
          process(batch);
        } catch (RuntimeException e) {
          // A bug in user code (a references function, say) must not end the loop: resync instead.
          LOG.error("dynconf: applying a batch failed; relisting to resynchronise", e);
          lastError = e.toString();
          relist();
        }
        batch.clear();
        writeLastKnownGood(false);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("dynconf apply thread failed; the last snapshot keeps serving", e);
      lastError = e.toString();
    } finally {
      Watch w = watch;
      if (w != null) {
        w.close();
      }
    }
  }

  /** Applies the queued signals in order, coalescing consecutive events into one batch. */
  private void process(ArrayDeque<Signal> batch) throws InterruptedException {
    List<ChangeEvent> events = new ArrayList<>();
    long progress = -1;
    long horizon = appliedRevision; // events at or below it were applied: a redelivery
    for (Signal s : batch) {
      if (s == Signal.STOP) {
        flush(events, progress);
        state = State.CLOSED;
        return;
      }
      if (s.generation != generation) {
        continue; // from a watch we already replaced
      }
      if (s.reset != null) {
        flush(events, progress);
        events = new ArrayList<>();
        progress = -1;
        LOG.info("dynconf: source asked for a relist: {}", s.reset);
        relist();
        horizon = appliedRevision;
      } else if (s.events != null) {
        long newest = horizon;
        for (ChangeEvent e : s.events) {
          if (e.modRevision() > horizon) {
            events.add(e);
            newest = Math.max(newest, e.modRevision());
          }
        }
        horizon = newest; // one onEvents call carries whole revisions, so this is exact
      } else {
        progress = Math.max(progress, s.progress);
      }
    }
    flush(events, progress);
  }

  private void flush(List<ChangeEvent> events, long progress) {
    if (!events.isEmpty()) {
      apply(events, Math.max(appliedRevision, events.get(events.size() - 1).modRevision()));
    }
    if (progress > appliedRevision) {
      appliedRevision = progress;
      appliedRevisionView = progress;
    }
  }

  private void load() throws InterruptedException {
    synchronize(true);
  }

  private void relist() throws InterruptedException {
    relists++;
    Watch w = watch;
    if (w != null) {
      w.close();
      watch = null;
    }
    generation++; // signals of the old watch still queued are ignored
    state = State.RECOVERING;
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
        applyListing(listing, false);
        startWatch(listing.revision() + 1);
        state = State.LIVE;
        lastError = null;
        ready.countDown();
        return;
      } catch (RuntimeException e) {
        lastError = "cannot list " + prefix + ": " + e.getMessage();
        LOG.warn("dynconf: {} (retrying)", lastError);
        if (!triedLastKnownGood) {
          triedLastKnownGood = true;
          Optional<Listing> saved = lastKnownGood.read();
          if (saved.isPresent()) {
            LOG.warn("dynconf: serving the last-known-good file {} (revision {}) until the source answers",
                lastKnownGood.path(), saved.get().revision());
            applyListing(saved.get(), true);
            state = State.LAST_KNOWN_GOOD;
            ready.countDown();
          }
        }
        delay = sleepBackoff(delay);
      }
    }
  }

  private long sleepBackoff(long delay) throws InterruptedException {
    long jittered = ThreadLocalRandom.current().nextLong(Math.max(1, delay) + 1); // full jitter
    Signal s = queue.poll(jittered, TimeUnit.MILLISECONDS); // wakes early only to stop
    if (s == Signal.STOP) {
      state = State.CLOSED;
    }
    return Math.min(backoffMax.toMillis(), Math.max(1, delay) * 2);
  }

  private void startWatch(long from) {
    int gen = ++generation;
    watch = source.watch(from, new WatchListener() {
      @Override
      public void onEvents(List<ChangeEvent> events) {
        queue.add(Signal.events(gen, events));
      }

      @Override
      public void onProgress(long revision) {
        queue.add(Signal.progress(gen, revision));
      }

      @Override
      public void onReset(String reason) {
        queue.add(Signal.reset(gen, reason));
      }
    });
  }

  /** Applies a listing as the difference from what is held. */
  private void applyListing(Listing listing, boolean fromLastKnownGood) {
    List<ChangeEvent> diff = new ArrayList<>();
    Set<String> listed = new HashSet<>();
    for (KeyValue kv : listing.kvs()) {
      listed.add(kv.key());
      Long held = seen.get(kv.key());
      if (held == null || held != kv.modRevision()) {
        diff.add(ChangeEvent.put(kv));
      }
    }
    long deleteRevision = Math.max(1, listing.revision());
    for (String key : seen.keySet()) {
      if (!listed.contains(key)) {
        diff.add(ChangeEvent.delete(key, deleteRevision));
      }
    }
    servingLastKnownGood = fromLastKnownGood;
    boolean flagChanged = current.fromLastKnownGood() != fromLastKnownGood;
    apply(diff, listing.revision());
    if (flagChanged && current.fromLastKnownGood() != fromLastKnownGood) {
      publish(new Resolution(current.states(), Map.of(), false), current.revision()); // only the flag moves
    }
  }

  /**
   * Applies events in order (redeliveries were already dropped by {@link #process}) and makes
   * {@code revision} the applied revision: the newest event's, or a listing's, which may be lower
   * than before when etcd went backwards.
   */
  private void apply(List<ChangeEvent> events, long revision) {
    Map<String, Set<String>> changed = new HashMap<>();
    boolean recordsChanged = false;
    for (ChangeEvent e : events) {
      ResourceType<?> type = route(e.key());
      if (type == null) {
        continue; // not a resource key of a registered type
      }
      ResourceKey key = ResourceKey.tryParse(prefix, e.key(), type.idSegments()).orElse(null);
      if (key == null) {
        continue;
      }
      Map<String, ConfigItem<?>> items = accepted.get(type.name());
      if (e.type() == ChangeEvent.Type.DELETE) {
        seen.remove(e.key());
        acceptedKvs.remove(e.key());
        recordsChanged |= rejections.remove(e.key()) != null;
        if (items.remove(key.id()) != null || pending.containsKey(e.key())) {
          changed.computeIfAbsent(type.name(), k -> new HashSet<>()).add(key.id());
        }
        continue;
      }
      KeyValue kv = Objects.requireNonNull(e.kv());
      seen.put(e.key(), kv.modRevision());
      try {
        ConfigItem<?> item = Pipeline.decode(type, key, kv.valueUnsafe(), kv.createRevision(), kv.modRevision());
        items.put(key.id(), item);
        acceptedKvs.put(e.key(), kv);
        recordsChanged |= rejections.remove(e.key()) != null;
        changed.computeIfAbsent(type.name(), k -> new HashSet<>()).add(key.id());
      } catch (InvalidConfigException ex) {
        reject(kv, ex.field(), ex.reason());
        recordsChanged = true;
        dropIfRecreated(type, key, kv, items, changed);
      } catch (RuntimeException ex) {
        reject(kv, "", type.name() + " checker failed: " + ex);
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

  private @Nullable ResourceType<?> route(String key) {
    int start = prefix.length() + 1;
    if (!key.startsWith(prefix) || key.length() <= start || key.charAt(prefix.length()) != '/') {
      return null;
    }
    int slash = key.indexOf('/', start);
    if (slash < 0) {
      return null;
    }
    return typesByPath.get(key.substring(start, slash));
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
      StoreState<?> before = nextStates.get(type.name());
      for (String ref : type.referencedTypes()) {
        if (servedChanged.contains(ref)) {
          candidates.addAll(accepted.get(type.name()).keySet());
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
    Map<String, ConfigItem<?>> items = accepted.get(type.name());
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
        } catch (RuntimeException e) { // a bug in the type's references function holds the item back
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
    notifyListeners(new ConfigUpdate(previous, next, r.changes));
  }

  private void notifyListeners(ConfigUpdate update) {
    if (listeners.isEmpty()) {
      return;
    }
    unnotified.add(update);
    if (notifying.compareAndSet(false, true)) {
      notifier.execute(this::drainUpdates);
    }
  }

  /** On the notifier thread: hands everything published so far to the listeners as one update. */
  private void drainUpdates() {
    while (true) {
      List<ConfigUpdate> batch = new ArrayList<>();
      for (ConfigUpdate u; (u = unnotified.poll()) != null; ) {
        batch.add(u);
      }
      if (batch.isEmpty()) {
        notifying.set(false);
        // an update added after the last poll but before the flag fell is ours unless another drain took it
        if (unnotified.isEmpty() || !notifying.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      ConfigUpdate update = ConfigUpdate.merge(batch);
      for (Listener l : listeners) {
        try {
          l.onUpdate(update);
        } catch (RuntimeException e) {
          LOG.error("dynconf: a listener failed on the update to revision {}; the others still run", update.current().revision(), e);
        }
      }
    }
  }

  private void writeLastKnownGood(boolean idle) {
    if (lastKnownGood == null || !lkgDirty || state == State.LAST_KNOWN_GOOD) {
      return;
    }
    long now = clock.millis();
    if (!idle && now - lkgWrittenAt < 1000) {
      return; // busy: at most once a second; the idle poll writes the rest
    }
    try {
      lastKnownGood.write(appliedRevision, acceptedKvs.values());
      lkgDirty = false;
      lkgWrittenAt = now;
    } catch (RuntimeException e) {
      LOG.warn("dynconf: cannot write the last-known-good file {}: {}", lastKnownGood.path(), e.toString());
      lkgWrittenAt = now;
    }
  }

  private static List<ResourceType<?>> topologicalOrder(List<ResourceType<?>> types) {
    Map<String, ResourceType<?>> byName = new LinkedHashMap<>();
    for (ResourceType<?> t : types) {
      byName.put(t.name(), t);
    }
    List<ResourceType<?>> out = new ArrayList<>();
    Set<String> done = new HashSet<>();
    Set<String> visiting = new HashSet<>();
    for (ResourceType<?> t : types) {
      visit(t, byName, done, visiting, out);
    }
    return List.copyOf(out);
  }

  private static void visit(ResourceType<?> t, Map<String, ResourceType<?>> byName, Set<String> done, Set<String> visiting, List<ResourceType<?>> out) {
    if (done.contains(t.name())) {
      return;
    }
    if (!visiting.add(t.name())) {
      throw new IllegalArgumentException("resource types reference each other in a cycle through " + t.name());
    }
    for (String ref : t.referencedTypes()) {
      ResourceType<?> r = byName.get(ref);
      if (r != null) {
        visit(r, byName, done, visiting, out);
      }
    }
    visiting.remove(t.name());
    done.add(t.name());
    out.add(t);
  }

  /** A message from a watch (or a stop) to the apply thread. */
  private static final class Signal {
    static final Signal STOP = new Signal(-1, null, -1, null);

    final int generation;
    final @Nullable List<ChangeEvent> events;
    final long progress;
    final @Nullable String reset;

    private Signal(int generation, @Nullable List<ChangeEvent> events, long progress, @Nullable String reset) {
      this.generation = generation;
      this.events = events;
      this.progress = progress;
      this.reset = reset;
    }

    static Signal events(int generation, List<ChangeEvent> events) {
      return new Signal(generation, List.copyOf(events), -1, null);
    }

    static Signal progress(int generation, long revision) {
      return new Signal(generation, null, revision, null);
    }

    static Signal reset(int generation, String reason) {
      return new Signal(generation, null, -1, reason);
    }
  }

  /** The live view behind {@link #store(ResourceType)}. */
  private static final class LiveStore<T> implements ConfigStore<T> {
    private final ConfigRegistry registry;
    private final ResourceType<T> type;

    LiveStore(ConfigRegistry registry, ResourceType<T> type) {
      this.registry = registry;
      this.type = type;
    }

    private ConfigStore<T> now() {
      return registry.current.store(type);
    }

    @Override
    public ResourceType<T> type() {
      return type;
    }

    @Override
    public @Nullable T get(String id) {
      return now().get(id);
    }

    @Override
    public @Nullable ConfigItem<T> item(String id) {
      return now().item(id);
    }

    @Override
    public List<T> values() {
      return now().values();
    }

    @Override
    public List<ConfigItem<T>> items() {
      return now().items();
    }

    @Override
    public int size() {
      return now().size();
    }

    @Override
    public long version() {
      return now().version();
    }

    @Override
    public long revision() {
      return now().revision();
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
    private int maxBatch = 10_000;

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

    /** How many queued watch signals one applied batch may coalesce (default 10,000). */
    public Builder maxBatch(int maxBatch) {
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be positive, was " + maxBatch);
      }
      this.maxBatch = maxBatch;
      return this;
    }

    public ConfigRegistry build() {
      return new ConfigRegistry(this);
    }
  }
}
