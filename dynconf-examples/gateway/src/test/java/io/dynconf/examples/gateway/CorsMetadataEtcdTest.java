package io.dynconf.examples.gateway;

import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.net.URI;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link CorsMetadataScenarios} on a real etcd. */
class CorsMetadataEtcdTest extends CorsMetadataScenarios {
  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1);

  @TempDir Path dir;

  @BeforeEach
  void startGateway() throws Exception {
    ETCD.cluster().deleteAll();
    String endpoints = ETCD.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    gw = new PluginGateway(dir, "--etcd", endpoints);
  }

  @AfterEach
  void stopGateway() {
    gw.close();
  }
}
