package io.dynconf.etcd;

import io.dynconf.core.admin.AdminApiContract;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API contract (every verb and status, the races) on a real etcd. */
class AdminApiEtcdContractTest extends AdminApiContract {
  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  @Override
  protected ConfigSource createSource() {
    ETCD.cluster().deleteAll();
    return EtcdSource.builder()
        .endpoints(ETCD.cluster().endpoints())
        .requestTimeout(Duration.ofSeconds(5))
        .progressInterval(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
        .pageSize(50) // listings of more than 50 keys span several pages
        .build();
  }
}
