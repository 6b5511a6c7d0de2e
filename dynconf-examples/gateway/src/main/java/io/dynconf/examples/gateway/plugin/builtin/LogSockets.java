package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.tls.TrustAll;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** The sockets the loggers' senders open: TLS over a connected socket, and closing one from a watchdog. */
final class LogSockets {
  private LogSockets() {}

  /**
   * TLS over the connected {@code plain} socket to {@code host:port}, handshake done; with {@code
   * verify}, the JDK's trust store and the host name are checked.
   */
  static SSLSocket tls(Socket plain, String host, int port, boolean verify) throws IOException {
    SSLSocketFactory factory = verify ? (SSLSocketFactory) SSLSocketFactory.getDefault() : TrustAll.context().getSocketFactory() /* verify false, APISIX's loggers' default */;
    SSLSocket s = (SSLSocket) factory.createSocket(plain, host, port, true);
    if (verify) {
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(p);
    }
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
