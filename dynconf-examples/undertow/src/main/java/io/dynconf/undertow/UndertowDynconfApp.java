package io.dynconf.undertow;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.FileSource;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A reverse proxy on Undertow that routes with dynconf: every request is matched against the
 * registry's routes and proxied to a node of the route's upstream, chosen by the upstream's
 * balancer. A change in the registry (a route's {@code uri}, its upstream, an upstream's nodes)
 * applies to the next request, with no restart and no lock on the request path.
 *
 * <pre>{@code
 * ConfigRegistry registry = ConfigRegistry.builder(source).build().start(); // file, etcd or in-memory
 * registry.awaitReady(Duration.ofSeconds(10));
 * try (UndertowDynconfApp app = UndertowDynconfApp.start(registry, "0.0.0.0", 9080)) {
 *   ... // app.port()
 * }
 * }</pre>
 *
 * <p>The handler is {@link DynconfRoutingHandler}: non-blocking, it runs on Undertow's IO threads
 * (no worker dispatch) and proxies through Undertow's {@code ProxyHandler}. Run it on an APISIX
 * standalone file, with {@code dynconf-undertow} and its dependencies on the class path: {@code
 * java -cp ... io.dynconf.undertow.UndertowDynconfApp conf/apisix.yaml 9080}. The registry stays the
 * caller's: {@link #close()} stops the server, the route table and the balancers, not the
 * registry.
 */
public final class UndertowDynconfApp implements AutoCloseable {
  /** The default deadline of a proxied request, as APISIX's default upstream timeouts allow. */
  public static final int DEFAULT_MAX_REQUEST_TIME_MS = 60_000;

  private final Undertow server;
  private final RouteTable routes;
  private final Balancers balancers;
  private final int port;

  private UndertowDynconfApp(Undertow server, RouteTable routes, Balancers balancers, int port) {
    this.server = server;
    this.routes = routes;
    this.balancers = balancers;
    this.port = port;
  }

  /**
   * Starts the server on {@code host:port} (port 0 picks a free one) over a started registry.
   * Returns once the server listens.
   */
  public static UndertowDynconfApp start(ConfigRegistry registry, String host, int port) {
    RouteTable routes = RouteTable.attach(registry);
    Balancers balancers = Balancers.create();
    try {
      Undertow server = Undertow.builder()
          .addHttpListener(port, host)
          .setIoThreads(Math.max(2, Runtime.getRuntime().availableProcessors()))
          .setHandler(new DynconfRoutingHandler(routes, balancers, DEFAULT_MAX_REQUEST_TIME_MS))
          .build();
      server.start();
      int bound = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
      return new UndertowDynconfApp(server, routes, balancers, bound);
    } catch (RuntimeException e) {
      routes.close();
      balancers.close();
      throw e;
    }
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** The route table the server follows (for {@code skipped()} and the like). */
  public RouteTable routes() {
    return routes;
  }

  /** The balancers (per-node state) of the server. */
  public Balancers balancers() {
    return balancers;
  }

  /** Stops the server (in-flight exchanges are dropped), then the route table and the balancers. */
  @Override
  public void close() {
    server.stop();
    routes.close();
    balancers.close();
  }

  /** {@code UndertowDynconfApp <apisix.yaml> [port] [host]}: serves until the JVM stops. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: UndertowDynconfApp <apisix.yaml> [port, default 9080] [host, default 0.0.0.0]");
      System.exit(2);
    }
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 9080;
    String host = args.length > 2 ? args[2] : "0.0.0.0";
    FileSource source = FileSource.builder(Path.of(args[0])).build();
    ConfigRegistry registry = ConfigRegistry.builder(source).build().start();
    if (!registry.awaitReady(Duration.ofSeconds(30))) {
      System.err.println("configuration not ready after 30 s: " + registry.status());
      System.exit(1);
    }
    UndertowDynconfApp app = start(registry, host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close();
      registry.close();
      source.close();
    }, "undertow-dynconf-shutdown"));
    System.out.println("Undertow with dynconf routing on " + host + ":" + app.port() + " from " + args[0]);
  }
}
