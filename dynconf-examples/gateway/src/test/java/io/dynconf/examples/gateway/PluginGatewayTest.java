package io.dynconf.examples.gateway;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The per-plugin tests' set-up: a fresh {@link PluginGateway} (real gateway and upstream) per test. */
abstract class PluginGatewayTest {
  @TempDir Path dir;
  PluginGateway gw;

  @BeforeEach
  void startGateway() throws Exception {
    gw = new PluginGateway(dir);
  }

  @AfterEach
  void stopGateway() {
    gw.close();
  }
}
