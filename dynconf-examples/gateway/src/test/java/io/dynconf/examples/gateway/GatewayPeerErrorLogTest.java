package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Clients opening bad connections in a loop, over real sockets: a TLS ClientHello that is not
 * one, an HTTP/2 connection that sends a frame over the maximum size. Each used to log a warning
 * with a stack trace of some 40 lines (Netty's), so a loop of them filled the log; now each is
 * counted ({@code io.dynconf.netty.PeerErrors}, each at DEBUG with its stack) and the log gets one
 * INFO line at most every 10 s.
 */
class GatewayPeerErrorLogTest {
  private static final int EACH = 40;

  @TempDir Path dir;
  private Gateway gateway;
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger peerErrors = (Logger) LoggerFactory.getLogger("io.dynconf.netty.PeerErrors");
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();

  @AfterEach
  void stop() {
    root.detachAppender(events);
    peerErrors.setLevel(null);
    if (gateway != null) {
      gateway.close();
    }
  }

  private static void badConnection(int port, byte[] bytes) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(bytes);
      InputStream in = s.getInputStream();
      in.readAllBytes(); // until the gateway closes it
    } catch (java.net.SocketException reset) {
      // closed with a reset: closed too
    }
  }

  @Test
  void badTlsHandshakesAndHttp2ProtocolErrorsAreCountedNotEachLoggedWithAStackTrace() throws Exception {
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--h2c", "true", "--data-dir", dir.toString(),
        "--admin-key", GatewayAdminTest.KEY}));
    events.start();
    root.addAppender(events);
    peerErrors.setLevel(Level.DEBUG);

    byte[] notAClientHello = new byte[110];
    System.arraycopy(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'}, 0, notAClientHello, 0, 10);
    ByteBuffer h2 = ByteBuffer.allocate(24 + 9 + 9 + 20_000);
    h2.put("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    h2.put(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // SETTINGS, empty
    h2.put(new byte[] {0, 0x4e, 0x20, 0, 0, 0, 0, 0, 1}); // DATA of 20,000 bytes on stream 1: over the 16,384 maximum
    for (int i = 0; i < EACH; i++) {
      badConnection(gateway.tlsAddress().getPort(), notAClientHello);
      badConnection(gateway.dataAddress().getPort(), h2.array());
    }

    // each connection above was closed by the gateway after it handled (and logged) the error
    List<ILoggingEvent> all;
    synchronized (events) { // AppenderBase appends under this lock, from the event loops
      all = new java.util.ArrayList<>(events.list);
    }
    List<ILoggingEvent> loud = all.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
        || (e.getThrowableProxy() != null && e.getLevel().isGreaterOrEqual(Level.INFO))).toList();
    // on main: a WARN with a stack trace for every one of the 80 connections
    assertThat(loud).as("warnings or stack traces logged for %d bad connections", 2 * EACH)
        .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    assertThat(all.stream().filter(e -> e.getLoggerName().equals("io.dynconf.netty.PeerErrors")
        && e.getLevel() == Level.DEBUG)).as("each error still counted, its stack at DEBUG").hasSizeGreaterThanOrEqualTo(2 * EACH);
  }
}
