package io.dynconf.examples.gateway.plugin.builtin;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** The sockets the loggers' senders open: TLS over a connected socket, and closing one from a watchdog. */
final class LogSockets {
  private LogSockets() {}

  /** For {@code verify} false (APISIX's loggers' default): the log server's certificate is not checked. */
  private static final SSLContext TRUST_ALL = trustAll();

  /**
   * TLS over the connected {@code plain} socket to {@code host:port}, handshake done; with {@code
   * verify}, the JDK's trust store and the host name are checked.
   */
  static SSLSocket tls(Socket plain, String host, int port, boolean verify) throws IOException {
    SSLSocketFactory factory = verify ? (SSLSocketFactory) SSLSocketFactory.getDefault() : TRUST_ALL.getSocketFactory();
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

  private static SSLContext trustAll() {
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      return c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS context", e);
    }
  }
}
