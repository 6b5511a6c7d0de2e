package io.dynconf.etcd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A real etcd cluster of one or more members for tests: child processes of the test JVM on free
 * loopback ports, each in its own temporary data directory, each behind a {@link TcpProxy}.
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.builder().members(3).start()) {
 *   Client client = Client.builder().endpoints(etcd.endpoints()).build();
 *   etcd.leader().kill();          // the cluster keeps serving
 *   etcd.member(0).proxy().blackhole();
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} returns when every member reports healthy. {@link #close()} kills
 * every member and deletes every data directory; a shutdown hook, a per-member watchdog and a
 * stale-process sweep make sure that also happens when a test fails or its JVM is killed (see
 * {@link ProcessLedger}).
 *
 * <p>The binary comes from {@code -Detcd.bin}, {@code ETCD_BIN} or {@code PATH} (and is installed
 * with apt-get when missing and allowed); where there is none but a Docker engine answers, the same
 * cluster runs in containers through Testcontainers. Where neither exists, {@code start()} fails
 * with a message that says how to install etcd: it never skips.
 *
 * <p>TLS and authentication, for tests of secured clients:
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.builder().tls(true).clientCertAuth(true)
 *         .auth("root", "rootpw").authTokenTtl(Duration.ofSeconds(2)).start()) {
 *   EtcdCluster.TlsMaterial tls = etcd.tlsMaterial();   // CA, client certificate and key (PEM)
 *   Client client = Client.builder().endpoints(etcd.endpoints())  // https:// when TLS is on
 *       .sslContext(b -> b.trustManager(tls.caCert().toFile())
 *           .keyManager(tls.clientCert().toFile(), tls.clientKey().toFile()))
 *       .user(bytes("root")).password(bytes("rootpw")).build();
 * }
 * }</pre>
 *
 * <p>With {@link Builder#tls(boolean)} every member serves clients over https with a certificate
 * from a CA made for this cluster by {@link TestPki} (JDK only; files in the cluster directory);
 * peers talk plain http. With {@link Builder#auth(String, String)} the cluster, once started (and
 * again after {@link #wipe()}), creates the root user, grants it the root role, re-creates the
 * users of {@link #addUser(String, String, String...)} and enables auth. The cluster's own calls
 * ({@link #revision()}, {@link #compact()}, {@link #deleteAll()}, health and leader checks) keep
 * working with both.
 *
 * <p>Thread-safe; the fault controls block until the fault is in effect.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final Set<EtcdCluster> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(EtcdCluster::close), "etcd-cluster-cleanup"));
  }

  private final Builder config;
  private final Path directory;
  private final List<EtcdMember> members;
  private final @Nullable TestPki pki;
  private final @Nullable Path binary;
  private final EtcdGateway gateway;
  private final @Nullable String rootUser;
  private final @Nullable String rootPassword;
  private final List<User> users = new CopyOnWriteArrayList<>();
  private volatile String token;
  private volatile boolean closed;

  private EtcdCluster(
      Builder config, Path directory, List<EtcdMember> members, String token, @Nullable TestPki pki, @Nullable Path binary) {
    this.config = config;
    this.binary = binary;
    this.directory = directory;
    this.members = members;
    this.token = token;
    this.pki = pki;
    this.rootUser = config.authUser;
    this.rootPassword = config.authPassword;
    this.gateway =
        new EtcdGateway(pki == null ? null : pki.sslContext(config.clientCertAuth), config.authUser, config.authPassword);
  }

  /**
   * The PEM files a TLS client needs: the cluster's CA certificate, and a client certificate and
   * its unencrypted PKCS#8 key (signed by that CA; required when {@link Builder#clientCertAuth}).
   * The client certificate has no common name (see {@link TestPki}).
   */
  public record TlsMaterial(Path caCert, Path clientCert, Path clientKey) {}

  private record User(String name, String password, List<String> roles) {}

  public static Builder builder() {
    return new Builder();
  }

  /** A started single-member cluster. */
  public static EtcdCluster single() {
    return builder().members(1).start();
  }

  /** Client endpoints through the members' proxies, in member order; {@code https://} with TLS. */
  public List<URI> endpoints() {
    return members.stream().map(EtcdMember::endpoint).collect(Collectors.toUnmodifiableList());
  }

  /** Client endpoints without the proxies, in member order. */
  public List<URI> directEndpoints() {
    return members.stream().map(EtcdMember::directEndpoint).collect(Collectors.toUnmodifiableList());
  }

  /** The proxied endpoints joined by commas, the form command lines take. */
  public String endpointList() {
    return endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
  }

  public List<EtcdMember> members() {
    return members;
  }

  public EtcdMember member(int index) {
    return members.get(index);
  }

  public int size() {
    return members.size();
  }

  /** Waits (up to the start timeout) until the running members agree on a leader, and returns it. */
  public EtcdMember leader() {
    long deadline = System.nanoTime() + config.startTimeout.toNanos();
    while (true) {
      Optional<EtcdMember> leader = findLeader();
      if (leader.isPresent()) {
        return leader.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no etcd leader after " + config.startTimeout + ": " + members);
      }
      pollPause();
    }
  }

  private Optional<EtcdMember> findLeader() {
    for (EtcdMember m : members) {
      if (!m.isRunning() || m.isPaused()) {
        continue;
      }
      try {
        EtcdGateway.Status s = gateway.status(m.process().clientAddress());
        if (s.isLeader()) {
          return Optional.of(m);
        }
      } catch (IOException e) {
        // not answering now; ask the next
      }
    }
    return Optional.empty();
  }

  /** The members that are not the leader now. */
  public List<EtcdMember> followers() {
    EtcdMember leader = leader();
    return members.stream().filter(m -> m != leader).collect(Collectors.toUnmodifiableList());
  }

  /** The cluster's current revision. */
  public long revision() {
    return call(gateway::revision);
  }

  /** The cluster id (decimal); it changes on {@link #wipe()}. */
  public String clusterId() {
    return call(a -> gateway.status(a).clusterId());
  }

  /** Compacts (physically) to the current revision; returns that revision. */
  public long compact() {
    return call(
        a -> {
          long revision = gateway.revision(a);
          gateway.compact(a, revision);
          return revision;
        });
  }

  /** Deletes every key (revisions keep counting); returns how many were deleted. */
  public long deleteAll() {
    return call(gateway::deleteAll);
  }

  /** The CA and client certificate of a cluster built with {@link Builder#tls(boolean) tls(true)}. */
  public TlsMaterial tlsMaterial() {
    TestPki p = pki;
    if (p == null) {
      throw new IllegalStateException("this etcd cluster serves plain http; build it with tls(true)");
    }
    return new TlsMaterial(p.caCert, p.clientCert, p.clientKey);
  }

  /**
   * Creates a user with {@code password} and grants it {@code roles} (a role other than {@code
   * root} is created, without permissions, when missing). Works with auth on or off; the user is
   * created again after {@link #wipe()}.
   */
  public synchronized void addUser(String name, String password, String... roles) {
    User user = new User(name, password, List.of(roles));
    createUser(user);
    users.add(user);
  }

  private void createUser(User user) {
    run(a -> gateway.addUser(a, user.name(), user.password()));
    for (String role : user.roles()) {
      if (!role.equals("root")) {
        run(a -> gateway.addRoleIfAbsent(a, role));
      }
      run(a -> gateway.grantRole(a, user.name(), role));
    }
  }

  /** After a start or a wipe: root user, the added users, auth on (when the builder asked for it). */
  private void setUpAuth() {
    String root = rootUser;
    String password = rootPassword;
    if (root != null && password != null) {
      run(a -> gateway.addUser(a, root, password));
      run(a -> gateway.grantRole(a, root, "root"));
    }
    for (User user : users) {
      createUser(user);
    }
    if (root != null) {
      run(gateway::enableAuth);
    }
  }

  /**
   * Kills every member, deletes all data and starts the cluster again empty, on the same ports and
   * behind the same proxies: revisions start over from 1 and the cluster id changes.
   */
  public synchronized void wipe() {
    for (EtcdMember m : members) {
      m.kill();
    }
    for (EtcdMember m : members) {
      try {
        m.process().deleteData();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the data of " + m.name(), e);
      }
    }
    token = newToken();
    gateway.authEnabled(false); // the new cluster starts without users; setUpAuth enables it again
    startAll();
    setUpAuth();
  }

  /**
   * Undoes every fault: proxies pass without latency, paused members resume, stopped members
   * start; returns when every member is healthy. The extension calls it between tests.
   */
  public synchronized void heal() {
    for (EtcdMember m : members) {
      m.proxy().latency(Duration.ZERO);
      m.proxy().pass();
      if (m.isRunning() && m.isPaused()) {
        m.resume();
      }
    }
    List<EtcdMember> stopped = members.stream().filter(m -> !m.isRunning()).collect(Collectors.toList());
    for (EtcdMember m : stopped) {
      try {
        m.process().start(token);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start etcd member " + m.name(), e);
      }
    }
    awaitHealthy();
  }

  /** Waits until every running member reports healthy. */
  public void awaitHealthy() {
    for (EtcdMember m : members) {
      if (m.isRunning()) {
        m.awaitHealthy(config.startTimeout);
      }
    }
  }

  /** The directory that holds every member's data and log. */
  public Path directory() {
    return directory;
  }

  String token() {
    return token;
  }

  EtcdGateway gateway() {
    return gateway;
  }

  /** The local etcd binary the members run, or empty when they run in Docker. */
  Optional<Path> binary() {
    return Optional.ofNullable(binary);
  }

  String clientScheme() {
    return pki != null ? "https" : "http";
  }

  Duration startTimeout() {
    return config.startTimeout;
  }

  private void startAll() {
    for (EtcdMember m : members) {
      try {
        m.process().start(token);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start etcd member " + m.name(), e);
      }
    }
    awaitHealthy();
  }

  /** Kills every member, closes the proxies and deletes the data. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EtcdMember m : members) {
      try {
        m.process().kill();
        m.process().deleteData();
      } catch (IOException | RuntimeException e) {
        // keep going: the rest must die too
      }
      m.proxy().close();
    }
    if (config.docker) {
      DockerMemberProcess.closeNetworkOf(members);
    }
    ProcessLedger.deleteOrLeaveForSweep(directory);
    OPEN.remove(this);
  }

  @Override
  public String toString() {
    return "EtcdCluster" + members;
  }

  private interface GatewayCall<T> {
    T call(java.net.InetSocketAddress member) throws IOException;
  }

  private interface GatewayAction {
    void run(java.net.InetSocketAddress member) throws IOException;
  }

  /**
   * Runs a gateway call on the first running member that answers. A refusal that any member would
   * give (a 4xx: bad argument, failed precondition, authentication) fails at once; a transient one
   * (no leader yet, "leader changed" while a killed leader is replaced, a refused connection) is
   * tried again on every running member until the cluster's start timeout.
   */
  private <T> T call(GatewayCall<T> call) {
    long deadline = System.nanoTime() + config.startTimeout.toNanos();
    IOException last = null;
    while (true) {
      for (EtcdMember m : members) {
        if (!m.isRunning() || m.isPaused()) {
          continue;
        }
        try {
          return call.call(m.process().clientAddress());
        } catch (EtcdGateway.Refused e) {
          if (e.definitive()) {
            throw new IllegalStateException(e.getMessage(), e);
          }
          last = e;
        } catch (IOException e) {
          last = e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no etcd member answered within " + config.startTimeout + ": " + members, last);
      }
      pollPause();
    }
  }

  private void run(GatewayAction action) {
    call(
        a -> {
          action.run(a);
          return null;
        });
  }

  static void pollPause() {
    try {
      Thread.sleep(25); // the pause between two polls of a process we cannot get a callback from
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcd", e);
    }
  }

  private static String newToken() {
    return "dynconf-" + UUID.randomUUID();
  }

  /** Settings for a cluster; {@link #start()} starts it. */
  public static final class Builder {
    private int members = 1;
    private @Nullable Path binary;
    private Duration heartbeat = Duration.ofMillis(100);
    private Duration electionTimeout = Duration.ofMillis(1000);
    private Duration startTimeout = Duration.ofSeconds(30);
    private List<String> extraArgs = List.of();
    private boolean docker;
    private boolean tls;
    private boolean clientCertAuth;
    private @Nullable String authUser;
    private @Nullable String authPassword;
    private @Nullable Duration authTokenTtl;

    private Builder() {}

    /** Number of members, 1 to 7 (default 1). */
    public Builder members(int members) {
      if (members < 1 || members > 7) {
        throw new IllegalArgumentException("members must be 1..7, was " + members);
      }
      this.members = members;
      return this;
    }

    /** The etcd binary; by default found as the class javadoc says. */
    public Builder binary(Path binary) {
      this.binary = binary;
      return this;
    }

    /** etcd's raft heartbeat interval and election timeout (defaults 100 ms and 1 s, etcd's own). */
    public Builder raftTiming(Duration heartbeat, Duration electionTimeout) {
      if (heartbeat.isNegative() || heartbeat.isZero() || electionTimeout.compareTo(heartbeat.multipliedBy(5)) < 0) {
        throw new IllegalArgumentException(
            "need heartbeat > 0 and election timeout >= 5 x heartbeat, got " + heartbeat + " and " + electionTimeout);
      }
      this.heartbeat = heartbeat;
      this.electionTimeout = electionTimeout;
      return this;
    }

    /** How long a start, restart or heal may take before it fails (default 30 s). */
    public Builder startTimeout(Duration startTimeout) {
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /** More etcd flags, given to every member, e.g. {@code "--max-request-bytes", "10485760"}. */
    public Builder extraArgs(String... args) {
      this.extraArgs = List.of(args);
      return this;
    }

    /**
     * Serve clients over https (default false) with a server certificate for {@code 127.0.0.1} and
     * {@code localhost} from a CA made for the cluster; see {@link EtcdCluster#tlsMaterial()}.
     * Needs a local etcd binary (the Docker fallback serves plain http only).
     */
    public Builder tls(boolean tls) {
      this.tls = tls;
      if (!tls) {
        this.clientCertAuth = false;
      }
      return this;
    }

    /**
     * Require a client certificate signed by the cluster's CA ({@code --client-cert-auth
     * --trusted-ca-file}); {@code true} implies {@link #tls(boolean) tls(true)}.
     */
    public Builder clientCertAuth(boolean required) {
      this.clientCertAuth = required;
      if (required) {
        this.tls = true;
      }
      return this;
    }

    /**
     * Enable etcd's authentication after start: create {@code user} with {@code password}, grant
     * it the root role, enable auth. etcd enables auth only when a user named {@code root} exists,
     * so {@code user} must be {@code root}; add more users with {@link EtcdCluster#addUser}.
     */
    public Builder auth(String user, String password) {
      if (!user.equals("root")) {
        throw new IllegalArgumentException(
            "etcd enables auth only with a user named root, was " + user + "; add more users with addUser");
      }
      if (password.isEmpty()) {
        throw new IllegalArgumentException("the root password must not be empty");
      }
      this.authUser = user;
      this.authPassword = password;
      return this;
    }

    /**
     * Lifetime of etcd's simple auth tokens ({@code --auth-token simple --auth-token-ttl}; etcd's
     * default is 300 s). A simple token expires when it has not been used for this long (each
     * call renews it); etcd checks once a second, so it is gone between {@code ttl} and {@code ttl
     * + 1 s} after its last use, and etcd logs {@code "deleted a simple token"} with the user name.
     * Whole seconds, at least one.
     */
    public Builder authTokenTtl(Duration ttl) {
      if (ttl.toMillis() % 1000 != 0 || ttl.getSeconds() < 1) {
        throw new IllegalArgumentException("the auth token TTL is whole seconds, at least 1, was " + ttl);
      }
      this.authTokenTtl = ttl;
      return this;
    }

    int memberCount() {
      return members;
    }

    /** Starts the cluster; returns when every member is healthy. */
    public EtcdCluster start() {
      ProcessLedger.sweepStale();
      Optional<Path> bin = EtcdBinary.findOrInstall(binary);
      if (bin.isEmpty()) {
        if (!DockerMemberProcess.dockerAvailable()) {
          throw new IllegalStateException(EtcdBinary.HOW_TO_INSTALL);
        }
        if (tls) {
          throw new IllegalStateException(
              "a TLS etcd test cluster needs a local etcd binary; the Docker fallback serves plain http only. "
                  + EtcdBinary.HOW_TO_INSTALL);
        }
        docker = true;
      }
      List<String> args = new ArrayList<>(extraArgs);
      if (authTokenTtl != null) {
        args.addAll(List.of("--auth-token", "simple", "--auth-token-ttl", Long.toString(authTokenTtl.getSeconds())));
      }
      args.addAll(
          List.of(
              "--heartbeat-interval", Long.toString(heartbeat.toMillis()),
              "--election-timeout", Long.toString(electionTimeout.toMillis())));
      IllegalStateException failure = null;
      for (int attempt = 1; attempt <= 3; attempt++) {
        EtcdCluster cluster = null;
        try {
          cluster = create(bin.orElse(null), args);
          OPEN.add(cluster);
          cluster.startAll();
          cluster.setUpAuth();
          return cluster;
        } catch (RuntimeException e) {
          failure = e instanceof IllegalStateException ise ? ise : new IllegalStateException(e.getMessage(), e);
          boolean portTaken = cluster != null
              && cluster.members.stream().anyMatch(m -> m.logTail(50).contains("address already in use"));
          if (cluster != null) {
            cluster.close();
          }
          if (!portTaken) {
            throw failure;
          }
          // another process took a port between our probe and etcd's bind: new ports, again
        }
      }
      throw failure;
    }

    private EtcdCluster create(@Nullable Path bin, List<String> args) {
      try {
        Path dir = ProcessLedger.newClusterDirectory();
        String token = newToken();
        TestPki pki = tls ? TestPki.create(dir.resolve("pki")) : null;
        List<String> memberArgs = new ArrayList<>(args);
        if (pki != null) {
          memberArgs.addAll(List.of("--cert-file", pki.serverCert.toString(), "--key-file", pki.serverKey.toString()));
          if (clientCertAuth) {
            memberArgs.addAll(List.of("--client-cert-auth", "--trusted-ca-file", pki.caCert.toString()));
          }
        }
        String scheme = pki != null ? "https" : "http";
        List<String> names = new ArrayList<>();
        for (int i = 0; i < members; i++) {
          names.add("m" + i);
        }
        List<MemberProcess> processes = new ArrayList<>();
        if (bin != null) {
          int[] ports = freePorts(2 * members);
          String initialCluster = "";
          for (int i = 0; i < members; i++) {
            initialCluster += (i == 0 ? "" : ",") + names.get(i) + "=http://127.0.0.1:" + ports[2 * i + 1];
          }
          for (int i = 0; i < members; i++) {
            processes.add(
                new LocalMemberProcess(bin, names.get(i), scheme, ports[2 * i], ports[2 * i + 1], initialCluster, dir, memberArgs));
          }
        } else {
          processes.addAll(DockerMemberProcess.create(names, memberArgs));
        }
        List<EtcdMember> list = new ArrayList<>();
        EtcdCluster cluster = new EtcdCluster(this, dir, Collections.unmodifiableList(list), token, pki, bin);
        for (int i = 0; i < members; i++) {
          list.add(new EtcdMember(cluster, i, names.get(i), processes.get(i)));
        }
        return cluster;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare an etcd cluster", e);
      }
    }

    /** Ports free now; held together while probing so that they are distinct. */
    private static int[] freePorts(int n) throws IOException {
      List<ServerSocket> held = new ArrayList<>();
      try {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
          ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          s.setReuseAddress(true);
          held.add(s);
          ports[i] = s.getLocalPort();
        }
        return ports;
      } finally {
        for (ServerSocket s : held) {
          s.close();
        }
      }
    }
  }
}
