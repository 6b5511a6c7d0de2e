package io.dynconf.etcd;

import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.testing.ConfigSourceContract;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The core source contract, on a real etcd. */
class EtcdSourceContractTest extends ConfigSourceContract {
  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  @Override
  protected ConfigSource createSource() {
    ETCD.cluster().deleteAll();
    return EtcdSource.builder()
        .endpoints(ETCD.cluster().endpoints())
        .requestTimeout(Duration.ofSeconds(5))
        .progressInterval(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
        .pageSize(2) // every listing here spans several pages
        .build();
  }

  @Override
  protected void forceReset(ConfigSource source) {
    ((EtcdSource) source).resetForTest("forced by the test");
  }

  @Override
  protected void compactTo(ConfigSource source, long revision) throws Exception {
    ((EtcdSource) source).client().getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
  }

  @Override
  protected void redeliver(ConfigSource source, int n) {
    ((EtcdSource) source).redeliverForTest(n);
  }

  @Override
  protected boolean dropsRedeliveries() {
    return true;
  }
}
