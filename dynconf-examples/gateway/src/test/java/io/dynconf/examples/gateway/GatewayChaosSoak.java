package io.dynconf.examples.gateway;

import io.dynconf.etcd.EtcdChaosSoak;
import io.dynconf.etcd.EtcdSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Issue 13, item 9 with the gateway: {@link EtcdChaosSoak}'s faults and checks (every node equals
 * the model of etcd's valid values after healing, revisions never go backwards, no thread dies, a
 * cut is reported within twice the health threshold) over its two registries and one example
 * gateway in etcd mode, reached through its own TCP proxies. Outside CI: {@code
 * scripts/chaos-soak.sh --gateway}.
 */
class GatewayChaosSoak extends EtcdChaosSoak {
  /** The gateway's etcd source asks for progress every 5 s: its health threshold is 10 s, the soak allows twice that. */
  private static final Duration GATEWAY_BOUND = Duration.ofSeconds(20);

  @Override
  protected List<NodeFactory> extraNodes() {
    return List.of((name, endpoints) -> {
      Path dir = Files.createTempDirectory("dynconf-soak-gateway");
      Gateway gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
          "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", "soak-admin-key-0123456789",
          "--etcd", endpoints.stream().map(URI::toString).collect(Collectors.joining(","))}));
      return new Built((EtcdSource) gateway.source(), gateway.registry(), gateway, GATEWAY_BOUND);
    });
  }
}
