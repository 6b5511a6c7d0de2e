package io.dynconf.radix.balance;

import io.dynconf.core.tls.TrustAll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's {@link Prober}: JDK non-blocking sockets, no dependency, as lua-resty-healthcheck
 * probes. {@code tcp}: the connection is accepted. {@code http}: sends {@code <http_method>
 * <http_path> HTTP/1.1} with {@code Host} ({@link ProbeTarget#hostHeader()}), {@code Connection:
 * close}, the {@code req_headers} and the {@code http_req_body}, and reads the status line only.
 * {@code https}: the same over TLS, with the host as server name (SNI) and, when {@code
 * https_verify_certificate} is true, the chain checked against the trust store and the certificate
 * checked against that name; when false, any certificate is accepted.
 *
 * <p>Outcomes, as lua-resty-healthcheck reports them: refused, reset, closed before a status line
 * or a failed TLS handshake is a {@link Outcome#FAILURE} (a TCP failure); no answer within {@link
 * ProbeTarget#timeout()} (for the whole probe) a {@link Outcome#TIMEOUT}; an unreadable status
 * line the status 0 (an HTTP failure).
 *
 * <p>Bounded: one {@link AsynchronousChannelGroup} of {@code threads} threads (default 1) runs every
 * probe's I/O, one timer thread their deadlines; no thread per probe. At most {@code maxInFlight}
 * probes (default 1024) run at once; beyond that a probe is {@linkplain ProbeResult#skipped()
 * skipped} (no verdict) and logged. A node given by name is resolved on one resolver thread (the
 * JDK resolver blocks; it caches), never on the caller's. Thread-safe; {@link #close} ends
 * every probe in flight as skipped and stops the threads.
 */
public final class SocketProber implements Prober, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SocketProber.class);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final int MAX_STATUS_LINE = 4096;

  private final AsynchronousChannelGroup group;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor resolver;
  private final @Nullable SSLContext sslContext;
  private volatile @Nullable SSLContext verifying;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Set<Probe> probes = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private SocketProber(Builder b) throws IOException {
    String name = b.threadName;
    AtomicInteger n = new AtomicInteger();
    ThreadFactory io = r -> daemon(r, name + "-io-" + n.incrementAndGet());
    group = AsynchronousChannelGroup.withFixedThreadPool(b.threads, io);
    timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name + "-timer"));
    timer.setRemoveOnCancelPolicy(true);
    resolver = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(b.maxInFlight),
        r -> daemon(r, name + "-resolver"));
    resolver.allowCoreThreadTimeOut(true);
    sslContext = b.sslContext;
    maxInFlight = b.maxInFlight;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** A prober with the defaults: one I/O thread, the JDK's default trust store, 1024 probes at most. */
  public static SocketProber create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How many probes are in flight now. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public CompletableFuture<ProbeResult> probe(ProbeTarget target) {
    Objects.requireNonNull(target, "target");
    if (closed) {
      return CompletableFuture.completedFuture(ProbeResult.skipped());
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      LOG.warn("{} probes in flight: skipping the probe of {} (upstream {})", maxInFlight, target.node().address(),
          target.upstreamKey());
      return CompletableFuture.completedFuture(ProbeResult.skipped());
    }
    Probe probe = new Probe(target);
    probes.add(probe);
    try {
      probe.start();
    } catch (RuntimeException e) {
      probe.fail(e);
    }
    return probe.result;
  }

  /** Ends every probe in flight as skipped and stops the prober's threads. */
  @Override
  public void close() {
    closed = true;
    for (Probe p : probes) {
      p.finish(ProbeResult.skipped());
    }
    timer.shutdownNow();
    resolver.shutdownNow();
    try {
      group.shutdownNow();
    } catch (IOException e) {
      LOG.warn("closing the probe channels failed", e);
    }
  }

  @Override
  public String toString() {
    return "SocketProber[" + inFlight.get() + " in flight]";
  }

  private static boolean literal(String host) {
    return host.startsWith("[") || host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
  }

  private SSLContext context(boolean verify) throws GeneralSecurityException {
    if (verify) {
      SSLContext c = verifying;
      if (c == null) {
        c = sslContext != null ? sslContext : SSLContext.getDefault();
        verifying = c;
      }
      return c;
    }
    return TrustAll.context(); // https_verify_certificate: false: any chain, any name
  }


  /**
   * One probe: a small state machine over one channel. At most one I/O operation is outstanding,
   * so the handlers run one after another; the deadline (on the timer thread) only finishes the
   * probe and closes the channel, which fails the outstanding operation.
   */
  private final class Probe {
    final ProbeTarget target;
    final CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    /** Set once, before the result completes, so the counts are settled when a caller sees it. */
    final AtomicBoolean done = new AtomicBoolean();
    final boolean tls;
    final boolean tcp;
    volatile @Nullable ScheduledFuture<?> deadline;
    /** Volatile: the deadline (timer thread) closes it, or the connecting thread sees the probe finished. */
    volatile @Nullable AsynchronousSocketChannel channel;
    @Nullable SSLEngine engine;
    ByteBuffer request = ByteBuffer.allocate(0);
    /** Decrypted (or plain) response bytes, in write mode. */
    ByteBuffer response = ByteBuffer.allocate(MAX_STATUS_LINE);
    /** TLS records read, in write mode. */
    ByteBuffer netIn = ByteBuffer.allocate(0);
    /** TLS records to send, in read mode. */
    ByteBuffer netOut = ByteBuffer.allocate(0);

    Probe(ProbeTarget target) {
      this.target = target;
      String type = target.type().toLowerCase(Locale.ROOT);
      this.tls = type.equals("https");
      this.tcp = type.equals("tcp");
    }

    void start() {
      long nanos = target.timeout().toNanos();
      try {
        deadline = timer.schedule(() -> finish(ProbeResult.timedOut()), nanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        finish(ProbeResult.skipped()); // closed meanwhile
        return;
      }
      String host = target.node().host();
      if (literal(host)) {
        connect(resolve(host));
      } else {
        try {
          resolver.execute(() -> {
            InetAddress address;
            try {
              address = resolve(host);
            } catch (RuntimeException e) {
              fail(e);
              return;
            }
            connect(address);
          });
        } catch (RejectedExecutionException e) {
          LOG.warn("resolver queue full or closed: skipping the probe of {} (upstream {})", target.node().address(),
              target.upstreamKey());
          finish(ProbeResult.skipped());
        }
      }
    }

    InetAddress resolve(String host) {
      String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      try {
        return InetAddress.getByName(h);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("cannot resolve " + host + ": " + e.getMessage(), e);
      }
    }

    void connect(InetAddress address) {
      if (done.get()) {
        return;
      }
      AsynchronousSocketChannel ch;
      try {
        ch = AsynchronousSocketChannel.open(group);
      } catch (IOException | RuntimeException e) {
        fail(e);
        return;
      }
      channel = ch;
      if (done.get()) { // the deadline fired between the check and the assignment
        closeChannel();
        return;
      }
      ch.connect(new InetSocketAddress(address, target.port()), null, handler(v -> connected()));
    }

    void connected() {
      if (tcp) {
        finish(ProbeResult.connected());
        return;
      }
      request = ByteBuffer.wrap(requestHead().getBytes(StandardCharsets.ISO_8859_1));
      if (!tls) {
        write(request, this::readPlain);
        return;
      }
      try {
        String name = target.hostHeader();
        SSLEngine e = context(target.verifyCertificate()).createSSLEngine(name, target.port());
        e.setUseClientMode(true);
        SSLParameters params = e.getSSLParameters();
        if (target.verifyCertificate()) {
          params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!literal(name)) {
          params.setServerNames(List.of(new SNIHostName(name)));
        }
        e.setSSLParameters(params);
        netIn = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        netOut = ByteBuffer.allocate(e.getSession().getPacketBufferSize()).flip();
        response = ByteBuffer.allocate(Math.max(MAX_STATUS_LINE, e.getSession().getApplicationBufferSize()));
        engine = e;
        e.beginHandshake();
        driveTls();
      } catch (GeneralSecurityException | SSLException | RuntimeException e) {
        fail(e);
      }
    }

    String requestHead() {
      StringBuilder head = new StringBuilder(128).append(target.method()).append(' ').append(target.path())
          .append(" HTTP/1.1\r\n");
      boolean ownHost = false;
      for (String h : target.headers()) {
        ownHost |= h.regionMatches(true, 0, "host:", 0, 5);
      }
      if (!ownHost) {
        head.append("Host: ").append(target.hostHeader()).append("\r\n");
      }
      head.append("Connection: close\r\n");
      for (String h : target.headers()) {
        head.append(h).append("\r\n");
      }
      byte[] body = target.body().getBytes(StandardCharsets.UTF_8);
      if (body.length > 0) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("\r\n");
      if (body.length > 0) {
        head.append(new String(body, StandardCharsets.ISO_8859_1));
      }
      return head.toString();
    }

    void readPlain() {
      AsynchronousSocketChannel ch = Objects.requireNonNull(channel);
      ch.read(response, null, handler(n -> {
        if (n < 0) {
          finish(ProbeResult.failed()); // closed before a status line: lua's receive error
        } else if (!statusLine()) {
          readPlain();
        }
      }));
    }

    /** Finishes the probe when the response holds a status line (or is full without one). */
    boolean statusLine() {
      for (int i = 0; i < response.position(); i++) {
        if (response.get(i) == '\n') {
          finish(ProbeResult.status(parseStatus(new String(response.array(), 0, i, StandardCharsets.ISO_8859_1))));
          return true;
        }
      }
      if (!response.hasRemaining() || response.position() >= MAX_STATUS_LINE) {
        finish(ProbeResult.status(0));
        return true;
      }
      return false;
    }

    void driveTls() {
      SSLEngine e = Objects.requireNonNull(engine);
      try {
        while (!done.get()) {
          switch (e.getHandshakeStatus()) {
            case NEED_TASK -> {
              Runnable task;
              while ((task = e.getDelegatedTask()) != null) {
                task.run();
              }
            }
            case NEED_WRAP -> {
              if (!wrap(ByteBuffer.allocate(0))) {
                return;
              }
            }
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
              if (!unwrap()) {
                return;
              }
            }
            default -> { // handshake done
              if (request.hasRemaining()) {
                if (!wrap(request)) {
                  return;
                }
              } else if (!unwrap() || statusLine()) {
                return;
              }
            }
          }
        }
      } catch (SSLException | RuntimeException ex) {
        fail(ex);
      }
    }

    /** Wraps {@code src} and sends the records; false: a write is under way (it drives on). */
    boolean wrap(ByteBuffer src) throws SSLException {
      SSLEngine e = Objects.requireNonNull(engine);
      netOut.clear();
      SSLEngineResult r = e.wrap(src, netOut);
      netOut.flip();
      if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
        finish(ProbeResult.failed());
        return false;
      }
      if (r.getStatus() != SSLEngineResult.Status.OK) {
        throw new SSLException("wrap: " + r.getStatus());
      }
      if (netOut.hasRemaining()) {
        write(netOut, this::driveTls);
        return false;
      }
      return true;
    }

    /** Unwraps what was read; false: a read is under way (it drives on) or the probe ended. */
    boolean unwrap() throws SSLException {
      SSLEngine e = Objects.requireNonNull(engine);
      netIn.flip();
      SSLEngineResult r = e.unwrap(netIn, response);
      netIn.compact();
      switch (r.getStatus()) {
        case OK -> {
          if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
              && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
            return readTls();
          }
          return true;
        }
        case BUFFER_UNDERFLOW -> {
          if (!netIn.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
          }
          return readTls();
        }
        case BUFFER_OVERFLOW -> { // the response holds no line break in its first MAX_STATUS_LINE bytes
          finish(ProbeResult.status(0));
          return false;
        }
        default -> { // CLOSED
          finish(ProbeResult.failed());
          return false;
        }
      }
    }

    boolean readTls() {
      AsynchronousSocketChannel ch = Objects.requireNonNull(channel);
      ch.read(netIn, null, handler(n -> {
        if (n < 0) {
          finish(ProbeResult.failed());
        } else {
          driveTls();
        }
      }));
      return false;
    }

    void write(ByteBuffer buffer, Runnable then) {
      AsynchronousSocketChannel ch = Objects.requireNonNull(channel);
      ch.write(buffer, null, handler(n -> {
        if (buffer.hasRemaining()) {
          write(buffer, then);
        } else {
          then.run();
        }
      }));
    }

    <T> CompletionHandler<T, @Nullable Void> handler(Consumer<T> next) {
      return new CompletionHandler<>() {
        @Override
        public void completed(T value, @Nullable Void attachment) {
          if (done.get()) {
            return;
          }
          try {
            next.accept(value);
          } catch (RuntimeException e) {
            fail(e);
          }
        }

        @Override
        public void failed(Throwable error, @Nullable Void attachment) {
          fail(error);
        }
      };
    }

    void fail(Throwable error) {
      if (closed) {
        finish(ProbeResult.skipped()); // our own shutdown, not the node's fault
        return;
      }
      if (!done.get()) {
        LOG.debug("probe of {} (upstream {}) failed", target.node().address(), target.upstreamKey(), error);
      }
      finish(ProbeResult.failed());
    }

    void finish(ProbeResult r) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> d = deadline;
      if (d != null) {
        d.cancel(false);
      }
      closeChannel();
      probes.remove(this);
      inFlight.decrementAndGet();
      result.complete(r);
    }

    void closeChannel() {
      AsynchronousSocketChannel ch = channel;
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException e) {
          LOG.debug("closing the probe channel of {} failed", target.node().address(), e);
        }
      }
    }
  }

  /** The status of {@code HTTP/x.y NNN ...}, or 0 when the line is not one (lua's {@code ^HTTP/\d+\.\d+\s+(\d+)}). */
  static int parseStatus(String line) {
    if (!line.regionMatches(true, 0, "HTTP/", 0, 5)) {
      return 0;
    }
    int i = 5;
    int start = i;
    while (i < line.length() && Character.isDigit(line.charAt(i))) {
      i++;
    }
    if (i == start || i >= line.length() || line.charAt(i) != '.') {
      return 0;
    }
    start = ++i;
    while (i < line.length() && Character.isDigit(line.charAt(i))) {
      i++;
    }
    if (i == start) {
      return 0;
    }
    start = i;
    while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    if (i == start) {
      return 0;
    }
    start = i;
    while (i < line.length() && i - start < 3 && Character.isDigit(line.charAt(i))) {
      i++;
    }
    if (i - start != 3) {
      return 0;
    }
    return Integer.parseInt(line.substring(start, i));
  }

  /** Settings of a {@link SocketProber}. Not thread-safe. */
  public static final class Builder {
    private int threads = 1;
    private int maxInFlight = 1024;
    private @Nullable SSLContext sslContext;
    private String threadName = "dynconf-prober";

    private Builder() {}

    /** I/O threads shared by every probe (default 1: a probe's work is a few small reads and writes). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads: must be at least 1, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Probes in flight at most (default 1024); beyond that a probe is skipped (no verdict). */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight: must be at least 1, was " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * The TLS context for {@code https} probes that verify certificates (default: {@code
     * SSLContext.getDefault()}, the JDK trust store), e.g. one that trusts a private CA.
     */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** The prefix of the threads' names (default {@code dynconf-prober}). */
    public Builder threadName(String prefix) {
      this.threadName = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The prober, with its threads started.
     *
     * @throws java.io.UncheckedIOException when the channel group cannot be made
     */
    public SocketProber build() {
      try {
        return new SocketProber(this);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot start the probe channel group", e);
      }
    }
  }
}
