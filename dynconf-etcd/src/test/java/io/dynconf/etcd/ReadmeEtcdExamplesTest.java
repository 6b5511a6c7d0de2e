package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.Health;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's etcd registry example, run for real (its text is checked by core's ReadmeSnippetsTest). */
class ReadmeEtcdExamplesTest {
  @Test
  void readmeEtcdRegistryExample() throws Exception {
    // --- README example begins
    EtcdSource etcd = EtcdSource.builder()
        .endpoints("http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379")
        .auth("apisix", "secret")                       // optional; tls(ca, cert, key) too
        .build();
    ConfigRegistry registry = ConfigRegistry.builder(etcd)
        .lastKnownGood(Path.of("/var/lib/myapp/dynconf-lkg.json"))  // serve this if etcd is down at start
        .build().start();
    // --- README example ends
    try (etcd; registry) {
      // none of these addresses answers here, and there is no last-known-good file: nothing to serve
      await().atMost(Duration.ofSeconds(30)).until(() -> registry.health().status() == Health.Status.DOWN
          && registry.health().reason() != null);
      assertThat(registry.health().serving()).isFalse();
    }
  }
}
