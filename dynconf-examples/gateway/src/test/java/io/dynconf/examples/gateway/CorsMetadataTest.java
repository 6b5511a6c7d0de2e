package io.dynconf.examples.gateway;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** {@link CorsMetadataScenarios} on the gateway's standalone file. */
class CorsMetadataTest extends CorsMetadataScenarios {
  @TempDir Path dir;

  @BeforeEach
  void startGateway() throws Exception {
    gw = new PluginGateway(dir);
  }

  @AfterEach
  void stopGateway() {
    gw.close();
  }
}
