package io.dynconf.core;

import io.dynconf.core.ConfigRegistry.State;
import io.dynconf.core.Validator.Checked;
import io.dynconf.core.internal.LastKnownGood;
import io.dynconf.core.internal.StoreState;
import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's apply thread and everything confined to it: lists and watches the source, applies
 * the validated, coalesced events of the {@link EventQueue} in revision order (rejections, the
 * last-good rule, deletes), has the {@link Resolver} decide what is served, publishes each snapshot
 * with one volatile write and hands the update to the {@link Notifier}; writes the last-known-good
 * file. Supervised: a failing source is retried with capped, jittered backoff; anything thrown while
 * applying is answered by a resync after a backoff, and after {@value ConfigRegistry#FAIL_AFTER}
 * failures in a row the state is {@link State#FAILED} while the loop keeps trying.
 *
 * <p>Its volatile views ({@link #current()}, {@link #state()}, ...) are what the registry's public
 * reads return; its maps are touched by the apply thread alone.
 */
final class ApplyLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigRegistry.class); // operators know the registry's logger

  private final ConfigSource source;
  private final String prefix;
  private final @Nullable LastKnownGood lastKnownGood;
  private final Clock clock;
  private final Duration backoffMin;
  private final Duration backoffMax;
  private final Validator validator;
  private final EventQueue events;
  private final Notifier notifier;
  private final ServedWaiters served;
  private final HealthTracker health;
  private final Resolver resolver;

  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread applyThread;
  private final Object stateLock = new Object();
  private volatile ConfigSnapshot current;
  private volatile State state = State.STARTING; // written under stateLock
  private volatile @Nullable String lastError;
  private volatile @Nullable String lkgError; // the last failure to write the last-known-good file, until one succeeds
  private volatile long appliedRevisionView;
  /** Why the last-known-good file could not stand in at the start, until a listing works; apply thread only. */
  private @Nullable String lkgUnusable;
  private volatile int relists;
  private volatile HealthTracker.@Nullable Busy applying; // a drain being applied, null between drains

  // ---- confined to the apply thread ----
  private final Map<String, Map<String, ConfigItem<?>>> accepted = new HashMap<>(); // type -> id -> item
  // key -> the accepted value as stored; written by the apply thread, read by others (acceptedValue)
  private final Map<String, KeyValue> acceptedKvs = new java.util.concurrent.ConcurrentHashMap<>();
  // what acceptedKvs changed since the last last-known-good write was handed over (null: removed):
  // the next write appends it to the file's journal instead of writing every value again
  private Map<String, @Nullable KeyValue> lkgDelta = new HashMap<>();
  private volatile boolean lkgFullNeeded = true; // the first write, and the one after a failure, write every value
  private final Map<String, Long> seen = new HashMap<>(); // key -> mod revision of the last event (valid or not)
  private final Map<String, Rejection> rejections = new HashMap<>();
  private long appliedRevision;
  private @Nullable Watch watch;
  private boolean loaded;
  private boolean servingLastKnownGood;
  private volatile boolean lkgDirty; // set by the apply thread on each change, and by a failed write
  private long lkgWrittenAt;
  private volatile long lkgTookNanos; // how long the last write took: the next waits ten times as long
  private volatile long lkgDoneNanos;
  private volatile boolean lkgBusy; // a write is running on lkgWriter
  /**
   * Writes the last-known-good file off the apply thread (at 100,000 routes a write takes ~0.5 s,
   * which changes arriving meanwhile would wait for): one thread, one write at a time (the apply
   * thread submits only when none runs, so the queue of one never fills).
   */
  private final ThreadPoolExecutor lkgWriter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
      new ArrayBlockingQueue<>(1), r -> {
        Thread t = new Thread(r, "dynconf-lkg");
        t.setDaemon(true);
        return t;
      });

  ApplyLoop(ConfigSource source, String prefix, List<ResourceType<?>> applyOrder, @Nullable LastKnownGood lastKnownGood, Clock clock,
      Duration backoffMin, Duration backoffMax, Validator validator, EventQueue events, Notifier notifier, ServedWaiters served, HealthTracker health) {
    this.source = source;
    this.prefix = prefix;
    this.lastKnownGood = lastKnownGood;
    this.clock = clock;
    this.backoffMin = backoffMin;
    this.backoffMax = backoffMax;
    this.validator = validator;
    this.events = events;
    this.notifier = notifier;
    this.served = served;
    this.health = health;
    Map<String, StoreState<?>> empty = new HashMap<>();
    for (ResourceType<?> t : applyOrder) {
      empty.put(t.name(), StoreState.empty(t));
      accepted.put(t.name(), new HashMap<>());
    }
    this.resolver = new Resolver(prefix, applyOrder, accepted);
    this.current = new ConfigSnapshot(0, 0, empty, Map.of(), Map.of(), false, clock.instant());
    this.applyThread = new Thread(this::supervise, "dynconf-apply");
    this.applyThread.setDaemon(true);
  }

  void start() {
    applyThread.start();
  }

  ConfigSnapshot current() {
    return current;
  }

  State state() {
    return state;
  }

  /** The loop's last error, or else the last failure to write the last-known-good file; null when neither. */
  @Nullable String lastError() {
    String error = lastError;
    return error != null ? error : lkgError;
  }

  /** The loop's own last error (what health reports). */
  @Nullable String loopError() {
    return lastError;
  }

  /** The drain being applied and since when, or null. */
  HealthTracker.@Nullable Busy applying() {
    return applying;
  }

  long appliedRevision() {
    return appliedRevisionView;
  }

  int relists() {
    return relists;
  }

  boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean isReady() {
    return ready.getCount() == 0;
  }

  /** Sizes of the apply thread's maps and of the queue, into {@code out}. */
  void internalSizes(Map<String, Integer> out) {
    accepted.forEach((type, items) -> out.put("accepted." + type, items.size()));
    out.put("acceptedKvs", acceptedKvs.size());
    out.put("seen", seen.size());
    out.put("rejections", rejections.size());
    out.put("pending", resolver.pending().size());
    out.put("pendingIds", resolver.pendingIdCount());
    out.put("queuedKeys", events.size());
  }

  /** Stops the watch and the apply thread (waiting up to 10 s for it); {@code started}: whether it ran. */
  void close(boolean started) {
    enter(State.CLOSED);
    events.stop();
    lkgWriter.shutdown(); // a write in progress finishes (its file is replaced atomically); none starts
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
        applying = new HealthTracker.Busy("applying the changes up to revision " + d.newestRevision(), System.nanoTime());
        try {
          process(d);
        } finally {
          applying = null;
        }
        failures = 0;
        delay = backoffMin.toMillis();
        writeLastKnownGood(false);
      } catch (InterruptedException e) {
        if (strayInterrupt()) {
          resync = true; // it may have cut a relist short (its watch closed): list and watch again
          continue;
        }
        return;
      } catch (Throwable e) { // a bug in user code, a relist that throws, out of memory: resync after a backoff
        failures++;
        resync = true;
        seen.replaceAll((k, v) -> -1L); // a batch may have stopped half-applied: the relist re-applies every key
        lastError = "applying failed (" + failures + " in a row; resyncing): " + e;
        LOG.error("dynconf: {}", lastError, e);
        if (failures >= ConfigRegistry.FAIL_AFTER) {
          enter(State.FAILED);
        } else if (loaded) {
          enter(State.RECOVERING);
        }
        try {
          delay = sleepBackoff(delay);
        } catch (InterruptedException ie) {
          if (!strayInterrupt()) {
            return;
          }
        }
      }
    }
  }

  /**
   * The apply thread was interrupted while waiting. close() stops it through the queue, never by an
   * interrupt, and nobody else owns the thread: an interrupt while open is stray (a source's client
   * that restores the flag, say). It is reported and ignored (true: go on; the waits it cut short
   * hold no state, and the loop resyncs, should the wait have been a relist's backoff). An interrupt
   * after close() ends the loop (false).
   */
  private boolean strayInterrupt() {
    if (events.stopped() || state == State.CLOSED) {
      enter(State.CLOSED);
      return false;
    }
    Thread.interrupted(); // clear it, should it have been set again
    lastError = "the apply thread was interrupted, not by close() (reported and ignored; close() stops it)";
    LOG.error("dynconf: {}", lastError, new InterruptedException("stray interrupt of " + Thread.currentThread().getName()));
    return true;
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
    served.signal(); // a revision applied without a snapshot of its own is served now
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
        lkgUnusable = null;
        ready.countDown();
        return;
      } catch (RuntimeException e) {
        lastError = "cannot list " + prefix + ": " + e.getMessage() + (lkgUnusable == null ? "" : "; " + lkgUnusable);
        LOG.warn("dynconf: {} (retrying)", lastError);
        if (!triedLastKnownGood) {
          triedLastKnownGood = true;
          Optional<Listing> saved = Objects.requireNonNull(lastKnownGood, "checked by triedLastKnownGood").read();
          lkgUnusable = lastKnownGood.readError(); // said with every failed listing until one works: why nothing serves
          if (lkgUnusable != null) {
            lastError = lastError + "; " + lkgUnusable;
          }
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
    @Nullable Map<String, KeyValue> saved = null; // the last-known-good file, read at the first rejection only
    List<KeyValue> changed = new ArrayList<>();
    Set<String> listed = new HashSet<>();
    for (KeyValue kv : listing.kvs()) {
      listed.add(kv.key());
      Long held = seen.get(kv.key());
      KeyValue had = acceptedKvs.get(kv.key());
      // the same mod revision is not proof of the same value: after a wipe etcd counts from 1 again
      boolean same = held != null && held == kv.modRevision()
          && (had == null || (had.createRevision() == kv.createRevision() && java.util.Arrays.equals(had.valueUnsafe(), kv.valueUnsafe())));
      if (!same) {
        changed.add(kv);
      }
    }
    List<@Nullable Checked> checks = checkAll(changed);
    List<Checked> diff = new ArrayList<>();
    for (int i = 0; i < changed.size(); i++) {
      KeyValue kv = changed.get(i);
      Checked c = checks.get(i);
      if (c == null) {
        continue;
      }
      if (c.isRejected() && initial && lastKnownGood != null) {
        if (saved == null) {
          saved = savedValues();
        }
        KeyValue good = saved.get(kv.key());
        if (good != null && good.createRevision() == kv.createRevision() && good.modRevision() < kv.modRevision()) {
          Checked fallback = validator.check(ChangeEvent.put(good));
          if (fallback != null && fallback.item() != null) {
            LOG.warn("dynconf: {} holds an invalid value; serving its last-known-good value of revision {}", kv.key(), good.modRevision());
            diff.add(fallback);
          }
        }
      }
      diff.add(c);
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
      publish(new Resolver.Resolution(current.states(), Map.of(), false), current.revision()); // only the flag moves
    }
  }

  /** Below this many values a listing is checked on this thread alone. */
  private static final int PARALLEL_CHECK_MIN = 2_048;

  /**
   * Decodes and validates {@code kvs} (the validator is thread-safe: the watch checks events on its
   * own thread too), in order of the list. A large listing (a start or a relist at 100,000 routes:
   * seconds on one core) is checked in slices on the common fork-join pool as well as this thread.
   */
  private List<@Nullable Checked> checkAll(List<KeyValue> kvs) {
    int n = kvs.size();
    @Nullable Checked[] out = new Checked[n];
    if (n < PARALLEL_CHECK_MIN || Runtime.getRuntime().availableProcessors() < 2) {
      for (int i = 0; i < n; i++) {
        out[i] = validator.check(ChangeEvent.put(kvs.get(i)));
      }
    } else {
      java.util.stream.IntStream.range(0, n).parallel().forEach(i -> out[i] = validator.check(ChangeEvent.put(kvs.get(i))));
    }
    return java.util.Arrays.asList(out);
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
        forgetAccepted(k);
        recordsChanged |= rejections.remove(k) != null;
        if (items.remove(key.id()) != null || resolver.pending().containsKey(k)) {
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
        journal(k, kv);
        recordsChanged |= rejections.remove(k) != null;
        changed.computeIfAbsent(type.name(), t -> new HashSet<>()).add(key.id());
      } else {
        reject(kv, Objects.requireNonNullElse(c.field(), ""), Objects.requireNonNullElse(c.reason(), "rejected"));
        recordsChanged = true;
        dropIfRecreated(type, key, kv, items, changed);
      }
    }
    appliedRevision = revision;
    Resolver.Resolution served = resolver.resolve(current.states(), changed, revision);
    if (!served.changes().isEmpty() || recordsChanged || served.pendingChanged()) {
      publish(served, revision);
    }
    appliedRevisionView = revision; // after the publication: "applied" means "visible"
    this.served.signal();
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
      forgetAccepted(kv.key());
      changed.computeIfAbsent(type.name(), k -> new HashSet<>()).add(key.id());
    }
  }

  /** The accepted value at {@code key} as stored, or null; any thread. */
  @Nullable KeyValue acceptedValue(String key) {
    return acceptedKvs.get(key);
  }

  private void forgetAccepted(String key) {
    if (acceptedKvs.remove(key) != null) {
      journal(key, null);
    }
  }

  /**
   * Records a change for the next last-known-good append: only when there is a file, and not while
   * the next write is a whole one anyway (the start, after a failure), so the delta stays small.
   * Only this thread sets lkgFullNeeded to false (with the delta emptied), so a change skipped here
   * is always in the whole write that follows.
   */
  private void journal(String key, @Nullable KeyValue kv) {
    if (lastKnownGood != null && !lkgFullNeeded) {
      lkgDelta.put(key, kv);
    }
  }

  private void reject(KeyValue kv, String field, String reason) {
    Rejection r = new Rejection(kv.key(), kv.modRevision(), field, reason, clock.instant());
    rejections.put(kv.key(), r);
    LOG.warn("dynconf: rejected {}", r.message());
  }

  /** Publishes the next snapshot with one volatile write, then hands the update to the listeners. */
  private void publish(Resolver.Resolution r, long revision) {
    ConfigSnapshot previous = current;
    ConfigSnapshot next = new ConfigSnapshot(
        revision,
        previous.version() + (r.changes().isEmpty() ? 0 : 1),
        r.states(),
        rejections,
        resolver.pending(),
        servingLastKnownGood,
        clock.instant());
    current = next;
    appliedRevisionView = revision; // visible before any listener hears of it (a listener may read the status)
    lkgDirty = true;
    notifier.publish(new ConfigUpdate(previous, next, r.changes()));
  }

  /**
   * Starts a write of the last-known-good file when it is behind and none is running. It is a whole
   * copy of what is accepted, written on {@code dynconf-lkg} from a copy of the list taken here, so
   * writes are spaced by ten times what the last one took, and by at least a second while changes
   * arrive or writing fails: the file costs at most a tenth of a core and lags by a few seconds at
   * most (it is read only when a restart finds the source unreachable).
   */
  private void writeLastKnownGood(boolean idle) {
    LastKnownGood file = lastKnownGood;
    if (file == null || !lkgDirty || lkgBusy || state == State.LAST_KNOWN_GOOD) {
      return;
    }
    long now = clock.millis();
    if ((!idle || lkgError != null) && now - lkgWrittenAt < 1000) {
      return; // busy or failing: at most once a second; the idle poll writes the rest
    }
    if (System.nanoTime() - lkgDoneNanos < 10 * lkgTookNanos) {
      return;
    }
    // the writer's fields were last written before lkgBusy went false (volatile): visible here
    boolean full = lkgFullNeeded || !file.canAppend() || file.journalBytes() > Math.max(file.fileBytes(), JOURNAL_MIN_BYTES);
    long revision = appliedRevision;
    @Nullable List<KeyValue> kvs = full ? new ArrayList<>(acceptedKvs.values()) : null;
    Map<String, @Nullable KeyValue> delta = lkgDelta;
    lkgDelta = new HashMap<>();
    lkgFullNeeded = false;
    lkgDirty = false;
    lkgBusy = true;
    lkgWrittenAt = now;
    try {
      lkgWriter.execute(() -> writeLastKnownGood(file, revision, kvs, delta));
    } catch (java.util.concurrent.RejectedExecutionException e) { // closed meanwhile
      lkgBusy = false;
      lkgDirty = true;
      lkgFullNeeded = true;
    }
  }

  /** The journal is rewritten into the file once it outgrows the file, or this, whichever is larger. */
  private static final long JOURNAL_MIN_BYTES = 64 * 1024;

  /**
   * On {@code dynconf-lkg}: one write, every value ({@code kvs}) or the changes since the last
   * ({@code delta}, appended to the journal: a change costs what it changed); a failure is reported
   * in the status and retried as a full write.
   */
  private void writeLastKnownGood(LastKnownGood file, long revision, @Nullable List<KeyValue> kvs, Map<String, @Nullable KeyValue> delta) {
    long started = System.nanoTime();
    try {
      if (kvs != null) {
        file.write(revision, kvs);
      } else {
        file.append(revision, delta);
      }
      lkgError = null;
    } catch (RuntimeException | Error e) {
      lkgFullNeeded = true; // a failed append may have left a torn line: the next write starts afresh
      lkgDirty = true;
      lkgError = "cannot write the last-known-good file " + file.path() + ": " + e;
      LOG.warn("dynconf: {} (retrying at most once a second)", lkgError);
      if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
        throw (VirtualMachineError) e; // the pool replaces its thread; the next write retries
      }
    } finally {
      lkgDoneNanos = System.nanoTime();
      lkgTookNanos = lkgDoneNanos - started;
      lkgBusy = false;
    }
  }

}
