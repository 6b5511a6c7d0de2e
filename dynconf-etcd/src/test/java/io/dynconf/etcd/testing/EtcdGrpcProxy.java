package io.dynconf.etcd.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * etcd's own gRPC proxy ({@code etcd grpc-proxy start}, in the same binary as etcd) in front of an
 * {@link EtcdCluster}: a child process of the JVM on a free loopback port, talking to the members'
 * direct endpoints. It coalesces identical watches: many client watchers on one key range become
 * one watcher on etcd.
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.single(); EtcdGrpcProxy proxy = EtcdGrpcProxy.start(etcd)) {
 *   Client client = Client.builder().endpoints(proxy.endpoint()).build();
 * }
 * }</pre>
 *
 * <p>{@link #start(EtcdCluster)} returns when the proxy answers {@code /health} with {@code true}.
 * Like the members, it runs under the watchdog shell of {@link LocalMemberProcess} and is recorded
 * in the {@link ProcessLedger}, so it dies with the JVM however the JVM ends; {@link #close()} and
 * a shutdown hook kill it earlier. Plain http only, without authentication, and only with a local
 * etcd binary (not the Docker fallback).
 */
public final class EtcdGrpcProxy implements AutoCloseable {
  private static final Set<EtcdGrpcProxy> OPEN = ConcurrentHashMap.newKeySet();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(EtcdGrpcProxy::close), "etcd-grpc-proxy-cleanup"));
  }

  private final int port;
  private final Path directory;
  private final Path logFile;
  private final LocalMemberProcess.Watched process;
  private boolean closed;

  private EtcdGrpcProxy(int port, Path directory, Path logFile, LocalMemberProcess.Watched process) {
    this.port = port;
    this.directory = directory;
    this.logFile = logFile;
    this.process = process;
  }

  /**
   * Starts a proxy for every member of {@code cluster} (their direct endpoints) and returns when it
   * is healthy; fails when the cluster serves TLS, runs in Docker, or the proxy does not come up.
   */
  public static EtcdGrpcProxy start(EtcdCluster cluster) {
    if (!cluster.clientScheme().equals("http")) {
      throw new IllegalStateException("EtcdGrpcProxy supports plain http clusters only");
    }
    Path binary = cluster.binary().orElseThrow(
        () -> new IllegalStateException("EtcdGrpcProxy needs a local etcd binary; this cluster runs in Docker"));
    String endpoints = cluster.directEndpoints().stream()
        .map(u -> u.getHost() + ":" + u.getPort())
        .collect(Collectors.joining(","));
    IllegalStateException failure = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      EtcdGrpcProxy proxy = null;
      try {
        ProcessLedger.sweepStale();
        Path dir = ProcessLedger.newClusterDirectory();
        Path log = dir.resolve("grpc-proxy.log");
        int port = freePort();
        List<String> argv = new ArrayList<>(List.of(
            binary.toString(), "grpc-proxy", "start",
            "--endpoints", endpoints,
            "--listen-addr", "127.0.0.1:" + port,
            "--data-dir", dir.resolve("proxy-data").toString()));
        Files.writeString(log, "---- start grpc-proxy for " + endpoints + "\n");
        proxy = new EtcdGrpcProxy(port, dir, log, LocalMemberProcess.startWatched(argv, log, dir, "etcd grpc-proxy"));
        OPEN.add(proxy);
        proxy.awaitHealthy();
        return proxy;
      } catch (IOException | RuntimeException e) {
        failure = new IllegalStateException("etcd grpc-proxy did not start: " + e.getMessage(), e);
        boolean portTaken = proxy != null && proxy.logTail(50).contains("address already in use");
        if (proxy != null) {
          proxy.close();
        }
        if (!portTaken) {
          throw failure;
        }
        // another process took the port between our probe and the proxy's bind: a new port, again
      }
    }
    throw failure;
  }

  /** The endpoint clients use, {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The proxy's process id (not its watchdog shell's). */
  public OptionalLong pid() {
    return process.process().isAlive() ? OptionalLong.of(process.process().pid()) : OptionalLong.empty();
  }

  /** The last lines of the proxy's log, for failure messages. */
  public String logTail(int lines) {
    return LocalMemberProcess.tail(logFile, lines);
  }

  private void awaitHealthy() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.process().isAlive()) {
        throw new IllegalStateException("etcd grpc-proxy exited:\n" + logTail(20));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/health").toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(2000);
        try (InputStream in = c.getInputStream()) {
          last = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
          c.disconnect();
        }
        if (last.contains("\"health\":\"true\"")) {
          return;
        }
      } catch (IOException e) {
        last = e.toString(); // not listening yet
      }
      EtcdCluster.pollPause();
    }
    throw new IllegalStateException("etcd grpc-proxy not healthy after " + START_TIMEOUT + " (last: " + last + "):\n" + logTail(20));
  }

  /** Kills the proxy and deletes its directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ProcessHandle h = process.process();
    h.destroyForcibly();
    ProcessLedger.awaitExit(h, Duration.ofSeconds(10));
    process.release();
    ProcessLedger.deleteOrLeaveForSweep(directory);
    OPEN.remove(this);
  }

  @Override
  public String toString() {
    return "EtcdGrpcProxy[" + endpoint() + "]";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
