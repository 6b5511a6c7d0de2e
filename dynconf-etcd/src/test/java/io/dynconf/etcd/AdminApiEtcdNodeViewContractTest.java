package io.dynconf.etcd;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.admin.AdminApi;
import io.dynconf.core.admin.AdminApiContract;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole admin API contract on a real etcd with writes reading a registry's view first (as the
 * gateway runs it): every verb, status and race holds when a write's first attempt makes one etcd
 * call and its view may be behind.
 */
class AdminApiEtcdNodeViewContractTest extends AdminApiContract {
  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();
  private ConfigRegistry registry;

  @Override
  protected ConfigSource createSource() throws Exception {
    ETCD.cluster().deleteAll();
    EtcdSource etcd = EtcdSource.builder()
        .endpoints(ETCD.cluster().endpoints())
        .requestTimeout(Duration.ofSeconds(5))
        .progressInterval(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
        .build();
    registry = ConfigRegistry.builder(etcd).types(StandardTypes.all()).build().start();
    if (!registry.awaitReady(Duration.ofSeconds(10))) {
      throw new IllegalStateException("the registry did not start: " + registry.status());
    }
    return etcd;
  }

  @Override
  protected AdminApi.Builder configure(AdminApi.Builder builder) {
    return builder.nodeView(registry::appliedValue);
  }

  @AfterEach
  void closeRegistry() { // before the contract closes the source
    registry.close();
  }
}
