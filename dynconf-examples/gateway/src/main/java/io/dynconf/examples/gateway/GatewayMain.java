package io.dynconf.examples.gateway;

import java.io.PrintStream;

/**
 * {@code java -jar dynconf-gateway.jar [flags]}: runs the example gateway until interrupted.
 *
 * <pre>
 * --listen HOST:PORT        data plane (default 127.0.0.1:9080)
 * --admin-listen HOST:PORT  admin API (default 127.0.0.1:9180)
 * --admin-key KEY           admin key (default: generated on first start, kept in the data dir)
 * --viewer-key KEY          an optional read-only admin key
 * --etcd URL[,URL...]       etcd mode (default: standalone)
 * --prefix PREFIX           etcd prefix (default /apisix)
 * --standalone FILE         standalone file (default DATA_DIR/apisix.yaml, written on first start)
 * --data-dir DIR            state directory (default ./dynconf-gateway-data)
 * --echo-listen HOST:PORT   the demo echo upstream (default 127.0.0.1:9081; "off" disables it)
 * --tls-listen HOST:PORT    HTTPS data plane, certificates by SNI from the ssls (default: none)
 * --http2 B                true (default): the TLS listener offers h2 by ALPN
 * --h2c B                  true: the plain listener also takes HTTP/2 with prior knowledge (default false)
 * --stream-listen HOST:PORT[,...]  TCP listeners of the stream proxy (stream_routes)
 * --stream-sni-listen HOST:PORT[,...]  the same for TLS clients, also routed by SNI
 * --status-listen HOST:PORT GET /dynconf/health for probes, on its own listener (default: none)
 * --transport T            auto (default: io_uring on Linux where allowed, else native epoll, else NIO), nio, epoll or io_uring
 * --router-mode MODE        radixtree_host_uri (default), radixtree_uri or radixtree_uri_with_parameter
 * --tls-default-cert FILE   PEM certificate for handshakes that match no ssl (default: self-signed)
 * --tls-default-key FILE    its PEM private key
 * --tls-key-encryption-key ID:BASE64[,...]  AES keys that open $aesgcm$ private keys
 * --client-header-timeout, --keepalive-timeout, --client-body-timeout, --send-timeout DURATION
 *                           client timeouts (nginx's defaults 60s, 75s, 60s, 60s)
 * --max-connections N       client connections at most (default: from the descriptor limit)
 * --config FILE             a YAML file with the same keys
 * </pre>
 */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      usage(System.out);
      return;
    }
    GatewayConfig config;
    try {
      config = GatewayConfig.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("dynconf-gateway: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(config);
    } catch (IllegalArgumentException e) { // a value the flags let through but the gateway refuses
      System.err.println("dynconf-gateway: " + e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) { // a port in use, an unreadable file, ...: the reason, then the detail
      System.err.println("dynconf-gateway: could not start: " + e);
      e.printStackTrace();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "dynconf-gateway-shutdown"));
    PrintStream out = System.out;
    out.println("dynconf-gateway serving on http://" + hostPort(gateway.dataAddress().getHostString(), gateway.dataAddress().getPort()));
    if (gateway.tlsAddress() != null) {
      out.println("  HTTPS:       https://" + hostPort(gateway.tlsAddress().getHostString(), gateway.tlsAddress().getPort())
          + " (certificates by SNI from the ssls)");
    }
    out.println("  admin API:   " + (config.admin().tlsCert() == null ? "http" : "https") + "://" + hostPort(gateway.adminAddress().getHostString(), gateway.adminAddress().getPort()) + "/apisix/admin");
    out.println("  config:      " + (config.etcdMode() ? "etcd " + String.join(",", config.etcd()) + " prefix " + config.prefix()
        : "standalone file " + gateway.configFile().toAbsolutePath()));
    if (gateway.echoAddress() != null) {
      out.println("  demo echo upstream: http://" + hostPort(gateway.echoAddress().getHostString(), gateway.echoAddress().getPort())
          + " (try: curl http://" + hostPort(gateway.dataAddress().getHostString(), gateway.dataAddress().getPort()) + "/hello)");
    }
    if (gateway.generatedAdminKey() != null) {
      out.println("  admin key (generated now, shown once, kept in " + config.dataDir().resolve("admin.key") + "):");
      out.println("    " + gateway.generatedAdminKey());
    }
    out.flush();
    gateway.awaitClose();
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static void usage(PrintStream out) {
    out.println("""
        usage: java -jar dynconf-gateway.jar [flags]
          --listen HOST:PORT        data plane (default 127.0.0.1:9080)
          --admin-listen HOST:PORT  admin API (default 127.0.0.1:9180)
          --admin-key KEY           admin key (default: generated on first start, kept in the data dir)
          --viewer-key KEY          an optional read-only admin key
          --admin-tls CERT,KEY      serve the admin API over HTTPS with these PEM files (default: plain HTTP)
          --metrics-require-key B   true: /apisix/prometheus/metrics needs the admin or viewer key (default false)
          --admin-cors ORIGINS      answer these browser origins (comma-separated, or *) with CORS headers (default: off)
          --etcd URL[,URL...]       etcd mode (default: standalone file)
          --prefix PREFIX           etcd prefix (default /apisix)
          --standalone FILE         standalone file (default DATA_DIR/apisix.yaml, written on first start)
          --data-dir DIR            state directory (default ./dynconf-gateway-data)
          --echo-listen HOST:PORT   demo echo upstream (default 127.0.0.1:9081; off to disable)
          --tls-listen HOST:PORT    HTTPS data plane, certificates by SNI from the ssls (default: none)
          --http2 B                 true (default): the TLS listener offers h2 by ALPN; false: HTTP/1.1 only
          --h2c B                   true: the plain listener also takes HTTP/2 with prior knowledge (default false)
          --stream-listen HOST:PORT[,...]      TCP listeners of the stream proxy (stream_routes; default: none)
          --stream-sni-listen HOST:PORT[,...]  the same for TLS clients, also routed by SNI (TLS passes through)
          --status-listen HOST:PORT GET /dynconf/health for probes, on its own listener (default: none)
          --transport T             auto (default): Linux's io_uring where the kernel allows it, else native epoll, else the JVM's NIO; nio; epoll; io_uring
          --router-mode MODE        APISIX's router.http: radixtree_host_uri (default; :name is literal),
                                    radixtree_uri, radixtree_uri_with_parameter (:name binds a segment)
          --tls-default-cert FILE   PEM certificate for handshakes that match no ssl (default: self-signed)
          --tls-default-key FILE    its PEM private key
          --tls-key-encryption-key ID:BASE64[,...]  AES keys (16/24/32 bytes) that open $aesgcm$ private keys
          --client-header-timeout D  to read a request head (default 60s; 300ms, 60s, 2m)
          --keepalive-timeout D      an idle kept-alive client connection (default 75s)
          --client-body-timeout D    between two reads of a request body (default 60s)
          --send-timeout D           between two writes to a client that stops reading (default 60s)
          --max-connections N        client connections at most (default: from the descriptor limit)
          --config FILE             YAML file with the same keys (flags win)""");
  }
}
