package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.tls.TrustAll;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * The sockets of one logger plugin's senders (http-logger, syslog, tcp-logger, udp-logger): a TCP
 * connection per batch, TLS optional, each watched by a deadline that closes it (a server that
 * accepts and never reads cannot hold a sender thread longer), and datagrams. It knows the
 * connections in flight, so that {@link #close()} ends them at once. Thread-safe; the sends run on
 * the plugin's {@link LogBatcher} sender threads and block them, never an event loop.
 */
final class LogSockets {
  /** The largest UDP payload over IPv4. */
  static final int MAX_DATAGRAM = 65507;

  private final LogBatcher batcher;
  private final Set<Socket> inFlight = ConcurrentHashMap.newKeySet();

  /** {@code batcher}: the plugin's batch processor, whose timer thread runs the deadlines. */
  LogSockets(LogBatcher batcher) {
    this.batcher = batcher;
  }

  /**
   * One connection of one send, not yet connected; closing it (always: try-with-resources) cancels
   * its deadline and closes the socket.
   */
  final class Connection implements Closeable {
    private final Socket plain = new Socket();
    private final @Nullable ScheduledFuture<?> deadline;
    private volatile boolean expired;

    private Connection(long deadlineMillis) {
      inFlight.add(plain);
      deadline = batcher.schedule(() -> {
        expired = true;
        closeQuietly(plain);
      }, deadlineMillis);
    }

    /**
     * Connects to {@code host:port} within {@code timeoutMillis}, which then bounds each read and
     * write; with {@code tls}, completes a TLS handshake sending {@code sni} as the server name
     * ({@code host} when null) and, with {@code verify}, checking the certificate against the JDK's
     * trust store and the host name (without, as APISIX's loggers by default, anything is accepted).
     * Returns the socket to write and read on.
     */
    Socket connect(String host, int port, int timeoutMillis, boolean tls, @Nullable String sni, boolean verify) throws IOException {
      plain.connect(new InetSocketAddress(host, port), timeoutMillis);
      plain.setSoTimeout(timeoutMillis);
      return tls ? tls(plain, host, port, sni, verify) : plain;
    }

    /** Whether the deadline closed the socket (what failed then is the server's silence, not the error at hand). */
    boolean expired() {
      return expired;
    }

    @Override
    public void close() {
      if (deadline != null) {
        deadline.cancel(false);
      }
      inFlight.remove(plain);
      closeQuietly(plain);
    }
  }

  /** A connection whose socket is closed {@code deadlineMillis} from now unless closed before. */
  Connection open(long deadlineMillis) {
    return new Connection(deadlineMillis);
  }

  /**
   * Sends {@code payload} over one TCP connection to {@code host:port} and closes it (syslog over
   * tcp, tcp-logger): {@code timeoutMillis} bounds the connect and each write, and three of them
   * bound the whole. Errors name the server and the step that failed.
   */
  void send(String host, int port, int timeoutMillis, boolean tls, @Nullable String sni, byte[] payload) throws IOException {
    String server = "TCP server: host[" + host + "] port[" + port + "]";
    long deadline = 3L * timeoutMillis;
    Connection c = open(deadline);
    String step = "connect to";
    try (c) {
      Socket s = c.connect(host, port, timeoutMillis, false, null, false);
      if (tls) {
        step = "perform TLS handshake with";
        s = tls(s, host, port, sni, false);
      }
      step = "send data to";
      OutputStream out = s.getOutputStream();
      out.write(payload);
      out.flush();
      if (s != c.plain) {
        s.close(); // TLS: close_notify, so that the server reads a clean end
      }
    } catch (SocketException | SSLException e) {
      if (c.expired()) {
        throw new IOException("failed to " + step + " " + server + ": no progress within " + deadline + " ms", e);
      }
      throw new IOException("failed to " + step + " " + server + " err: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IOException("failed to " + step + " " + server + " err: " + e, e);
    }
  }

  /**
   * Sends each payload as one datagram to {@code host:port} (syslog over udp, udp-logger); a
   * payload over {@link #MAX_DATAGRAM} bytes is not sent. Returns how many were not sent.
   */
  static int datagrams(String host, int port, List<byte[]> payloads) throws IOException {
    int tooLarge = 0;
    try (DatagramSocket socket = new DatagramSocket()) {
      InetAddress address = InetAddress.getByName(host);
      for (byte[] p : payloads) {
        if (p.length > MAX_DATAGRAM) {
          tooLarge++;
          continue;
        }
        socket.send(new DatagramPacket(p, p.length, address, port));
      }
    } catch (IOException e) {
      throw new IOException("failed to send data to UDP server: host[" + host + "] port[" + port + "] err: " + e.getMessage(), e);
    }
    return tooLarge;
  }

  /** Closes the connections in flight: a send blocked on a silent server ends now, not at its deadline. */
  void close() {
    for (Socket s : inFlight) {
      closeQuietly(s);
    }
  }

  private static SSLSocket tls(Socket plain, String host, int port, @Nullable String sni, boolean verify) throws IOException {
    SSLSocketFactory factory = verify ? (SSLSocketFactory) SSLSocketFactory.getDefault() : TrustAll.context().getSocketFactory();
    SSLSocket s = (SSLSocket) factory.createSocket(plain, host, port, true);
    SSLParameters p = s.getSSLParameters();
    if (verify) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    if (sni != null) {
      p.setServerNames(List.of(new SNIHostName(sni)));
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing: nothing left to report
    }
  }
}
