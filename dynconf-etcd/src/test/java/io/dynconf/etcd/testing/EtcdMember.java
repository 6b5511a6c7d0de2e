package io.dynconf.etcd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * One member of an {@link EtcdCluster}, with its fault controls. Clients reach it through its
 * {@link #proxy()} at {@link #endpoint()}; {@link #directEndpoint()} bypasses the proxy. Both are
 * {@code https://} URIs when the cluster serves TLS (the proxy forwards the TLS bytes unchanged).
 *
 * <p>The controls block until the fault is in effect: {@link #kill()} returns when the process is
 * gone, {@link #restart()} when the member is healthy again. Thread-safe.
 */
public final class EtcdMember {
  private final EtcdCluster cluster;
  private final int index;
  private final String name;
  private final MemberProcess process;
  private final TcpProxy proxy;

  EtcdMember(EtcdCluster cluster, int index, String name, MemberProcess process) throws IOException {
    this.cluster = cluster;
    this.index = index;
    this.name = name;
    this.process = process;
    this.proxy = new TcpProxy(name, process::clientAddress);
  }

  public int index() {
    return index;
  }

  public String name() {
    return name;
  }

  /** The client endpoint through this member's proxy; stable across restarts. */
  public URI endpoint() {
    InetSocketAddress a = proxy.address();
    return URI.create(cluster.clientScheme() + "://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  /** The member's own client endpoint, without the proxy (it may change on restart in Docker). */
  public URI directEndpoint() {
    InetSocketAddress a = process.clientAddress();
    return URI.create(cluster.clientScheme() + "://" + a.getHostString() + ":" + a.getPort());
  }

  public TcpProxy proxy() {
    return proxy;
  }

  /** The etcd process id, when the member runs as a local process. */
  public OptionalLong pid() {
    return process.pid();
  }

  public synchronized boolean isRunning() {
    return process.isRunning();
  }

  public synchronized boolean isPaused() {
    return process.isPaused();
  }

  /** The member's id as etcd reports it (decimal). */
  public String memberId() {
    return status().memberId();
  }

  /** True when this member is the leader now. */
  public boolean isLeader() {
    return isRunning() && !isPaused() && status().isLeader();
  }

  EtcdGateway.Status status() {
    try {
      return cluster.gateway().status(process.clientAddress());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the status of etcd member " + name, e);
    }
  }

  boolean healthy() {
    return isRunning() && !isPaused() && cluster.gateway().healthy(process.clientAddress());
  }

  /** Graceful stop (SIGTERM); the data stays for {@link #start()}. */
  public synchronized void stop() {
    process.stop();
  }

  /** {@code kill -9}; the data stays for {@link #start()}. */
  public synchronized void kill() {
    process.kill();
  }

  /** Starts a stopped member on its data and waits until it is healthy. */
  public void start() {
    synchronized (this) {
      if (process.isRunning()) {
        return;
      }
      try {
        process.start(cluster.token());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start etcd member " + name, e);
      }
    }
    awaitHealthy(cluster.startTimeout());
  }

  /** Stops (SIGTERM) and starts again on the same data, then waits until healthy. */
  public void restart() {
    stop();
    start();
  }

  /** SIGSTOP: the member keeps its sockets open but answers nothing, like a partitioned host. */
  public synchronized void pause() {
    process.pause();
  }

  /** SIGCONT. */
  public synchronized void resume() {
    process.resume();
  }

  /** Waits until the member answers {@code /health} with true. */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!healthy()) {
      if (!isRunning()) {
        throw new IllegalStateException("etcd member " + name + " is not running; its log ends with:\n" + logTail(30));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "etcd member " + name + " not healthy after " + timeout + "; its log ends with:\n" + logTail(30));
      }
      EtcdCluster.pollPause();
    }
  }

  /** The last lines of this member's log. */
  public String logTail(int lines) {
    return process.logTail(lines);
  }

  MemberProcess process() {
    return process;
  }

  @Override
  public String toString() {
    return "EtcdMember[" + name + " " + endpoint() + (isRunning() ? (isPaused() ? " paused" : " running") : " stopped") + "]";
  }
}
