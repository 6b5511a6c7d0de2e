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
  private volatile String token;
  private volatile boolean closed;

  private EtcdCluster(Builder config, Path directory, List<EtcdMember> members, String token) {
    this.config = config;
    this.directory = directory;
    this.members = members;
    this.token = token;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A started single-member cluster. */
  public static EtcdCluster single() {
    return builder().members(1).start();
  }

  /** Client endpoints through the members' proxies, in member order. */
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
        EtcdGateway.Status s = EtcdGateway.status(m.process().clientAddress());
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
    return call(EtcdGateway::revision);
  }

  /** The cluster id (decimal); it changes on {@link #wipe()}. */
  public String clusterId() {
    return call(a -> EtcdGateway.status(a).clusterId());
  }

  /** Compacts (physically) to the current revision; returns that revision. */
  public long compact() {
    return call(
        a -> {
          long revision = EtcdGateway.revision(a);
          EtcdGateway.compact(a, revision);
          return revision;
        });
  }

  /** Deletes every key (revisions keep counting); returns how many were deleted. */
  public long deleteAll() {
    return call(EtcdGateway::deleteAll);
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
    startAll();
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
    try {
      ProcessLedger.deleteRecursively(directory);
    } catch (IOException e) {
      // the sweep of a later run deletes it
    }
    OPEN.remove(this);
  }

  @Override
  public String toString() {
    return "EtcdCluster" + members;
  }

  private interface GatewayCall<T> {
    T call(java.net.InetSocketAddress member) throws IOException;
  }

  /** Runs a gateway call on the first running member that answers. */
  private <T> T call(GatewayCall<T> call) {
    IOException last = null;
    for (EtcdMember m : members) {
      if (!m.isRunning() || m.isPaused()) {
        continue;
      }
      try {
        return call.call(m.process().clientAddress());
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IllegalStateException("no etcd member answered: " + members, last);
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
        docker = true;
      }
      List<String> args = new ArrayList<>(extraArgs);
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
            processes.add(new LocalMemberProcess(bin, names.get(i), ports[2 * i], ports[2 * i + 1], initialCluster, dir, args));
          }
        } else {
          processes.addAll(DockerMemberProcess.create(names, args));
        }
        List<EtcdMember> list = new ArrayList<>();
        EtcdCluster cluster = new EtcdCluster(this, dir, Collections.unmodifiableList(list), token);
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
