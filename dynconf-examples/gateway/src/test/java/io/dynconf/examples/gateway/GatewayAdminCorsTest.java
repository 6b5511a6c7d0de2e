package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --admin-cors}: the gateway's admin listener answers browsers of the allowed origins (APISIX's enable_admin_cors). */
class GatewayAdminCorsTest {
  private static final String DASH = "https://dash.example.com";
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> send(Gateway gw, String method, String origin, boolean key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + "/apisix/admin/routes"))
        .timeout(Duration.ofSeconds(10)).header("Origin", origin).method(method, HttpRequest.BodyPublishers.noBody());
    if (method.equals("OPTIONS")) {
      b.header("Access-Control-Request-Method", "PUT");
    }
    if (key) {
      b.header("X-API-KEY", GatewayAdminTest.KEY);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void allowedOriginsGetCorsAnswersAndThePreflightNeedsNoKey() throws Exception {
    try (Gateway gw = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY, "--admin-cors", DASH}))) {
      HttpResponse<String> pre = send(gw, "OPTIONS", DASH, false);
      assertThat(pre.statusCode()).as(pre.body()).isEqualTo(200);
      assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASH);
      assertThat(pre.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST, GET, PUT, OPTIONS, DELETE, PATCH");
      HttpResponse<String> get = send(gw, "GET", DASH, true);
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASH);
      HttpResponse<String> other = send(gw, "OPTIONS", "https://evil.example", false);
      assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(other.statusCode()).isNotEqualTo(200);
    }
  }

  @Test
  void corsIsOffByDefault() throws Exception {
    try (Gateway gw = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}))) {
      HttpResponse<String> pre = send(gw, "OPTIONS", DASH, false);
      assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(send(gw, "GET", DASH, true).headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
  }
}
