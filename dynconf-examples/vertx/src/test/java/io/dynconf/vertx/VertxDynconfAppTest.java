package io.dynconf.vertx;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.netty.contract.EmbeddedProxyContract;
import io.vertx.core.Vertx;

/** {@link VertxDynconfApp} against the embedding contract (shared with the Undertow example). */
class VertxDynconfAppTest extends EmbeddedProxyContract {

  @Override
  protected AutoCloseable startApp(ConfigRegistry registry) {
    Vertx vertx = Vertx.vertx();
    return new Started(vertx, VertxDynconfApp.start(vertx, registry, "127.0.0.1", 0).await());
  }

  @Override
  protected int port(AutoCloseable app) {
    return ((Started) app).app.port();
  }

  /** The app and its Vert.x instance, closed in that order. */
  private record Started(Vertx vertx, VertxDynconfApp app) implements AutoCloseable {
    @Override
    public void close() {
      try {
        app.close().await();
      } finally {
        vertx.close().await(); // from the test thread: not from a callback of the Vert.x being closed
      }
    }
  }
}
