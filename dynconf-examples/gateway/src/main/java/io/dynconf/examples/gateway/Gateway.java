package io.dynconf.examples.gateway;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ResourceType;
import io.dynconf.core.source.FileSource;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.Plugins;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.examples.gateway.internal.AdminServer;
import io.dynconf.examples.gateway.internal.ForgetDeleted;
import io.dynconf.examples.gateway.internal.HealthEndpoint;
import io.dynconf.examples.gateway.internal.ListenerCap;
import io.dynconf.examples.gateway.internal.StatusServer;
import io.dynconf.examples.gateway.internal.ClientConnections;
import io.dynconf.examples.gateway.internal.ClientTimeouts;
import io.dynconf.examples.gateway.internal.EchoServer;
import io.dynconf.examples.gateway.internal.GatewayMetrics;
import io.dynconf.examples.gateway.internal.RequestAccounting;
import io.dynconf.examples.gateway.internal.Operators;
import io.dynconf.examples.gateway.internal.ParameterRoutes;
import io.dynconf.examples.gateway.internal.StartHealthChecks;
import io.dynconf.netty.Http2Connections;
import io.dynconf.netty.ProxyHandler;
import io.dynconf.netty.stream.StreamProxy;
import io.dynconf.netty.Transport;
import io.dynconf.netty.UpstreamPool;
import io.dynconf.examples.gateway.tls.KeyEncryption;
import io.dynconf.examples.gateway.tls.SniCertificates;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.SocketProber;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SniHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example gateway: an APISIX-compatible reverse proxy on Netty, configured from an APISIX
 * standalone file or from etcd through dynconf, with the admin API on its own listener.
 *
 * <pre>{@code
 * try (Gateway gw = Gateway.start(GatewayConfig.parse(args))) {
 *   gw.awaitClose();
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private static final String HTTP1_CODEC = "http1-codec";
  private static final String HTTP1_PROXY = "http1-proxy";
  /** The largest request header section, HTTP/1.1 and HTTP/2 alike (431 beyond). */
  private static final int MAX_HEADER_BYTES = 16384;
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final ConfigSource source;
  private final ConfigRegistry registry;
  private final RouteTable routes;
  private final Balancers balancers;
  private final SocketProber prober;
  private final ScheduledThreadPoolExecutor healthChecks;
  private final Plugins plugins;
  private final GatewayMetrics metrics;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel data;
  private final @Nullable Channel tls;
  private final List<Channel> streams = new ArrayList<>();
  /** Stream proxy connections at most, all stream listeners together. */
  private static final int MAX_STREAM_CONNECTIONS = 4096;
  /** The admin API's answer to {@code /stream_routes} without a stream listener (APISIX's words). */
  public static final String STREAM_DISABLED = "stream mode is disabled, can not add stream routes";
  private final @Nullable SniCertificates certificates;
  private final UpstreamPool pool;
  private final AdminServer admin;
  private final @Nullable StatusServer status;
  private final ClientConnections clients;
  private final @Nullable EchoServer echo;
  private final @Nullable String generatedAdminKey;
  private final Path standaloneFile;

  private Gateway(GatewayConfig config) throws Exception {
    this.config = config;
    clients = new ClientConnections(config.clientLimits().effectiveMaxConnections());
    boss = new MultiThreadIoEventLoopGroup(1, config.transport().ioHandlerFactory());
    workers = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()), config.transport().ioHandlerFactory());
    LOG.info("transport: {}", config.transport());
    Files.createDirectories(config.dataDir());
    EchoServer echoServer = null;
    java.util.ArrayDeque<AutoCloseable> opened = new java.util.ArrayDeque<>(); // closed in reverse if the start fails
    plugins = Plugins.load(Gateway.class.getClassLoader());
    try {
      if (config.echoListen() != null) {
        echoServer = new EchoServer(workers, config.echoListen().host(), config.echoListen().port());
        opened.push(echoServer);
      }
      this.echo = echoServer;
      // the registry and the admin API refuse what this gateway cannot serve: unknown plugins and
      // bad plugin configurations, and upstreams no balancer here implements (or health checks it cannot run)
      Balancers upstreamCheck = Balancers.create(); // builds nothing it keeps: check only
      List<ResourceType<?>> types = StandardTypes.withUpstreamCheck(StandardTypes.withPlugins(plugins), upstreamCheck::check);
      if (config.etcdMode()) {
        standaloneFile = config.dataDir().resolve("lkg-etcd.json");
        source = EtcdSource.builder().endpoints(config.etcd().toArray(String[]::new)).prefix(config.prefix()).build();
        opened.push(source);
        registry = ConfigRegistry.builder(source).types(types).lastKnownGood(standaloneFile).build();
      } else {
        standaloneFile = config.standalone() != null ? config.standalone() : config.dataDir().resolve("apisix.yaml");
        if (!Files.exists(standaloneFile)) {
          writeDefault(standaloneFile, echoServer == null ? 9081 : echoServer.port());
        }
        source = FileSource.builder(standaloneFile).prefix(config.prefix()).pollInterval(Duration.ofMillis(200)).build();
        opened.push(source);
        registry = ConfigRegistry.builder(source).types(types).build();
      }
      opened.push(registry);
      long loadStart = System.nanoTime();
      registry.start();
      if (!registry.awaitReady(Duration.ofSeconds(30))) {
        throw new IllegalStateException("no configuration within 30 s from " + source + ": " + registry.status());
      }
      long loaded = System.nanoTime();
      plugins.init(registry, config.dataDir()); // file-logger writes under <data dir>/logs
      routes = RouteTable.builder().mode(config.routerMode()).attachments(plugins::chain).attach(registry);
      ConfigSnapshot first = registry.snapshot();
      LOG.info("configuration at revision {} loaded in {} ms ({} rejected, {} pending); {} routes routed in {} ms",
          first.revision(), (loaded - loadStart) / 1_000_000, first.rejections().size(), first.pending().size(),
          routes.router().size(), (System.nanoTime() - loaded) / 1_000_000);
      ParameterRoutes.warn(config.routerMode(), registry.snapshot());
      metrics = new GatewayMetrics();
      Operators operators = new Operators(source, registry, routes, metrics);
      operators.pluginCounters(plugins::counters);
      // active health checks: their own thread, probes by JDK sockets (no thread per probe)
      healthChecks = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "dynconf-health-checks");
        t.setDaemon(true);
        return t;
      });
      healthChecks.setRemoveOnCancelPolicy(true); // a deleted upstream's task leaves the queue at once
      opened.push(healthChecks::shutdownNow);
      prober = SocketProber.create();
      opened.push(prober);
      balancers = Balancers.builder().listener(operators).activeChecks(prober, healthChecks).build();
      opened.push(balancers);
      operators.balancers(balancers);
      ForgetDeleted forget = new ForgetDeleted(balancers, metrics);
      registry.addListener(forget);
      healthChecks.scheduleWithFixedDelay(() -> { // what requests in flight re-create after a delete
        try {
          int n = forget.sweep(registry.snapshot());
          if (n > 0) {
            LOG.debug("swept {} balancer or metric entries of deleted objects", n);
          }
        } catch (RuntimeException | Error e) { // reported, and the next sweep runs: a thrown task would stop for good
          LOG.error("sweeping the state of deleted objects failed; the next sweep runs in 10 s", e);
        }
      }, 10, 10, TimeUnit.SECONDS); // drops state of deleted routes and upstreams
      StartHealthChecks checks = new StartHealthChecks(balancers); // probes run with no traffic too
      registry.addListener(checks);
      checks.startAll(registry.snapshot());
      RequestAccounting accounting = new RequestAccounting(metrics); // counts every request for the metrics endpoint
      metrics.refusedConnections(clients::refused); // nginx's accepted minus handled
      String key = config.adminKey();
      String generated = null;
      if (key == null) {
        Path keyFile = config.dataDir().resolve("admin.key");
        if (Files.exists(keyFile)) {
          key = Files.readString(keyFile, StandardCharsets.UTF_8).trim();
        } else {
          byte[] random = new byte[24];
          new SecureRandom().nextBytes(random);
          key = HexFormat.of().formatHex(random);
          writePrivate(keyFile, key + "\n");
          generated = key;
        }
      }
      this.generatedAdminKey = generated;
      this.pool = new UpstreamPool(64, 60_000);
      ProxyHandler.Settings settings = new ProxyHandler.Settings(routes, balancers, pool, "http", plugins, accounting);
      LOG.info("client connections: at most {}; timeouts: {}", clients.max(), config.clientLimits());
      data = Transport.bind(clients.listener(new ServerBootstrap().group(boss, workers), config.transport())
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (!admit(ch)) {
                return;
              }
              if (config.http2().h2c()) {
                ch.pipeline().addLast(Http2Connections.priorKnowledge(ctx -> toHttp2(ctx.pipeline(), settings)));
              }
              http1(ch.pipeline(), settings);
            }
          }), "data-plane listener", config.listen().host(), config.listen().port());
      if (config.tlsListen() != null) {
        certificates = SniCertificates.start(registry, defaultIdentity(config), KeyEncryption.parse(config.tlsKeyEncryptionKeys()),
            Clock.systemUTC(), config.http2().tls() ? List.of("h2", "http/1.1") : List.of());
        tls = bindTls(config.tlsListen(), certificates,
            new ProxyHandler.Settings(routes, balancers, pool, "https", plugins, accounting));
      } else {
        certificates = null;
        tls = null;
      }
      ListenerCap streamCap = new ListenerCap("stream", MAX_STREAM_CONNECTIONS);
      for (ListenAddress a : config.stream().listen()) {
        streams.add(bindStream(a, new StreamProxy(registry, balancers, Duration.ofMinutes(10), false), streamCap));
      }
      for (ListenAddress a : config.stream().sniListen()) {
        streams.add(bindStream(a, new StreamProxy(registry, balancers, Duration.ofMinutes(10), true), streamCap));
      }
      admin = new AdminServer(boss, config.adminListen(), source, registry, operators, key,
          config.viewerKey(), adminSecurity(config.admin()), plugins, config.admin().corsOrigins(), // publishes the plugins' schemas at /apisix/admin/plugins
          b -> {
            if (streams.isEmpty()) { // as APISIX without stream mode: no stream route is stored that nothing would serve
              b.disable(io.dynconf.core.apisix.StandardTypes.STREAM_ROUTES, STREAM_DISABLED);
            }
          });
      if (config.admin().tlsCert() == null && !admin.address().getAddress().isLoopbackAddress()) {
        LOG.warn("the admin API listens on {} over plain HTTP: its key and every configuration cross the network in clear text;"
            + " serve it over HTTPS with --admin-tls CERT,KEY or listen on loopback only", admin.address());
      }
      opened.push(admin);
      status = config.statusListen() == null ? null
          : new StatusServer(boss, config.statusListen(), new HealthEndpoint(registry, key, config.viewerKey()));
    } catch (Exception e) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * The HTTPS listener: {@code SniHandler} reads the ClientHello, asks {@code certificates} for the
   * context of its server name and replaces itself with that context's {@code SslHandler}; the
   * rest of the pipeline is the plain listener's.
   */
  private Channel bindTls(ListenAddress address, SniCertificates certificates, ProxyHandler.Settings settings)
      throws InterruptedException, java.net.BindException {
    return Transport.bind(clients.listener(new ServerBootstrap().group(boss, workers), config.transport())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!admit(ch)) {
              return;
            }
            ch.pipeline().addLast(new SniHandler(certificates, 16 * 1024, 10_000)); // ClientHello within 10 s
            if (config.http2().tls()) {
              ch.pipeline().addLast(Http2Connections.alpn(ctx -> toHttp2(ctx.pipeline(), settings)));
            }
            http1(ch.pipeline(), settings);
          }
        }), "TLS listener", address.host(), address.port());
  }

  /** The HTTP/1.1 handlers of a data-plane connection (replaced by {@link #toHttp2} when it speaks HTTP/2). */
  private static void http1(ChannelPipeline pipeline, ProxyHandler.Settings settings) {
    pipeline.addLast(HTTP1_CODEC, new HttpServerCodec(8192, MAX_HEADER_BYTES, 16384));
    pipeline.addLast(HTTP1_PROXY, new ProxyHandler(settings));
  }

  /**
   * Switches a connection to HTTP/2: its HTTP/1.1 handlers go, the connection's timeouts keep only
   * the send timeout (an HTTP/2 connection idle without streams closes after the keep-alive
   * timeout), and each stream gets its own timeouts and proxy handler.
   */
  private void toHttp2(ChannelPipeline pipeline, ProxyHandler.Settings settings) {
    pipeline.remove(HTTP1_PROXY);
    pipeline.remove(HTTP1_CODEC);
    ClientTimeouts connection = pipeline.get(ClientTimeouts.class);
    if (connection != null) {
      connection.tunnel();
    }
    ClientLimits l = config.clientLimits();
    Http2Connections.serve(pipeline, MAX_HEADER_BYTES, l.keepaliveTimeout(), stream -> stream.pipeline().addLast(
        new ClientTimeouts(l.headerTimeout(), l.keepaliveTimeout(), l.bodyTimeout(), l.sendTimeout()), new ProxyHandler(settings)));
  }

  /** A stream proxy listener (APISIX's {@code stream_proxy.tcp}). */
  private Channel bindStream(ListenAddress address, StreamProxy proxy, ListenerCap cap)
      throws InterruptedException, java.net.BindException {
    Channel ch = Transport.bind(new ServerBootstrap().group(boss, workers).channel(config.transport().serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (cap.admit(ch)) {
              proxy.configure(ch.pipeline());
            }
          }
        }), "stream proxy listener", address.host(), address.port());
    LOG.info("stream proxy listening on {}", ch.localAddress());
    return ch;
  }

  /** The stream proxy's listeners' addresses, in the order configured ({@code --stream-listen}, then {@code --stream-sni-listen}). */
  public List<InetSocketAddress> streamAddresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Channel c : streams) {
      out.add((InetSocketAddress) c.localAddress());
    }
    return out;
  }

  /** A data-plane client connection: counted against the limit, its timeouts first in its pipeline. */
  private boolean admit(SocketChannel ch) {
    ClientLimits l = config.clientLimits();
    ClientTimeouts timeouts = new ClientTimeouts(l.headerTimeout(), l.keepaliveTimeout(), l.bodyTimeout(), l.sendTimeout());
    ch.pipeline().addLast(timeouts);
    return clients.admit(ch, timeouts);
  }

  private static SniCertificates.Identity defaultIdentity(GatewayConfig config) throws IOException {
    if (config.tlsDefaultCert() == null || config.tlsDefaultKey() == null) {
      SniCertificates.Identity generated = SniCertificates.Identity.selfSigned(Clock.systemUTC());
      LOG.info("TLS: no --tls-default-cert; handshakes that match no ssl get a self-signed certificate ({})",
          generated.chain().get(0).getSubjectX500Principal().getName());
      return generated;
    }
    try {
      return SniCertificates.Identity.fromPem(Files.readString(config.tlsDefaultCert(), StandardCharsets.US_ASCII),
          Files.readString(config.tlsDefaultKey(), StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--tls-default-cert " + config.tlsDefaultCert() + " / --tls-default-key "
          + config.tlsDefaultKey() + ": " + e.getMessage(), e);
    }
  }

  private static AdminServer.Security adminSecurity(GatewayConfig.AdminOptions options) throws IOException {
    if (options.tlsCert() == null || options.tlsKey() == null) {
      return new AdminServer.Security(options.metricsRequireKey(), null);
    }
    try {
      SniCertificates.Identity id = SniCertificates.Identity.fromPem(Files.readString(options.tlsCert(), StandardCharsets.US_ASCII),
          Files.readString(options.tlsKey(), StandardCharsets.US_ASCII));
      return new AdminServer.Security(options.metricsRequireKey(),
          io.netty.handler.ssl.SslContextBuilder.forServer(id.key(), id.chain().toArray(java.security.cert.X509Certificate[]::new)).build());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--admin-tls " + options.tlsCert() + "," + options.tlsKey() + ": " + e.getMessage(), e);
    }
  }

  /** Starts a gateway; returns when it serves. */
  public static Gateway start(GatewayConfig config) throws Exception {
    return new Gateway(config);
  }

  public InetSocketAddress dataAddress() {
    return (InetSocketAddress) data.localAddress();
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /** The HTTPS listener's address, or null without {@code --tls-listen}. */
  /** The status listener's address ({@code --status-listen}), or null. */
  public @Nullable InetSocketAddress statusAddress() {
    return status == null ? null : status.address();
  }

  public @Nullable InetSocketAddress tlsAddress() {
    return tls == null ? null : (InetSocketAddress) tls.localAddress();
  }

  /** The upstream connections of the data plane (HTTP/1.1 keep-alive, and HTTP/2 to gRPC nodes). */
  public UpstreamPool upstreamPool() {
    return pool;
  }

  /** The certificates of the HTTPS listener, or null without {@code --tls-listen}. */
  public @Nullable SniCertificates certificates() {
    return certificates;
  }

  public @Nullable InetSocketAddress echoAddress() {
    ListenAddress listen = config.echoListen();
    return echo == null || listen == null ? null : new InetSocketAddress(listen.host(), echo.port());
  }

  /** The admin key generated on this start (print it once), or null. */
  public @Nullable String generatedAdminKey() {
    return generatedAdminKey;
  }

  /** The configuration source: a {@code FileSource} (standalone) or an {@code EtcdSource}. */
  public ConfigSource source() {
    return source;
  }

  public ConfigRegistry registry() {
    return registry;
  }

  public RouteTable routes() {
    return routes;
  }

  /** The plugins this gateway runs, by name. */
  public Plugins plugins() {
    return plugins;
  }

  public Balancers balancers() {
    return balancers;
  }

  /** The standalone file served (standalone mode), or the last-known-good file (etcd mode). */
  public Path configFile() {
    return standaloneFile;
  }

  public GatewayConfig config() {
    return config;
  }

  /** Blocks until the data listener closes. */
  public void awaitClose() throws InterruptedException {
    data.closeFuture().sync();
  }

  /** The data plane's client connections: how many are open, idle, closed to make room. */
  public ClientConnections clientConnections() {
    return clients;
  }

  /** Requests being served now. */
  public int inFlight() {
    return metrics.inFlight();
  }

  /**
   * Bytes of answers written to client connections that their sockets have not taken yet (slow
   * clients' backlog); a graceful {@link #close(Duration)} waits for them as for requests in flight.
   */
  public long unsentBytes() {
    return clients.unsentBytes();
  }

  /** {@link #close(Duration)} with a 10 s deadline. */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  /**
   * Graceful shutdown: stops accepting connections, lets requests in flight finish and slow clients
   * take the rest of their answers until {@code deadline}, then closes everything (requests still
   * running, and answers not yet taken, are cut).
   */
  public void close(Duration deadline) {
    data.close().syncUninterruptibly();
    for (Channel c : streams) {
      c.close().syncUninterruptibly();
    }
    if (tls != null) {
      tls.close().syncUninterruptibly();
    }
    long end = System.nanoTime() + deadline.toNanos();
    // a request is counted done once its last bytes are written, not once the client has them:
    // without the second condition, a slow client lost the tail of its answer to the loops' shutdown
    while ((metrics.inFlight() > 0 || clients.unsentBytes() > 0) && System.nanoTime() < end) {
      try {
        Thread.sleep(10); // polling a counter at shutdown; no event to await
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int cut = metrics.inFlight();
    long unsent = clients.unsentBytes();
    if (cut > 0 || unsent > 0) {
      LOG.warn("graceful close: {} requests still running and {} bytes not yet taken by clients after {} ms: cut",
          cut, unsent, deadline.toMillis());
    }
    if (certificates != null) {
      certificates.close();
    }
    if (status != null) {
      status.close();
    }
    admin.close();
    if (echo != null) {
      echo.close();
    }
    routes.close();
    registry.close();
    try {
      source.close();
    } catch (Exception e) {
      LOG.debug("closing the source", e);
    }
    balancers.close();
    prober.close();
    healthChecks.shutdownNow();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    plugins.close(); // after the loops: no log phase runs any more (loggers report what they could not send)
  }

  private static void writeDefault(Path file, int echoPort) throws IOException {
    try (InputStream in = Gateway.class.getResourceAsStream("default-apisix.yaml")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${ECHO_PORT}", String.valueOf(echoPort));
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, ".apisix", ".yaml");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void writePrivate(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".key", ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }
}
