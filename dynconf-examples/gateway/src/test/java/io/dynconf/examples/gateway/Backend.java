package io.dynconf.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP upstream for the gateway tests (the JDK's server): {@code /echo...} answers with
 * its name, the request line and chosen headers; {@code /upload} counts the body bytes as they
 * arrive; {@code /download?bytes=N} streams N bytes; {@code /status/N} answers N. Records every
 * request's headers and counts connections.
 */
final class Backend implements AutoCloseable {
  final String name;
  final HttpServer server;
  final List<Map<String, List<String>>> requests = new CopyOnWriteArrayList<>();
  final AtomicLong uploaded = new AtomicLong();
  /** Bytes of {@code /download} bodies written so far (a write blocked by back-pressure stops it). */
  final AtomicLong downloaded = new AtomicLong();
  final AtomicInteger hits = new AtomicInteger();
  final AtomicInteger brokenDownloads = new AtomicInteger();
  final Map<String, Boolean> connections = new ConcurrentHashMap<>();
  final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

  Backend(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "backend-" + name);
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  String node() {
    return "127.0.0.1:" + port();
  }

  private void handle(HttpExchange ex) throws IOException {
    hits.incrementAndGet();
    connections.put(ex.getRemoteAddress().toString(), true);
    requests.add(Map.copyOf(ex.getRequestHeaders()));
    String path = ex.getRequestURI().getPath();
    try (ex) {
      if (path.startsWith("/upload")) {
        long n = 0;
        try (InputStream in = ex.getRequestBody()) {
          byte[] buf = new byte[65536];
          int r;
          while ((r = in.read(buf)) >= 0) {
            n += r;
            uploaded.addAndGet(r);
          }
        }
        send(ex, 200, "received " + n);
      } else if (path.startsWith("/download")) {
        long bytes = Long.parseLong(ex.getRequestURI().getQuery().replace("bytes=", ""));
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, bytes);
        byte[] buf = new byte[65536];
        try (OutputStream out = ex.getResponseBody()) {
          for (long left = bytes; left > 0; left -= Math.min(left, buf.length)) {
            out.write(buf, 0, (int) Math.min(left, buf.length));
            downloaded.addAndGet(Math.min(left, buf.length));
          }
        } catch (IOException e) {
          brokenDownloads.incrementAndGet(); // the gateway closed the upstream connection mid-body
          throw e;
        }
      } else if (path.startsWith("/gated")) {
        // 1 MiB, then wait for the test to open the gate (it does once that MiB reached the client)
        long bytes = Long.parseLong(ex.getRequestURI().getQuery().replace("bytes=", ""));
        ex.sendResponseHeaders(200, bytes);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = ex.getResponseBody()) {
          out.write(buf);
          out.flush();
          try {
            if (!gate.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
              throw new IOException("gate never opened");
            }
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
          for (long left = bytes - buf.length; left > 0; left -= Math.min(left, buf.length)) {
            out.write(buf, 0, (int) Math.min(left, buf.length));
          }
        }
      } else if (path.startsWith("/status/")) {
        ex.getRequestBody().readAllBytes();
        send(ex, Integer.parseInt(path.substring(8)), name + " status");
      } else {
        byte[] body = ex.getRequestBody().readAllBytes();
        send(ex, 200, name + " " + ex.getRequestMethod() + " " + ex.getRequestURI() + " body=" + body.length);
      }
    }
  }

  private static void send(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.getResponseHeaders().set("Connection", "keep-alive");
    ex.getResponseHeaders().set("Keep-Alive", "timeout=5");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }

  String header(int request, String name) {
    List<String> v = requests.get(request).get(name);
    return v == null ? null : String.join(",", v);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
