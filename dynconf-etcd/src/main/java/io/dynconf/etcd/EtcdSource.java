package io.dynconf.etcd;

import io.dynconf.core.ResourceKey;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceException;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import io.dynconf.etcd.internal.EtcdWatchLoop;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
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
  private final List<EtcdWatchLoop> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile long listedClusterId;
  private volatile boolean closed;

  private EtcdSource(Builder b) {
    this.options = b;
    this.prefix = ResourceKey.normalizePrefix(b.prefix);
    this.prefixBytes = bytes(prefix + "/");
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dynconf-etcd-watch");
      t.setDaemon(true);
      return t;
    });
    this.log = new RateLimitedLog(LoggerFactory.getLogger(EtcdSource.class), b.logInterval.toMillis(), b.clock::millis);
    this.client.set(newClient());
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
    return client.get();
  }

  @Override
  public Listing list() {
    requireOpen();
    List<KeyValue> out = new ArrayList<>();
    ByteSequence end = rangeEnd(prefixBytes);
    ByteSequence from = prefixBytes;
    long revision = 0;
    while (true) {
      // No sort option: etcd returns a range in key order anyway, and with any sort order set it
      // ignores the limit (reads the whole rest of the range, sorts, truncates): quadratic paging.
      GetOption.Builder option = GetOption.builder().withRange(end).withLimit(options.pageSize);
      if (revision > 0) {
        option.withRevision(revision);
      }
      GetResponse page = await(client().getKVClient().get(from, option.build()), "list " + prefix);
      if (revision == 0) {
        revision = page.getHeader().getRevision();
        listedClusterId = page.getHeader().getClusterId();
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
    EtcdWatchLoop loop = new EtcdWatchLoop(this::client, this::replaceClient, prefixBytes, prefix, fromRevision, listedClusterId,
        listener, scheduler, options.backoffMin, options.backoffMax, options.progressInterval, options.clock, log);
    loops.add(loop);
    loop.start();
    return () -> {
      loop.close();
      loops.remove(loop);
    };
  }

  /** The state of the newest watch (or IDLE when none runs). */
  public EtcdStatus status() {
    List<EtcdWatchLoop> now = List.copyOf(loops); // a watch may end concurrently
    EtcdWatchLoop loop = now.isEmpty() ? null : now.get(now.size() - 1);
    if (closed) {
      return new EtcdStatus(EtcdStatus.State.CLOSED, 0, 0, Duration.ZERO, 0, null);
    }
    return loop == null ? new EtcdStatus(EtcdStatus.State.IDLE, 0, 0, Duration.ZERO, 0, null) : loop.status();
  }

  @Override
  public @Nullable KeyValue get(String key) {
    requireOpen();
    GetResponse r = await(client().getKVClient().get(bytes(key)), "get " + key);
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
      cmps.add(new io.etcd.jetcd.op.DynconfRangeCmp(bytes(u.keyPrefix()), ByteSequence.from(prefixEnd(u.keyPrefix())), Cmp.Op.LESS,
          CmpTarget.modRevision(u.revision() + 1)));
    }
    List<Op> ops = new ArrayList<>();
    for (Txn.Op o : txn.ops()) {
      byte[] value = o.value();
      ops.add(value == null ? Op.delete(bytes(o.key()), DeleteOption.DEFAULT) : Op.put(bytes(o.key()), ByteSequence.from(value), PutOption.DEFAULT));
    }
    TxnResponse r = await(client().getKVClient().txn().If(cmps.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(), "txn " + txn);
    return new TxnResult(r.isSucceeded(), r.getHeader().getRevision());
  }

  /** The end of the key range of {@code prefix}: its last byte below 0xff incremented, the rest dropped. */
  private static byte[] prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return java.util.Arrays.copyOf(end, i + 1);
      }
    }
    throw new IllegalArgumentException("no key range ends after prefix " + prefix);
  }

  /**
   * Puts {@code key} on a lease of {@code ttl} kept alive until the returned handle is closed (then
   * the lease is revoked and the key deleted). If this process dies, etcd deletes the key when the
   * lease expires, and watchers see a delete. For nodes that register themselves.
   */
  public AutoCloseable putWithLease(String key, byte[] value, Duration ttl) {
    requireOpen();
    if (ttl.getSeconds() < 1) {
      throw new IllegalArgumentException("lease ttl must be at least 1 s, was " + ttl);
    }
    long lease = await(client().getLeaseClient().grant(ttl.getSeconds()), "lease grant for " + key).getID();
    await(client().getKVClient().put(bytes(key), ByteSequence.from(value), PutOption.builder().withLeaseId(lease).build()), "put " + key);
    CloseableClient keepAlive = client().getLeaseClient().keepAlive(lease, new StreamObserver<>() {
      @Override
      public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {}

      @Override
      public void onError(Throwable t) {
        log.warn("dynconf: keep-alive of the lease of " + key + " failed: " + t);
      }

      @Override
      public void onCompleted() {}
    });
    return () -> {
      keepAlive.close();
      try {
        client().getLeaseClient().revoke(lease).get(options.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        log.warn("dynconf: cannot revoke the lease of " + key + ": " + e);
      }
    };
  }

  @Override
  public void close() {
    closed = true;
    for (EtcdWatchLoop loop : loops) {
      loop.close();
    }
    loops.clear();
    scheduler.shutdownNow();
    client.get().close();
  }

  @Override
  public String toString() {
    return "EtcdSource[" + options.endpoints + " " + prefix + "]";
  }

  /** Swaps in a fresh client (a new connection), closing the old one; returns the new one. */
  private Client replaceClient(Client dead) {
    synchronized (client) {
      if (client.get() != dead || closed) {
        return client.get();
      }
      Client fresh = newClient();
      client.set(fresh);
      scheduler.schedule(dead::close, 1, TimeUnit.SECONDS);
      return fresh;
    }
  }

  private Client newClient() {
    ClientBuilder b = Client.builder()
        .endpoints(options.endpoints.toArray(URI[]::new))
        .connectTimeout(options.connectTimeout)
        .keepaliveTime(options.progressInterval)
        .keepaliveTimeout(options.progressInterval)
        .keepaliveWithoutCalls(true)
        .retryMaxDuration(options.requestTimeout)
        .waitForReady(false)
        .maxInboundMessageSize(options.maxMessageBytes);
    if (options.user != null) {
      b.user(bytes(options.user)).password(bytes(Objects.requireNonNull(options.password)));
    }
    if (options.caFile != null) {
      try {
        b.sslContext(ssl -> {
          ssl.trustManager(options.caFile.toFile());
          if (options.certFile != null) {
            ssl.keyManager(options.certFile.toFile(), Objects.requireNonNull(options.keyFile).toFile());
          }
        });
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalArgumentException("cannot set up TLS for etcd: " + e.getMessage(), e);
      }
      if (options.authority != null) {
        b.authority(options.authority);
      }
    }
    return b.build();
  }

  private <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(options.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new SourceException("etcd " + options.endpoints + ": " + what + " timed out after " + options.requestTimeout);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new SourceException("etcd " + options.endpoints + ": " + what + " failed: " + describe(cause), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceException("interrupted during etcd " + what, e);
    }
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

    private Builder() {}

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
