package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 towards clients attacked by a hostile client speaking raw frames on a socket: what the
 * gateway must refuse or bound whatever the client sends.
 */
class GatewayHttp2AttackTest {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  @RegisterExtension final StandaloneGateway fixture = new StandaloneGateway();
  private Gateway gateway;
  private Backend backend;

  private void start(String... extra) throws Exception {
    gateway = fixture.start(dir, "web", StandaloneGateway.oneRoute("open", "/*"), extra);
    backend = fixture.backend();
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) (stream >>> 24);
    f[6] = (byte) (stream >>> 16);
    f[7] = (byte) (stream >>> 8);
    f[8] = (byte) stream;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  /** Reads frames until GOAWAY or end of stream; completes with what ended the connection. */
  private static CompletableFuture<String> readUntilGoneAway(InputStream in) {
    CompletableFuture<String> gone = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      DataInputStream data = new DataInputStream(in);
      try {
        while (true) {
          int length = (data.readUnsignedByte() << 16) | (data.readUnsignedByte() << 8) | data.readUnsignedByte();
          int type = data.readUnsignedByte();
          data.skipNBytes(5 + length);
          if (type == 7) {
            gone.complete("GOAWAY");
            return;
          }
        }
      } catch (EOFException e) {
        gone.complete("EOF");
      } catch (IOException e) {
        gone.complete("closed: " + e);
      }
    }, "h2-attack-reader");
    reader.setDaemon(true);
    reader.start();
    return gone;
  }

  /**
   * The keep-alive timeout of an HTTP/2 connection counts time without streams, as nginx's does:
   * a client that opens no stream but sends a PING now and then must not hold its connection (and
   * its slot under the connection limit) forever. Today the connection's idle timer is an
   * {@code IdleStateHandler} reset by every frame read, so the PINGs keep it open indefinitely.
   */
  @Test
  void pingsWithoutStreamsDoNotKeepAConnectionPastTheKeepaliveTimeout() throws Exception {
    start("--h2c", "true", "--keepalive-timeout", "1s");
    try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(PREFACE);
      out.write(frame(4, 0, 0, new byte[0])); // SETTINGS
      out.write(frame(4, 1, 0, new byte[0])); // ack of the gateway's SETTINGS
      out.flush();
      CompletableFuture<String> gone = readUntilGoneAway(s.getInputStream());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
      try {
        while (!gone.isDone() && System.nanoTime() < deadline) {
          out.write(frame(6, 0, 0, new byte[8])); // PING, no stream ever opened
          out.flush();
          try {
            gone.get(200, TimeUnit.MILLISECONDS);
          } catch (TimeoutException stillOpen) {
            // next ping
          }
        }
      } catch (IOException closedWhileWriting) {
        // the gateway closed it: what the test wants
      }
      assertThat(gone.isDone() || s.isClosed())
          .as("an HTTP/2 connection with no stream for 6 s, keep-alive timeout 1 s, still open thanks to PINGs")
          .isTrue();
    }
  }

  /**
   * On a plain listener without {@code --h2c}, an HTTP/2 preface is not an HTTP/1.1 request: the
   * gateway must refuse it, never send a {@code PRI *} request to an upstream.
   */
  @Test
  void anH2cPrefaceWithoutH2cIsNotProxiedAsARequest() throws Exception {
    start();
    try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(PREFACE);
      out.write(frame(4, 0, 0, new byte[0]));
      out.flush();
      byte[] head = s.getInputStream().readNBytes(12);
      String status = new String(head, StandardCharsets.US_ASCII);
      System.out.println("answer to an h2c preface without --h2c: " + status);
      assertThat(backend.requests).as("requests the upstream received").isEmpty();
      assertThat(status).matches("HTTP/1\\.1 (400|405|505|501).*|");
    }
  }

  /**
   * HTTP/2 rapid reset (CVE-2023-44487): a client opening streams and resetting them at once must
   * be cut off (GOAWAY) rather than make the gateway start an upstream exchange for each.
   */
  @Test
  void rapidResetIsCutOff() throws Exception {
    start("--h2c", "true");
    try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(PREFACE);
      out.write(frame(4, 0, 0, new byte[0]));
      out.write(frame(4, 1, 0, new byte[0]));
      CompletableFuture<String> gone = readUntilGoneAway(s.getInputStream());
      byte[] get = {(byte) 0x82, (byte) 0x86, (byte) 0x84}; // :method GET, :scheme http, :path / (static table)
      byte[] cancel = {0, 0, 0, 8};
      int sent = 0;
      try {
        for (int stream = 1; stream < 2 * 5_000 && !gone.isDone(); stream += 2) {
          out.write(frame(1, 4, stream, get)); // HEADERS, END_HEADERS: the request's body still to come
          out.write(frame(3, 0, stream, cancel)); // RST_STREAM CANCEL
          sent++;
        }
        out.flush();
      } catch (IOException closedWhileWriting) {
        // cut off while writing: what the test wants
      }
      String how = gone.get(20, TimeUnit.SECONDS);
      System.out.println("rapid reset: " + how + " after " + sent + " streams; upstream saw " + backend.requests.size());
      // the socket's buffers take all the client writes whenever the gateway reads them, so what counts is
      // that the gateway said GOAWAY and that few of the streams reached an upstream
      assertThat(how).isEqualTo("GOAWAY");
      assertThat(backend.requests.size()).as("requests reaching the upstream from %s reset streams", sent).isLessThan(500);
    }
  }

  /** A client that stops in the middle of the h2c preface is closed by the header timeout, as any slow head. */
  @Test
  void aPrefaceThatStopsHalfwayIsClosedByTheHeaderTimeout() throws Exception {
    start("--h2c", "true", "--client-header-timeout", "1s");
    try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(PREFACE, 0, 10);
      out.flush();
      long t0 = System.nanoTime();
      int r;
      try {
        r = s.getInputStream().read();
        while (r >= 0) {
          r = s.getInputStream().read();
        }
      } catch (java.net.SocketException reset) {
        r = -2;
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      System.out.println("half a preface: closed after " + ms + " ms");
      assertThat(ms).isLessThan(5_000);
    }
  }
}
