package io.dynconf.netty.contract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The most gullible upstream a guarded route can have, over a raw socket: it decodes the path
 * twice, reads a backslash, {@code %5C} and the overlong {@code C0 AF} as {@code /}, takes
 * {@code ..;} for {@code ..}, resolves dot segments and merges slashes, and then serves
 * {@code PRIVATE <path>} for anything under {@code /private/} (else {@code public <target>}). A
 * gateway in front of it routes every spelling of {@code /private/...} to the guarded route, or the
 * private content leaks. {@link #guard} instead answers every request 401 (the guarded route's
 * upstream in the embeddings, which have no plugins). Records each request target it received.
 */
public final class NormalisingBackend implements AutoCloseable {
  /** Spellings of {@code /private/x} (and of paths under it) that must never reach the public route. */
  public static final List<String> SPELLINGS = List.of(
      "/%70rivate/x", "/public/../private/x", "/public/%2e%2e/private/x", "//private/x", "/private%2fx", "/./private/x",
      "/public/%2E%2E/private/x", "/public/%2e%2E/private/x", "/%2Fprivate/x", "///private/x", "/private//x",
      "/public/x/../../private/x", "/public/%2e%2e%2fprivate/x", "/public/..%2fprivate/x", "/public%2f..%2fprivate%2fx",
      "/public/%252e%252e/private/x", "/%2570rivate/x", "/public\\..\\private/x", "/private\\x",
      "/public/%5c..%5cprivate/x", "/public%C0%AF..%C0%AFprivate/x", "/%C0%AFprivate/x", "/public/..;/private/x",
      "/private/x/.", "/private/x/..", "/private/x/%2e", "/private/.", "/public/../private/", "/.%2e/private/x",
      "/%2e/private/x", "/public/.%2e/private/x", "/public/%2e./private/x", "/pr%69vate/x", "/%70%72%69%76%61%74%65/x",
      "/private%2Fx?y=1", "/public/../private/x?a=%2e%2e", "/private/%2e%2e%2e/x");

  private static final String[] PIECES = {"/", "//", "private", "public", "x", "p", "rivate", "%70", "%2f", "%2F", "%5c",
      "\\", ".", "..", "%2e", "%2E", "%252e", "%252f", "%c0%af", "%C0%AF", ";", ";x=1", "..;", "%3b", "%00", "%", "%25", "?",
      "#", "%23", "%3f", "/./", "/../", "\u00c3\u00a9", "%e9"};

  /**
   * A random request target for the {@code i}-th probe: odd ones respell {@code /private/x} one to
   * four times, even ones join pieces attackers use ({@code %2e}, {@code ..;}, {@code %c0%af}, ...).
   */
  public static String randomTarget(java.util.Random random, int i) {
    if (i % 2 == 0) { // pieces at random
      StringBuilder t = new StringBuilder("/");
      int n = 2 + random.nextInt(7);
      for (int k = 0; k < n; k++) {
        t.append(PIECES[random.nextInt(PIECES.length)]);
      }
      return t.toString();
    } else { // /private/x, respelled
      return respell("/private/x", random);
    }
  }

  /** One to four respellings a server might undo: encodings, dot segments, slashes, backslashes. */
  static String respell(String path, java.util.Random random) {
    String t = path;
    for (int m = 1 + random.nextInt(4); m > 0; m--) {
      int at = 1 + random.nextInt(Math.max(1, t.length() - 1));
      String pct = String.format(random.nextBoolean() ? "%%%02x" : "%%%02X", (int) t.charAt(Math.min(at, t.length() - 1)));
      t = switch (random.nextInt(9)) {
        case 0 -> t.substring(0, at) + pct + t.substring(Math.min(at + 1, t.length())); // one character encoded
        case 1 -> "/public/.." + t;
        case 2 -> "/public/%2e%2e" + t;
        case 3 -> t.replaceFirst("/", random.nextBoolean() ? "//" : "/./");
        case 4 -> t.replace("/", random.nextBoolean() ? "%2f" : "\\");
        case 5 -> "/public/%252e%252e" + t;
        case 6 -> t.replaceFirst("/", "/public%c0%af..%c0%af");
        case 7 -> "/public/..;" + t;
        default -> t + (random.nextBoolean() ? "/." : "/x/..");
      };
    }
    return t;
  }

  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "normalising-backend");
    t.setDaemon(true);
    return t;
  });
  private final boolean guard;
  /** Every request target received, in order. */
  public final List<String> targets = new CopyOnWriteArrayList<>();

  private NormalisingBackend(boolean guard) throws IOException {
    this.guard = guard;
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  /** The gullible backend of the class comment. */
  public static NormalisingBackend start() throws IOException {
    return new NormalisingBackend(false);
  }

  /** A backend that answers every request 401 {@code guarded}. */
  public static NormalisingBackend guard() throws IOException {
    return new NormalisingBackend(true);
  }

  public String node() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(10_000);
      String head = readHead(s.getInputStream());
      if (head == null) {
        return;
      }
      String[] line = head.substring(0, head.indexOf("\r\n")).split(" ");
      String target = line.length > 1 ? line[1] : "";
      targets.add(target);
      int status;
      String body;
      if (guard) {
        status = 401;
        body = "guarded";
      } else {
        String path = gullible(target);
        status = 200;
        body = path.startsWith("/private/") ? "PRIVATE " + path : "public " + target;
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      s.getOutputStream().write(("HTTP/1.1 " + status + " X\r\nContent-Type: text/plain\r\nContent-Length: " + b.length
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().write(b);
      s.getOutputStream().flush();
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      int c;
      while ((c = in.read()) >= 0) {
        out.write(c);
        String sofar = out.toString(StandardCharsets.ISO_8859_1);
        if (sofar.endsWith("\r\n\r\n")) {
          return sofar;
        }
      }
    } catch (SocketTimeoutException e) {
      return null;
    }
    return null;
  }

  /** What a very lenient server makes of a target: see the class comment. */
  public static String gullible(String target) {
    String t = target;
    int scheme = t.indexOf("://");
    if (scheme > 0 && scheme < 8) {
      int slash = t.indexOf('/', scheme + 3);
      t = slash < 0 ? "/" : t.substring(slash);
    }
    int q = t.indexOf('?');
    String p = q < 0 ? t : t.substring(0, q);
    for (int round = 0; round < 2; round++) {
      p = decode(p);
    }
    p = p.replace("\u00c0\u00af", "/").replace("\u00e0\u0080\u00af", "/").replace('\\', '/');
    Deque<String> out = new ArrayDeque<>();
    for (String seg : p.split("/")) {
      String s = seg.startsWith("..;") ? ".." : seg.startsWith(".;") ? "." : seg;
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        out.pollLast();
      } else {
        out.addLast(s);
      }
    }
    String joined = "/" + String.join("/", out);
    boolean dir = p.endsWith("/") || p.endsWith("/.") || p.endsWith("/..");
    return dir && !joined.endsWith("/") ? joined + "/" : joined;
  }

  /** Percent-decodes as bytes read as ISO-8859-1; anything malformed is kept. */
  private static String decode(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }

  /**
   * Sends {@code GET target} with {@code Host: host} over a raw socket (no client normalises it)
   * and returns the whole response as text; the request closes the connection.
   */
  public static String rawGet(int port, String target, String host, String... headers) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      StringBuilder req = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
      for (String h : headers) {
        req.append(h).append("\r\n");
      }
      req.append("Connection: close\r\n\r\n");
      s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** The status code of a raw response, or -1 when there was none. */
  public static int status(String response) {
    return response.startsWith("HTTP/1.") && response.length() >= 12 ? Integer.parseInt(response.substring(9, 12)) : -1;
  }
}
