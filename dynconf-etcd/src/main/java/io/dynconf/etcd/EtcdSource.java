package io.dynconf.etcd;

import io.dynconf.core.ResourceKey;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceConnection;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import io.dynconf.etcd.internal.CallerRuns;
import io.dynconf.etcd.internal.EtcdWatchLoop;
import io.dynconf.etcd.internal.RangeCompares;
import io.dynconf.etcd.internal.RateLimitedLog;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The etcd {@link ConfigSource}, over jetcd 0.8.7.
 *
 * <pre>{@code
 * EtcdSource etcd = EtcdSource.builder()
 *     .endpoints("http://10.0.0.1:2379", "http://10.0.0.2:2379")
 *     .prefix("/apisix")
 *     .build();
 * ConfigRegistry registry = ConfigRegistry.builder(etcd).build().start();
 * }</pre>
 *
 * <ul>
 *   <li>{@link #list()} reads the prefix page by page ({@code pageSize} keys per request, in etcd's key order) at the
 *       revision of the first page, so no response approaches gRPC's message cap and the listing
 *       is one consistent view.
 *   <li>{@link #watch} runs one etcd watch over the whole prefix and owns its reconnect loop: on any
 *       error or close it backs off (exponential, full jitter, capped, reset after a healthy
 *       stream) and resumes from the last revision it handed over + 1, dropping redelivered
 *       events. It asks for progress when the stream is idle for {@code progressInterval}; a
 *       stream silent for twice that is declared dead and rebuilt on a fresh connection. When
 *       events may have been lost for good (compaction past the resume revision, the revision
 *       going backwards, the cluster id changing) it calls {@link WatchListener#onReset}, and the
 *       registry relists and applies only the difference.
 *   <li>Every request has a deadline ({@code requestTimeout}); none blocks forever.
 * </ul>
 *
 * <p>Thread-safe. {@link #status()} reports the connection state, revisions, lag and errors.
 */
public final class EtcdSource implements ConfigSource {
  private final Builder options;
  private final String prefix;
  private final ByteSequence prefixBytes;
  private final ScheduledExecutorService scheduler;
  private final RateLimitedLog log;
  private final AtomicReference<Client> client = new AtomicReference<>();
  /** Replaced clients not yet closed (each is closed a second after its replacement, or at close()). */
  private final java.util.Set<Client> retiring = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final List<EtcdWatchLoop> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Supplier<Client> clientFactory;
  /** Range comparisons for {@link Txn.Unchanged}, rewritten by an interceptor on every client built here. */
  private final RangeCompares rangeCompares = new RangeCompares();
  private final java.util.Set<LeaseKeeper> leases = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The revision a watch ended at for compaction: the next {@link #list()} reads there, 0 when none. */
  private final AtomicLong compactedAt = new AtomicLong();
  private volatile long listedClusterId;
  private volatile boolean closed;
  private volatile long lastContactMillis; // 0: etcd never answered
  private volatile long lastRequestErrorMillis;
  private volatile @Nullable String lastRequestError;
  private volatile boolean lastRequestFailed;

  private EtcdSource(Builder b) {
    this.options = b;
    this.prefix = ResourceKey.normalizePrefix(b.prefix);
    this.prefixBytes = bytes(prefix + "/");
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dynconf-etcd-watch");
      t.setDaemon(true);
      return t;
    });
    this.log = new RateLimitedLog(LoggerFactory.getLogger(EtcdSource.class), b.logInterval.toMillis(), () -> System.nanoTime() / 1_000_000); // monotonic: a clock step neither mutes nor floods
    this.clientFactory = b.clientFactory.apply(this::newClient);
    this.client.set(clientFactory.get());
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String prefix() {
    return prefix;
  }

  /** The current jetcd client (replaced when a dead connection is detected). */
  public Client client() {
    return Objects.requireNonNull(client.get(), "set in the constructor");
  }

  /**
   * Every key under the prefix at one revision: normally the current one. After a watch ended
   * because etcd compacted the history it needed, the next listing reads the state at the
   * compaction revision instead (etcd keeps it readable), so that the watch the registry starts at
   * its revision + 1 replays every later revision etcd still holds, in order: a value that was valid
   * for a while and then replaced by an invalid one is seen, and kept as the last good value. Only
   * when that revision is gone too (compacted again, or etcd wiped) does it read the current state.
   */
  @Override
  public Listing list() {
    requireOpen();
    long at = compactedAt.getAndSet(0);
    if (at > 0) {
      try {
        return list(at);
      } catch (SourceException e) {
        if (!revisionGone(e)) {
          compactedAt.compareAndSet(0, at); // etcd unreachable: try that revision again next time
          throw e;
        }
        log.warn("dynconf: the compaction revision " + at + " of " + prefix + " is gone too (" + e.getMessage() + "); listing the current state");
      }
    }
    return list(0);
  }

  /** True when a read failed because the revision asked for is compacted or not yet written (etcd was wiped). */
  private static boolean revisionGone(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof io.etcd.jetcd.common.exception.CompactedException) {
        return true;
      }
      String m = c.getMessage();
      if (m != null && (m.contains("required revision has been compacted") || m.contains("required revision is a future revision"))) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** Lists at {@code atRevision}, or at the current revision when it is 0. */
  private Listing list(long atRevision) {
    return range(prefixBytes, atRevision, "list " + prefix + (atRevision > 0 ? " at revision " + atRevision : ""), true);
  }

  /**
   * The keys under {@code under} at one revision, one range read (paged): a bulk write reads the
   * directories its checks need instead of the whole prefix.
   */
  @Override
  public Listing list(String under) {
    requireOpen();
    if (!under.startsWith(prefix + "/")) {
      throw new IllegalArgumentException("\"" + under + "\" is outside the prefix \"" + prefix + "\"");
    }
    return range(bytes(under), 0, "list " + under, false);
  }

  /** At most this many reads in one transaction: etcd's default {@code --max-txn-ops}. */
  private static final int GETS_PER_TXN = 128;

  /**
   * Those of {@code keys} that exist, at one revision: read in transactions of at most 128 gets,
   * the first at the current revision, the others at that same revision.
   */
  @Override
  public Listing getAll(java.util.Collection<String> keys) {
    requireOpen();
    List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(keys));
    sorted.forEach(this::checkKey);
    List<KeyValue> out = new ArrayList<>();
    long revision = 0;
    for (int i = 0; i < sorted.size(); i += GETS_PER_TXN) {
      List<String> chunk = sorted.subList(i, Math.min(sorted.size(), i + GETS_PER_TXN));
      GetOption option = revision == 0 ? GetOption.DEFAULT : GetOption.builder().withRevision(revision).build();
      Op[] gets = new Op[chunk.size()];
      for (int j = 0; j < gets.length; j++) {
        gets[j] = Op.get(bytes(chunk.get(j)), option);
      }
      TxnResponse r = await(client().getKVClient().txn().Then(gets).commit(), () -> "get " + chunk.size() + " keys (" + chunk.get(0) + ", ...)");
      if (revision == 0) {
        revision = r.getHeader().getRevision();
      }
      for (GetResponse g : r.getGetResponses()) {
        for (io.etcd.jetcd.KeyValue kv : g.getKvs()) {
          out.add(convert(kv));
        }
      }
    }
    return new Listing(revision, out);
  }

  /** The keys from {@code start} to its prefix's range end, paged, at {@code atRevision} (0: now). */
  private Listing range(ByteSequence start, long atRevision, String what, boolean recordCluster) {
    List<KeyValue> out = new ArrayList<>();
    ByteSequence end = rangeEnd(start);
    ByteSequence from = start;
    long revision = atRevision;
    boolean first = true;
    while (true) {
      // No sort option: etcd returns a range in key order anyway, and with any sort order set it
      // ignores the limit (reads the whole rest of the range, sorts, truncates): quadratic paging.
      GetOption.Builder option = GetOption.builder().withRange(end).withLimit(options.pageSize);
      if (revision > 0) {
        option.withRevision(revision);
      }
      GetResponse page = await(client().getKVClient().get(from, option.build()), what);
      if (first) {
        first = false;
        if (revision == 0) {
          revision = page.getHeader().getRevision(); // a read at a given revision reports the current one here
        }
        if (recordCluster) {
          listedClusterId = page.getHeader().getClusterId();
        }
      }
      for (io.etcd.jetcd.KeyValue kv : page.getKvs()) {
        out.add(convert(kv));
      }
      if (!page.isMore() || page.getKvs().isEmpty()) {
        return new Listing(revision, out);
      }
      ByteSequence last = page.getKvs().get(page.getKvs().size() - 1).getKey();
      from = last.concat(ByteSequence.from(new byte[] {0})); // the next key after the last one read
    }
  }

  /** The cluster id seen by the last {@link #list()}; a watch that sees another one resets. */
  public long clusterId() {
    return listedClusterId;
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    requireOpen();
    EtcdWatchLoop loop = new EtcdWatchLoop(this::client, this::replaceClient, this::noteCompaction, prefixBytes, prefix, fromRevision,
        listedClusterId, listener, scheduler, options.backoffMin, options.backoffMax, options.progressInterval, options.clock, log);
    loops.add(loop);
    loop.start();
    return () -> {
      loop.close();
      loops.remove(loop);
    };
  }

  /**
   * The state of the newest watch. Before any watch runs (etcd down at start, say), the state is
   * {@code RECONNECTING} with the failing request's error while requests fail, {@code IDLE}
   * otherwise. The last error is the newest of the watch's and the requests'; the last contact is
   * when etcd last answered anything.
   */
  public EtcdStatus status() {
    List<EtcdWatchLoop> now = List.copyOf(loops); // a watch may end concurrently
    EtcdWatchLoop loop = now.isEmpty() ? null : now.get(now.size() - 1);
    String requestError = lastRequestError;
    long contact = lastContactMillis;
    if (closed) {
      return new EtcdStatus(EtcdStatus.State.CLOSED, 0, 0, Duration.ZERO, 0, requestError, instant(contact));
    }
    if (loop == null) {
      EtcdStatus.State state = lastRequestFailed ? EtcdStatus.State.RECONNECTING : EtcdStatus.State.IDLE;
      Duration since = contact == 0 ? Duration.ZERO : Duration.ofMillis(Math.max(0, options.clock.millis() - contact));
      return new EtcdStatus(state, 0, 0, since, 0, requestError, instant(contact));
    }
    EtcdStatus s = loop.status();
    if (s.state() == EtcdStatus.State.CONNECTED) {
      contact = Math.max(contact, loop.lastActivityMillis());
    }
    String error = s.lastError() == null || (requestError != null && lastRequestErrorMillis > loop.lastErrorMillis()) ? requestError : s.lastError();
    return new EtcdStatus(s.state(), s.appliedRevision(), s.etcdRevision(), s.sinceLastActivity(), s.reconnects(), error, instant(contact));
  }

  private static @Nullable Instant instant(long millis) {
    return millis == 0 ? null : Instant.ofEpochMilli(millis);
  }

  private void noteCompaction(long revision) {
    compactedAt.accumulateAndGet(revision, (held, r) -> held == 0 ? r : Math.min(held, r));
  }

  /**
   * For the registry's {@code health()}: connected while the newest watch is {@code CONNECTED}; its
   * last contact is the watch's last answer (events, progress). While reconnecting the contact
   * time is unknown here (the registry keeps the last one it saw).
   */
  @Override
  public SourceConnection connection() {
    EtcdStatus s = status();
    boolean connected = s.state() == EtcdStatus.State.CONNECTED;
    Instant contact = connected ? options.clock.instant().minus(s.sinceLastActivity()) : null;
    return new SourceConnection(connected, contact, options.progressInterval,
        s.state() + (s.lastError() == null ? "" : ", last error: " + s.lastError()));
  }

  @Override
  public @Nullable KeyValue get(String key) {
    requireOpen();
    GetResponse r = await(client().getKVClient().get(bytes(key)), () -> "get " + key);
    return r.getKvs().isEmpty() ? null : convert(r.getKvs().get(0));
  }

  @Override
  public TxnResult txn(Txn txn) {
    requireOpen();
    txn.compares().forEach(c -> checkKey(c.key()));
    txn.ops().forEach(o -> checkKey(o.key()));
    List<Cmp> cmps = new ArrayList<>();
    for (Txn.Compare c : txn.compares()) {
      cmps.add(new Cmp(bytes(c.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(c.modRevision())));
    }
    for (Txn.Unchanged u : txn.unchanged()) { // every key in the prefix's range: mod_revision < revision + 1
      checkKey(u.keyPrefix());
      cmps.add(rangeCompares.modRevisionBelow(bytes(u.keyPrefix()), u.revision() + 1)); // rewritten by the client's interceptor
    }
    List<Op> ops = new ArrayList<>();
    for (Txn.Op o : txn.ops()) {
      byte[] value = o.value();
      ops.add(value == null ? Op.delete(bytes(o.key()), DeleteOption.DEFAULT) : Op.put(bytes(o.key()), ByteSequence.from(value), PutOption.DEFAULT));
    }
    TxnResponse r = await(client().getKVClient().txn().If(cmps.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(), () -> "txn " + txn);
    return new TxnResult(r.isSucceeded(), r.getHeader().getRevision());
  }

  /**
   * Puts {@code key} on a lease of {@code ttl} kept alive until the returned handle is closed (then
   * the lease is revoked and the key deleted). If this process dies, etcd deletes the key when the
   * lease expires, and watchers see a delete. For nodes that register themselves.
   *
   * <p>Should the lease be lost while the handle is open (etcd not reached for longer than the TTL:
   * it expired the lease and deleted the key), the key is put again on a new lease as soon as etcd
   * answers, retried with the watch's backoff; the loss and every failed attempt are the status's
   * last error meanwhile.
   */
  public AutoCloseable putWithLease(String key, byte[] value, Duration ttl) {
    requireOpen();
    if (ttl.getSeconds() < 1) {
      throw new IllegalArgumentException("lease ttl must be at least 1 s, was " + ttl);
    }
    byte[] copy = value.clone();
    long lease = await(client().getLeaseClient().grant(ttl.getSeconds()), "lease grant for " + key).getID();
    await(client().getKVClient().put(bytes(key), ByteSequence.from(copy), PutOption.builder().withLeaseId(lease).build()), "put " + key);
    LeaseKeeper keeper = new LeaseKeeper(key, copy, ttl.getSeconds(), lease);
    leases.add(keeper);
    keeper.keepAliveOn(client());
    if (client.get() != keeper.on) {
      keeper.keepAliveOn(Objects.requireNonNull(client.get())); // the client was replaced meanwhile
    }
    return () -> {
      leases.remove(keeper);
      long current = keeper.close();
      try {
        client().getLeaseClient().revoke(current).get(options.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        log.warn("dynconf: cannot revoke the lease of " + key + ": " + e);
      }
    };
  }

  /** Records an error of a background task (a registration's lease) as the status's last error. */
  private void backgroundError(String message) {
    lastRequestError = message;
    lastRequestErrorMillis = options.clock.millis();
    log.warn("dynconf: " + message);
  }

  /**
   * Keeps one lease alive on the current client; when the watch replaces the client (a dead
   * connection), the keep-alive moves to the new one, since the old one is closed soon after.
   * When the keep-alive ends for good (jetcd ends it when etcd no longer knows the lease, or when no
   * answer came within the TTL), the key is put again on a new lease, retried with backoff until it
   * works or the handle is closed.
   */
  private final class LeaseKeeper {
    private final String key;
    private final byte[] value;
    private final long ttlSeconds;
    private long lease; // guarded by this
    private @Nullable CloseableClient keepAlive; // guarded by this
    private volatile @Nullable Client on;
    private boolean closed; // guarded by this
    private int generation; // of the keep-alive: callbacks of a replaced one are ignored; guarded by this
    private boolean renewing; // a new lease is being granted; guarded by this
    private long delayMillis = options.backoffMin.toMillis(); // guarded by this

    LeaseKeeper(String key, byte[] value, long ttlSeconds, long lease) {
      this.key = key;
      this.value = value;
      this.ttlSeconds = ttlSeconds;
      this.lease = lease;
    }

    synchronized void keepAliveOn(Client c) {
      if (closed || c == on) {
        return;
      }
      startKeepAlive(c);
    }

    private void startKeepAlive(Client c) { // under this
      int gen = ++generation;
      long id = lease;
      CloseableClient old = keepAlive;
      keepAlive = c.getLeaseClient().keepAlive(id, new StreamObserver<>() {
        @Override
        public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse response) {
          answered(gen);
        }

        @Override
        public void onError(Throwable t) {
          if (leaseNotFound(t)) { // jetcd has dropped this keep-alive
            lost(gen, "etcd no longer holds the lease " + Long.toHexString(id) + " (it expired while etcd was not reached): " + describe(t));
          } else { // a broken stream: jetcd restarts it and keeps this keep-alive
            log.warn("dynconf: keep-alive of the lease of " + key + " failed: " + describe(t));
          }
        }

        @Override
        public void onCompleted() { // jetcd's deadline: no answer within the TTL, the keep-alive is dropped
          lost(gen, "no keep-alive of the lease " + Long.toHexString(id) + " was answered within its TTL of " + ttlSeconds + " s");
        }
      });
      on = c;
      if (old != null) {
        old.close();
      }
    }

    private synchronized void answered(int gen) {
      if (gen == generation && !renewing) {
        delayMillis = options.backoffMin.toMillis();
      }
    }

    private synchronized void lost(int gen, String why) {
      if (closed || gen != generation || renewing) {
        return;
      }
      renewing = true;
      backgroundError("the registration " + key + " lost its lease: " + why + "; putting it again on a new lease");
      scheduleRenew();
    }

    private void scheduleRenew() { // under this
      long wait = java.util.concurrent.ThreadLocalRandom.current().nextLong(delayMillis + 1); // full jitter
      delayMillis = Math.min(options.backoffMax.toMillis(), Math.max(1, delayMillis) * 2);
      try {
        scheduler.schedule(this::renew, wait, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        renewing = false; // the source is closing
      }
    }

    /** On the watch's scheduler: grants a new lease and puts the key on it; nothing here blocks. */
    private void renew() {
      try {
        Client c = client();
        long timeout = options.requestTimeout.toMillis();
        c.getLeaseClient().grant(ttlSeconds).orTimeout(timeout, TimeUnit.MILLISECONDS)
            .thenCompose(g -> c.getKVClient().put(bytes(key), ByteSequence.from(value), PutOption.builder().withLeaseId(g.getID()).build())
                .orTimeout(timeout, TimeUnit.MILLISECONDS)
                .handle((put, e) -> {
                  if (e != null) {
                    c.getLeaseClient().revoke(g.getID()); // not to leave a key-less lease behind; it expires anyway
                    throw new java.util.concurrent.CompletionException(e);
                  }
                  return g.getID();
                }))
            .whenComplete(this::renewed);
      } catch (RuntimeException e) { // the client is closed (a replacement under way), say
        renewed(null, e);
      }
    }

    private synchronized void renewed(@Nullable Long id, @Nullable Throwable e) {
      if (closed) {
        if (id != null) {
          try {
            client().getLeaseClient().revoke(id); // closed meanwhile: the new lease goes too
          } catch (RuntimeException gone) { // the source is closed too: the lease expires after its TTL
            log.warn("dynconf: cannot revoke the new lease of " + key + " (it expires after " + ttlSeconds + " s): " + describe(gone));
          }
        }
        return;
      }
      if (id == null) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        backgroundError("cannot put the registration " + key + " again on a new lease: "
            + (cause == null ? "no lease granted" : cause instanceof TimeoutException ? "timed out after " + options.requestTimeout : describe(cause))
            + "; retrying");
        scheduleRenew();
        return;
      }
      lease = id;
      renewing = false;
      log.warn("dynconf: the registration " + key + " is back, on the lease " + Long.toHexString(id));
      startKeepAlive(client());
    }

    /** Ends the keep-alive; returns the lease to revoke. */
    synchronized long close() {
      closed = true;
      CloseableClient k = keepAlive;
      if (k != null) {
        k.close();
      }
      return lease;
    }
  }

  /** True when etcd answered that the lease is unknown (expired or revoked). */
  private static boolean leaseNotFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains("requested lease not found")) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  @Override
  public void close() {
    closed = true;
    for (EtcdWatchLoop loop : loops) {
      loop.close();
    }
    loops.clear();
    scheduler.shutdownNow(); // drops the delayed closes of replaced clients: they are closed here
    synchronized (client) { // no replacement is under way: it takes this monitor and sees closed
      List.copyOf(retiring).forEach(this::retire);
      Objects.requireNonNull(client.get()).close();
    }
  }

  @Override
  public String toString() {
    return "EtcdSource[" + options.endpoints + " " + prefix + "]";
  }

  /** Closes a replaced client once; a failure is logged, not left in a future nobody reads. */
  private void retire(Client dead) {
    if (retiring.remove(dead)) {
      try {
        dead.close();
      } catch (RuntimeException e) {
        log.warn("dynconf: closing a replaced etcd client failed: " + describe(e));
      }
    }
  }

  /** Swaps in a fresh client (a new connection), closing the old one; returns the new one. */
  private Client replaceClient(Client dead) {
    synchronized (client) {
      if (client.get() != dead || closed) {
        return Objects.requireNonNull(client.get());
      }
      Client fresh = clientFactory.get(); // may throw (a TLS file mid-rotation): the watch loop retries
      client.set(fresh);
      for (LeaseKeeper l : leases) {
        try {
          l.keepAliveOn(fresh);
        } catch (RuntimeException e) {
          log.warn("dynconf: cannot move the keep-alive of the lease of " + l.key + " to the new client: " + e);
        }
      }
      retiring.add(dead); // closed in a second (calls on it may still be finishing), or by close() if that comes first
      scheduler.schedule(() -> retire(dead), 1, TimeUnit.SECONDS);
      return fresh;
    }
  }

  private Client newClient() {
    if (closed) {
      throw new IllegalStateException("the etcd source is closed");
    }
    ClientBuilder b = Client.builder()
        .endpoints(options.endpoints.toArray(URI[]::new))
        .connectTimeout(options.connectTimeout)
        .keepaliveTime(options.progressInterval)
        .keepaliveTimeout(options.progressInterval)
        .keepaliveWithoutCalls(true)
        .retryMaxDuration(options.requestTimeout)
        .executorService(new CallerRuns()) // calls start on the caller's thread: no hand-off, no unbounded pool
        .waitForReady(false)
        .maxInboundMessageSize(options.maxMessageBytes)
        .interceptor(rangeCompares);
    if (options.user != null) {
      b.user(bytes(options.user)).password(bytes(Objects.requireNonNull(options.password)));
    }
    if (options.caFile != null) {
      try {
        b.sslContext(ssl -> {
          ssl.trustManager(Objects.requireNonNull(options.caFile).toFile());
          if (options.certFile != null) {
            ssl.keyManager(options.certFile.toFile(), Objects.requireNonNull(options.keyFile).toFile());
          }
        });
      } catch (javax.net.ssl.SSLException | RuntimeException e) {
        // Also at a replacement, when a file may be mid-rotation: the watch loop retries with backoff.
        throw new IllegalArgumentException("cannot set up TLS for etcd from the CA file " + options.caFile
            + (options.certFile != null ? " and the client certificate " + options.certFile : "") + ": " + describe(e), e);
      }
      if (options.authority != null) {
        b.authority(options.authority);
      }
    }
    return b.build();
  }

  private <T> T await(CompletableFuture<T> future, String what) {
    return await(future, () -> what);
  }

  /** {@code what} names the call in an error only: built then, not for every call (a txn's text is long). */
  private <T> T await(CompletableFuture<T> future, java.util.function.Supplier<String> what) {
    try {
      T answer = future.get(options.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
      lastContactMillis = options.clock.millis();
      lastRequestFailed = false;
      return answer;
    } catch (TimeoutException e) {
      future.cancel(true);
      throw requestFailed(new SourceException("etcd " + options.endpoints + ": " + what.get() + " timed out after " + options.requestTimeout));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (answered(cause)) {
        lastContactMillis = options.clock.millis(); // etcd answered, with a refusal
      }
      throw requestFailed(new SourceException("etcd " + options.endpoints + ": " + what.get() + " failed: " + describe(cause), cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceException("interrupted during etcd " + what.get(), e);
    }
  }

  private SourceException requestFailed(SourceException e) {
    lastRequestError = e.getMessage();
    lastRequestErrorMillis = options.clock.millis();
    lastRequestFailed = true;
    return e;
  }

  /** True when the failure is etcd's own answer (a refused request), not a missing connection. */
  private static boolean answered(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof io.etcd.jetcd.common.exception.CompactedException) {
        return true;
      }
      if (c instanceof io.grpc.StatusRuntimeException || c instanceof io.grpc.StatusException) {
        io.grpc.Status.Code code = io.grpc.Status.fromThrowable(c).getCode();
        return code != io.grpc.Status.Code.UNAVAILABLE && code != io.grpc.Status.Code.DEADLINE_EXCEEDED
            && code != io.grpc.Status.Code.CANCELLED && code != io.grpc.Status.Code.UNKNOWN;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  private void checkKey(String key) {
    if (!key.startsWith(prefix) || key.length() <= prefix.length() + 1 || key.charAt(prefix.length()) != '/') {
      throw new IllegalArgumentException("key \"" + key + "\" is outside the prefix \"" + prefix + "\"");
    }
  }

  /** For tests: every live watch re-watches from {@code n} revisions back, as jetcd may after a reconnect. */
  void redeliverForTest(int n) {
    loops.forEach(l -> l.rewatchFrom(n));
  }

  /** For tests: every live watch ends with {@code onReset}, as when its position is lost. */
  void resetForTest(String reason) {
    loops.forEach(l -> l.resetNow(reason));
  }

  /**
   * The messages down a cause chain, without repeats: jetcd's own message is often only a status
   * code ({@code UNAUTHENTICATED}) while etcd's reason sits in a cause.
   */
  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Throwable c = t; c != null && seen.size() < 5; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && !m.isBlank() && seen.add(m) && (sb.length() == 0 || !sb.toString().contains(m))) {
        sb.append(sb.length() == 0 ? "" : ": ").append(m);
      }
    }
    return sb.length() == 0 ? t.getClass().getSimpleName() : sb.toString();
  }

  private void requireOpen() {
    if (closed) {
      throw new SourceException("the etcd source is closed");
    }
  }

  static KeyValue convert(io.etcd.jetcd.KeyValue kv) {
    return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** The end of the range of keys that start with {@code prefix}: the prefix with its last byte + 1. */
  static ByteSequence rangeEnd(ByteSequence prefix) {
    byte[] end = prefix.getBytes();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteSequence.from(java.util.Arrays.copyOf(end, i + 1));
      }
    }
    return ByteSequence.from(new byte[] {0});
  }

  /** Options, validated as they are set; {@link #build()} creates the source (it connects lazily). */
  public static final class Builder {
    private List<URI> endpoints = List.of();
    private String prefix = "/apisix";
    private @Nullable String user;
    private @Nullable String password;
    private @Nullable Path caFile;
    private @Nullable Path certFile;
    private @Nullable Path keyFile;
    private @Nullable String authority;
    private Duration connectTimeout = Duration.ofSeconds(3);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private int pageSize = 5_000;
    private int maxMessageBytes = 64 * 1024 * 1024;
    private Duration backoffMin = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(10);
    private Duration progressInterval = Duration.ofSeconds(5);
    private Duration logInterval = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private UnaryOperator<Supplier<Client>> clientFactory = real -> real;

    private Builder() {}

    /**
     * Test seam: wraps the factory that builds each jetcd client (the first one and every
     * replacement), for example to make it fail a few times.
     */
    Builder clientFactory(UnaryOperator<Supplier<Client>> wrap) {
      this.clientFactory = Objects.requireNonNull(wrap, "wrap");
      return this;
    }

    /** etcd endpoints, for example {@code http://127.0.0.1:2379} (https with TLS). */
    public Builder endpoints(String... endpoints) {
      List<URI> list = new ArrayList<>();
      for (String e : endpoints) {
        for (String part : e.split(",")) {
          if (!part.isBlank()) {
            try {
              list.add(new URI(part.trim()));
            } catch (java.net.URISyntaxException bad) {
              throw new IllegalArgumentException("etcd endpoint \"" + part.trim() + "\" must look like http://host:port or https://host:port", bad);
            }
          }
        }
      }
      return endpoints(list);
    }

    public Builder endpoints(List<URI> endpoints) {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one etcd endpoint is required");
      }
      for (URI u : endpoints) {
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 1) {
          throw new IllegalArgumentException("etcd endpoint \"" + u + "\" must look like http://host:port or https://host:port");
        }
      }
      this.endpoints = List.copyOf(endpoints);
      return this;
    }

    /** The key prefix (default {@code /apisix}). */
    public Builder prefix(String prefix) {
      this.prefix = ResourceKey.normalizePrefix(prefix);
      return this;
    }

    /** etcd user and password (auth enabled); tokens are renewed by the client. */
    public Builder auth(String user, String password) {
      if (user.isEmpty()) {
        throw new IllegalArgumentException("etcd user must not be empty");
      }
      this.user = user;
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** TLS: the CA that signed etcd's certificate, and optionally a client certificate and key (PEM, key in PKCS#8). */
    public Builder tls(Path caFile, @Nullable Path certFile, @Nullable Path keyFile) {
      requireFile(caFile, "CA certificate");
      if ((certFile == null) != (keyFile == null)) {
        throw new IllegalArgumentException("a client certificate needs its key and a key needs its certificate");
      }
      if (certFile != null) {
        requireFile(certFile, "client certificate");
        requireFile(keyFile, "client key");
      }
      this.caFile = caFile;
      this.certFile = certFile;
      this.keyFile = keyFile;
      return this;
    }

    /** The TLS authority (server name) to verify, when it differs from the endpoints' host. */
    public Builder authority(String authority) {
      this.authority = Objects.requireNonNull(authority, "authority");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** The deadline of every request (default 5 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Keys per range request of a listing (default 5,000: etcd 3.4 walks the rest of the range on
     * every page, so fewer, larger pages are much faster; 5,000 values of 10 KiB are 50 MB, under
     * the client's 64 MiB message limit).
     */
    public Builder pageSize(int pageSize) {
      if (pageSize < 1 || pageSize > 100_000) {
        throw new IllegalArgumentException("pageSize must be 1..100000, was " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /** Reconnect backoff: exponential from min to max with full jitter (defaults 100 ms, 10 s). */
    public Builder backoff(Duration min, Duration max) {
      positive(min, "backoff min");
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("backoff max " + max + " is below min " + min);
      }
      this.backoffMin = min;
      this.backoffMax = max;
      return this;
    }

    /** Idle time after which progress is requested; twice it without an answer means a dead stream (default 5 s). */
    public Builder progressInterval(Duration interval) {
      this.progressInterval = positive(interval, "progressInterval");
      return this;
    }

    /** The same error is logged at most once per interval (default 30 s). */
    public Builder logInterval(Duration interval) {
      this.logInterval = positive(interval, "logInterval");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public EtcdSource build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("set the etcd endpoints, e.g. endpoints(\"http://127.0.0.1:2379\")");
      }
      boolean https = endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()));
      if (https && caFile == null) {
        throw new IllegalStateException("https endpoints need tls(caFile, ...)");
      }
      return new EtcdSource(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }

    private static void requireFile(@Nullable Path p, String what) {
      if (p == null || !Files.isReadable(p)) {
        throw new IllegalArgumentException(what + " file " + p + " is not readable");
      }
    }
  }
}
