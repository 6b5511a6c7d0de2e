package io.dynconf.core.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The one TLS client context that checks nothing: any chain, any name. For APISIX's switches that
 * turn verification off ({@code https_verify_certificate: false} of health checks, the loggers'
 * {@code ssl_verify: false} and {@code tls} without verification), and for nothing else. The
 * trust manager is an {@link X509ExtendedTrustManager}, so the JDK does not wrap it with its own
 * endpoint identification (which a plain {@code X509TrustManager} would get when the caller sets
 * an identification algorithm).
 */
public final class TrustAll {
  private TrustAll() {}

  private static final class Holder {
    static final SSLContext CONTEXT = build();
  }

  /** The shared context (built once, on first use); its socket factories and engines trust any server. */
  public static SSLContext context() {
    return Holder.CONTEXT;
  }

  /** A trust manager that accepts any chain for any name. */
  public static X509ExtendedTrustManager manager() {
    return new Manager();
  }

  private static SSLContext build() {
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {new Manager()}, null);
      return c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS context in this JDK", e);
    }
  }

  private static final class Manager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
