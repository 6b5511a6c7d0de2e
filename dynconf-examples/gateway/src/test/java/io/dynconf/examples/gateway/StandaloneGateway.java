package io.dynconf.examples.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jspecify.annotations.Nullable;

/**
 * The set-up the data-plane tests share, as a JUnit extension: a {@link Backend}, an APISIX
 * standalone file whose routes lead to it, and a gateway on loopback ports over that file; both are
 * closed after each test. Use: {@code @RegisterExtension final StandaloneGateway fixture = new
 * StandaloneGateway();}, then {@code fixture.start(dir, ...)}.
 */
final class StandaloneGateway implements AfterEachCallback {
  private @Nullable Backend backend;
  private @Nullable Gateway gateway;

  /** One route {@code id} on {@code uri} to the backend, as a standalone file's text. */
  static Function<String, String> oneRoute(String id, String uri) {
    return node -> "routes:\n  - id: " + id + "\n    uri: " + uri + "\n    upstream:\n      nodes:\n        \"" + node
        + "\": 1\n#END\n";
  }

  /**
   * Starts a backend named {@code backendName} and a gateway on the file {@code routes} makes of the
   * backend's {@code host:port}, in {@code dir}; {@code flags} come after the defaults (loopback
   * ports, no echo upstream, {@link GatewayAdminTest#KEY}) and may override them.
   */
  Gateway start(Path dir, String backendName, Function<String, String> routes, String... flags) throws Exception {
    backend = new Backend(backendName);
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, routes.apply(backend.node()));
    List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(), "--standalone", file.toString(),
        "--admin-key", GatewayAdminTest.KEY));
    args.addAll(List.of(flags));
    gateway = Gateway.start(GatewayConfig.parse(args.toArray(String[]::new)));
    return gateway;
  }

  Backend backend() {
    if (backend == null) {
      throw new IllegalStateException("start() first");
    }
    return backend;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } finally {
      if (backend != null) {
        backend.close();
      }
      gateway = null;
      backend = null;
    }
  }
}
