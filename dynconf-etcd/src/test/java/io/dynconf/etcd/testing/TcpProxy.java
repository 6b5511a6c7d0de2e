package io.dynconf.etcd.testing;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A TCP proxy on a loopback port in front of one etcd member, for fault injection on the client's
 * path. Its listening port stays the same for the proxy's life, also when the member behind it
 * restarts, so a client can keep its endpoint list.
 *
 * <ul>
 *   <li>{@link #pass()}: forward both ways (the default);
 *   <li>{@link #drop()}: reset every open connection and every new one, like a host that is down;
 *   <li>{@link #blackhole()}: accept, then never answer: bytes are held (as TCP would hold them in
 *       a partition) and delivered when the proxy passes again;
 *   <li>{@link #latency(Duration)}: deliver each chunk this long after it was read, both ways.
 * </ul>
 *
 * <p>Thread-safe. One pair of threads per direction per connection; meant for tests, not load.
 */
public final class TcpProxy implements Closeable {
  /** What the proxy does with traffic. */
  public enum Mode {
    PASS,
    DROP,
    BLACKHOLE
  }

  private static final byte[] POISON = new byte[0];

  private final String name;
  private final ServerSocket server;
  private final Supplier<InetSocketAddress> target;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private volatile Mode mode = Mode.PASS;
  private volatile long latencyNanos;
  private volatile boolean closed;

  TcpProxy(String name, Supplier<InetSocketAddress> target) throws IOException {
    this.name = name;
    this.target = target;
    this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + name + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * A proxy of its own on a free loopback port, to whatever {@code target} names at each new
   * connection: for one client's own path to a member (a node cut off alone, while others keep
   * their path through the member's shared {@link EtcdMember#proxy()}).
   */
  public static TcpProxy to(String name, Supplier<InetSocketAddress> target) throws IOException {
    return new TcpProxy(name, target);
  }

  /** The address clients use. */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  /** {@code http://127.0.0.1:port}, the form etcd clients take. */
  public URI uri() {
    return URI.create("http://" + server.getInetAddress().getHostAddress() + ":" + server.getLocalPort());
  }

  public Mode mode() {
    return mode;
  }

  public Duration latency() {
    return Duration.ofNanos(latencyNanos);
  }

  /** Forward traffic again; held bytes of black-holed connections are delivered. */
  public void pass() {
    setMode(Mode.PASS);
  }

  /** Reset every open connection and every new one until {@link #pass()}. */
  public void drop() {
    setMode(Mode.DROP);
    resetConnections();
  }

  /** Accept connections but forward nothing, either way, until {@link #pass()}. */
  public void blackhole() {
    setMode(Mode.BLACKHOLE);
  }

  /** Delay every chunk by {@code latency} in each direction (zero to turn it off). */
  public void latency(Duration latency) {
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative: " + latency);
    }
    latencyNanos = latency.toNanos();
  }

  /** Reset the connections open now; later ones are treated by the current mode. */
  public void resetConnections() {
    for (Link link : links) {
      link.reset();
    }
  }

  /** How many client connections are open through the proxy. */
  public int openConnections() {
    return links.size();
  }

  private void setMode(Mode next) {
    synchronized (gate) {
      mode = next;
      gate.notifyAll();
    }
  }

  /** Blocks while black-holed; returns the mode that ended the wait. */
  private Mode awaitNotBlackholed() throws InterruptedException {
    synchronized (gate) {
      while (mode == Mode.BLACKHOLE && !closed) {
        gate.wait();
      }
      return closed ? Mode.DROP : mode;
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      if (mode == Mode.DROP) {
        resetQuietly(client);
        continue;
      }
      Link link = new Link(client);
      links.add(link);
      Thread t = new Thread(link::open, "tcp-proxy-" + name + "-open");
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public void close() {
    closed = true;
    setMode(Mode.DROP);
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    resetConnections();
  }

  private static void resetQuietly(Socket s) {
    try {
      s.setSoLinger(true, 0); // RST rather than FIN: the peer sees the connection torn down
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  /** One client connection and its upstream connection. */
  private final class Link {
    private final Socket client;
    private volatile Socket upstream;

    Link(Socket client) {
      this.client = client;
    }

    void open() {
      try {
        // A black hole accepts but answers nothing: wait before even dialling the member.
        if (awaitNotBlackholed() == Mode.DROP) {
          reset();
          return;
        }
        Socket up = new Socket();
        up.connect(target.get(), 2_000);
        up.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
        upstream = up;
        pump(client, up, "up");
        pump(up, client, "down");
      } catch (IOException e) {
        reset();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reset();
      }
    }

    private void pump(Socket from, Socket to, String direction) throws IOException {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      BlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
      Thread reader =
          new Thread(
              () -> {
                byte[] buffer = new byte[16 * 1024];
                try {
                  int n;
                  while ((n = in.read(buffer)) >= 0) {
                    if (awaitNotBlackholed() == Mode.DROP) {
                      break;
                    }
                    line.put(new Chunk(System.nanoTime() + latencyNanos, Arrays.copyOf(buffer, n)));
                  }
                } catch (IOException e) {
                  // the connection ended
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                line.offer(new Chunk(0, POISON));
              },
              "tcp-proxy-" + name + "-" + direction + "-read");
      Thread writer =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Chunk c = line.take();
                    if (c.bytes == POISON) {
                      break;
                    }
                    long wait = c.due - System.nanoTime();
                    if (wait > 0) {
                      TimeUnit.NANOSECONDS.sleep(wait); // a delay line: the latency is the point
                    }
                    if (awaitNotBlackholed() == Mode.DROP) {
                      break;
                    }
                    out.write(c.bytes);
                    out.flush();
                  }
                  to.shutdownOutput(); // pass the half-close on
                } catch (IOException | InterruptedException e) {
                  // fall through to the reset below
                }
                if (from.isClosed() || to.isClosed() || mode == Mode.DROP) {
                  reset();
                } else if (from.isInputShutdown() || to.isOutputShutdown()) {
                  maybeClose();
                }
              },
              "tcp-proxy-" + name + "-" + direction + "-write");
      reader.setDaemon(true);
      writer.setDaemon(true);
      reader.start();
      writer.start();
    }

    private synchronized void maybeClose() {
      Socket up = upstream;
      if (client.isOutputShutdown() && up != null && up.isOutputShutdown()) {
        closeQuietly(client);
        closeQuietly(up);
        links.remove(this);
      }
    }

    void reset() {
      resetQuietly(client);
      Socket up = upstream;
      if (up != null) {
        resetQuietly(up);
      }
      links.remove(this);
    }

    private void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  private record Chunk(long due, byte[] bytes) {}

  @Override
  public String toString() {
    return "TcpProxy[" + name + " " + address() + " -> " + safeTarget() + ", " + mode + ", latency " + latency() + "]";
  }

  private String safeTarget() {
    try {
      return String.valueOf(target.get());
    } catch (RuntimeException e) {
      return "?";
    }
  }
}
