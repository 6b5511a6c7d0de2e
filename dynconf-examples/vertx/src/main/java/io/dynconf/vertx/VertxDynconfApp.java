package io.dynconf.vertx;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.FileSource;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A reverse proxy on Vert.x that routes with dynconf: every request is matched against the
 * registry's routes and forwarded to a node of the route's upstream, chosen by the upstream's
 * balancer. A change in the registry (a route's {@code uri}, its upstream, an upstream's nodes)
 * applies to the next request, with no restart, no lock and nothing blocking the event loop.
 *
 * <pre>{@code
 * ConfigRegistry registry = ConfigRegistry.builder(source).build().start(); // file, etcd or in-memory
 * registry.awaitReady(Duration.ofSeconds(10));                              // not on an event loop
 * VertxDynconfApp app = VertxDynconfApp.start(vertx, registry, "0.0.0.0", 9080).await();
 * ...
 * app.close().await();
 * }</pre>
 *
 * <p>The request handler is {@link DynconfProxyHandler}; upstream connections come from one pooled
 * Vert.x {@link HttpClient}. Run it on an APISIX standalone file, with {@code dynconf-vertx} and
 * its dependencies on the class path: {@code java -cp ... io.dynconf.vertx.VertxDynconfApp
 * conf/apisix.yaml 9080}. The Vert.x instance and the registry stay the caller's: {@link #close()}
 * stops the server, the client, the route table and the balancers.
 */
public final class VertxDynconfApp {
  private final HttpServer server;
  private final HttpClient client;
  private final RouteTable routes;
  private final Balancers balancers;

  private VertxDynconfApp(HttpServer server, HttpClient client, RouteTable routes, Balancers balancers) {
    this.server = server;
    this.client = client;
    this.routes = routes;
    this.balancers = balancers;
  }

  /**
   * Starts the server on {@code host:port} (port 0 picks a free one) over a started registry; the
   * future completes once it listens.
   */
  public static Future<VertxDynconfApp> start(Vertx vertx, ConfigRegistry registry, String host, int port) {
    RouteTable routes = RouteTable.attach(registry);
    Balancers balancers = Balancers.create();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
    return vertx.createHttpServer()
        .requestHandler(new DynconfProxyHandler(routes, balancers, client))
        .listen(port, host)
        .map(server -> new VertxDynconfApp(server, client, routes, balancers))
        .onFailure(e -> {
          client.close();
          routes.close();
          balancers.close();
        });
  }

  /** The port the server listens on. */
  public int port() {
    return server.actualPort();
  }

  /** The route table the server follows (for {@code skipped()} and the like). */
  public RouteTable routes() {
    return routes;
  }

  /** The balancers (per-node state) of the server. */
  public Balancers balancers() {
    return balancers;
  }

  /** Stops the server and the client, then the route table and the balancers. */
  public Future<Void> close() {
    return server.close()
        .eventually(client::close)
        .andThen(ar -> {
          routes.close();
          balancers.close();
        });
  }

  /** {@code VertxDynconfApp <apisix.yaml> [port] [host]}: serves until the JVM stops. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: VertxDynconfApp <apisix.yaml> [port, default 9080] [host, default 0.0.0.0]");
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
    Vertx vertx = Vertx.vertx();
    VertxDynconfApp app = start(vertx, registry, host, port).await();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close().await();
      vertx.close().await();
      registry.close();
      source.close();
    }, "vertx-dynconf-shutdown"));
    System.out.println("Vert.x with dynconf routing on " + host + ":" + app.port() + " from " + args[0]);
  }
}
