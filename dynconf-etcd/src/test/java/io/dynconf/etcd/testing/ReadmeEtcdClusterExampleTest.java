package io.dynconf.etcd.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's example of testing against real etcd, run for real (its text is checked by core's ReadmeSnippetsTest). */
class ReadmeEtcdClusterExampleTest {
  // --- README example begins
  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(3);

  @Test
  void survivesLeaderLoss() throws Exception {
    try (Client client = Client.builder().endpoints(ETCD.cluster().endpoints().toArray(URI[]::new)).build()) {
      ETCD.cluster().leader().kill();                  // kill -9; also stop(), restart(), pause(), resume()
      ETCD.cluster().member(0).proxy().blackhole();    // also drop(), latency(Duration), pass()
      ETCD.cluster().compact();                        // also wipe(): revisions start over from 1
    }
  }
  // --- README example ends

  @AfterEach
  void theClusterStillHasALeader() {
    assertThat(ETCD.cluster().leader()).as("two of three members keep a quorum").isNotNull();
  }
}
