package io.dynconf.radix.balance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.dynconf.core.apisix.Upstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTP(S) backend on 127.0.0.1 that records what it receives and answers a status the test
 * sets; it can be stopped and started again on the same port.
 */
final class Backend implements AutoCloseable {
  /** One request as received. */
  record Seen(String method, String path, @Nullable String host, List<String> headers) {}

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final AtomicInteger status = new AtomicInteger(200);
  private final @Nullable SSLContext tls;
  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "backend");
    t.setDaemon(true);
    return t;
  });
  private int port;
  private @Nullable HttpServer server;

  private Backend(@Nullable SSLContext tls) {
    this.tls = tls;
  }

  static Backend http() {
    Backend b = new Backend(null);
    b.start(0);
    return b;
  }

  static Backend https(SSLContext context) {
    Backend b = new Backend(context);
    b.start(0);
    return b;
  }

  int port() {
    return port;
  }

  Upstream.Node node() {
    return new Upstream.Node("127.0.0.1", port, 1, 0, Map.of());
  }

  /** Requests received for this path. */
  long count(String path) {
    return seen.stream().filter(s -> s.path().equals(path)).count();
  }

  synchronized void start() {
    start(port);
  }

  private synchronized void start(int at) {
    if (server != null) {
      return;
    }
    HttpServer s;
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), at);
      if (tls != null) {
        HttpsServer h = HttpsServer.create(address, 16);
        h.setHttpsConfigurator(new HttpsConfigurator(tls));
        s = h;
      } else {
        s = HttpServer.create(address, 16);
      }
    } catch (BindException e) {
      throw new UncheckedIOException("port " + at + " is still taken", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    s.createContext("/", this::handle);
    s.setExecutor(executor);
    s.start();
    port = s.getAddress().getPort();
    server = s;
  }

  private void handle(HttpExchange ex) throws IOException {
    List<String> headers = new CopyOnWriteArrayList<>();
    ex.getRequestHeaders().forEach((k, v) -> v.forEach(value -> headers.add(k.toLowerCase(Locale.ROOT) + ": " + value)));
    seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestHeaders().getFirst("Host"), headers));
    ex.getRequestBody().readAllBytes();
    ex.sendResponseHeaders(status.get(), -1);
    ex.close();
  }

  /** Closes the listening socket: connections are refused until {@link #start()}. */
  synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  @Override
  public void close() {
    stop();
    executor.shutdownNow();
  }
}
