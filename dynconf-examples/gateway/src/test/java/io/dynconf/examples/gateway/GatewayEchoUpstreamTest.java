package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.netty.contract.NormalisingBackend;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo echo upstream behind the gateway, over real sockets. A request head the gateway passes
 * (up to 16 KiB) but over the echo's codec limit (8 KiB) used to be answered as if it were a
 * request while the echo's codec read nothing more on that connection; the gateway pooled it, so
 * the next client's request on it waited for the upstream timeout. Now: a 400 and the connection
 * closed, the next request answered at once.
 */
class GatewayEchoUpstreamTest {
  @TempDir Path dir;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void aHeadOverTheEchosLimitIsA400AndLeavesNoDeadConnectionInThePool() throws Exception {
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "127.0.0.1:0", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/routes/e", GatewayAdminTest.KEY,
        "{\"uri\":\"/e/*\",\"upstream\":{\"retries\":0,\"timeout\":{\"connect\":5,\"send\":30,\"read\":30},"
            + "\"nodes\":{\"127.0.0.1:" + gateway.echoAddress().getPort() + "\":1}}}");
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    int port = gateway.dataAddress().getPort();
    await().until(() -> NormalisingBackend.status(NormalisingBackend.rawGet(port, "/e/probe", "x")) == 200);

    String big = NormalisingBackend.rawGet(port, "/e/big", "x", "X-Big: " + "b".repeat(12_000));
    // on main: a 200 for the big head, then the request that went out on the dead pooled
    // connection (each event loop has its pool: one of the next few lands on that loop) waited for
    // the 30 s read timeout (rawGet gives up after 10 s: SocketTimeoutException)
    for (int i = 0; i < 4; i++) {
      String next = NormalisingBackend.rawGet(port, "/e/next" + i, "x");
      assertThat(next).startsWith("HTTP/1.1 200 ").contains("\"uri\":\"/e/next" + i + "\"");
    }
    assertThat(big).startsWith("HTTP/1.1 400 ").contains("bad request");
  }
}
