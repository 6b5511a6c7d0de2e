package io.dynconf.undertow;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.netty.contract.EmbeddedProxyContract;

/** {@link UndertowDynconfApp} against the embedding contract. */
class UndertowDynconfAppTest extends EmbeddedProxyContract {
  @Override
  protected AutoCloseable startApp(ConfigRegistry registry) {
    return UndertowDynconfApp.start(registry, "127.0.0.1", 0);
  }

  @Override
  protected boolean hostRefusesMalformedQueries() {
    return true; // Undertow's parser answers 400 to ?a=%zz before the handler
  }

  @Override
  protected int port(AutoCloseable app) {
    return ((UndertowDynconfApp) app).port();
  }
}
