package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.netty.contract.NormalisingBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that answers 101 to a request that asked for no upgrade, then writes a response of
 * its own choosing (found by the attack pass: the gateway relayed both, so the client received a
 * response to a request it never sent). Now: 502, the upstream connection closed, nothing injected.
 * And a status line whose code is not three digits ("HTTP/1.1 0", "20", "1000"), which the gateway
 * relayed as it was, a response the client could not read: now 502.
 */
class GatewayBrokenUpstreamTest {
  @TempDir Path dir;
  private Gateway gateway;
  private ServerSocket upstream;
  private Thread acceptor;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** What the upstream writes to every request. */
  private volatile String answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
      + "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsmuggle";

  @BeforeEach
  void start() throws Exception {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!upstream.isClosed()) {
        try (Socket s = upstream.accept()) {
          InputStream in = s.getInputStream();
          byte[] buf = new byte[4096];
          int n = in.read(buf); // the request head
          if (n > 0) {
            OutputStream out = s.getOutputStream();
            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
          }
        } catch (IOException e) {
          // closed at the end of the test, or the gateway hung up: the next accept decides
        }
      }
    }, "upstream-101");
    acceptor.setDaemon(true);
    acceptor.start();
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/routes/r", GatewayAdminTest.KEY,
        "{\"uri\":\"/f/*\",\"upstream\":{\"retries\":0,\"nodes\":{\"127.0.0.1:" + upstream.getLocalPort() + "\":1}}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @AfterEach
  void stop() throws IOException {
    gateway.close();
    upstream.close();
  }

  @Test
  void anUnaskedForSwitchOfProtocolsIsA502AndNothingIsInjected() throws Exception {
    int port = gateway.dataAddress().getPort();
    await().until(() -> NormalisingBackend.status(NormalisingBackend.rawGet(port, "/f/probe", "x")) != 404);
    String pipelined;
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /f/one HTTP/1.1\r\nHost: x\r\n\r\nGET /f/two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      pipelined = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    assertThat(pipelined).startsWith("HTTP/1.1 502");
    assertThat(pipelined).doesNotContain("smuggle").doesNotContain("101 Switching");
  }

  @Test
  void aStatusThatIsNotThreeDigitsIsA502() throws Exception {
    int port = gateway.dataAddress().getPort();
    await().until(() -> NormalisingBackend.status(NormalisingBackend.rawGet(port, "/f/probe", "x")) != 404);
    for (String status : new String[] {"0", "20", "99", "1000"}) {
      answer = "HTTP/1.1 " + status + " Odd\r\nContent-Length: 2\r\n\r\nok";
      String got = NormalisingBackend.rawGet(port, "/f/status-" + status, "x");
      // on main: "HTTP/1.1 0 Odd" and the like, relayed as they came
      assertThat(got).as("upstream status %s", status).startsWith("HTTP/1.1 502 ");
    }
  }
}
