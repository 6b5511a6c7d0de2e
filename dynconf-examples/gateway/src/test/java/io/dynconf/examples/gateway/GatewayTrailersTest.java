package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request trailers do not reach the upstream (found by the attack pass; nginx drops them too). */
class GatewayTrailersTest {
  @TempDir Path dir;

  @Test
  void requestTrailersAreNotForwarded() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServerSocket upstream = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Gateway gw = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
            "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}))) {
      HttpResponse<String> put = GatewayAdminTest.admin(http, gw, "PUT", "/apisix/admin/routes/r", GatewayAdminTest.KEY,
          "{\"uri\":\"/t\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + upstream.getLocalPort() + "\":1}}}");
      assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
        try (Socket s = upstream.accept()) {
          s.setSoTimeout(10_000);
          InputStream in = s.getInputStream();
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          byte[] buf = new byte[4096];
          while (!got.toString(StandardCharsets.ISO_8859_1).contains("0\r\n")
              || !got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int n = in.read(buf);
            if (n < 0) {
              break;
            }
            got.write(buf, 0, n);
          }
          s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
          return got.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      String response;
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), gw.dataAddress().getPort())) {
        c.setSoTimeout(10_000);
        c.getOutputStream().write(("POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "3\r\nabc\r\n0\r\nX-Consumer-Username: admin\r\nX-Smuggled: yes\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        response = new String(c.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      }
      String upstreamSaw = seen.get(10, TimeUnit.SECONDS);
      assertThat(response).startsWith("HTTP/1.1 200");
      assertThat(upstreamSaw).contains("abc").doesNotContain("X-Smuggled").doesNotContain("X-Consumer-Username: admin");
    }
  }
}
