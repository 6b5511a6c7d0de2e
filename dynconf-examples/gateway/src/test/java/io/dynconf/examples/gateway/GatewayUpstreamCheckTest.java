package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 3: an upstream this gateway cannot serve (a balancer type it does not implement,
 * health checks it cannot run) is refused by the admin API naming the field — before, it was
 * stored (201) and every request then answered 502 while the status showed nothing.
 */
class GatewayUpstreamCheckTest {
  @TempDir Path dir;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private HttpResponse<String> put(String path, String body) throws Exception {
    return GatewayAdminTest.admin(http, gateway, "PUT", path, GatewayAdminTest.KEY, body);
  }

  @Test
  void anUpstreamNoBalancerImplementsIsRefusedWhereverItIsWritten() throws Exception {
    HttpResponse<String> r = put("/apisix/admin/upstreams/u", "{\"type\":\"nope\",\"nodes\":{\"127.0.0.1:80\":1}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("/type").contains("nope");

    r = put("/apisix/admin/routes/r", "{\"uri\":\"/r\",\"upstream\":{\"type\":\"nope\",\"nodes\":{\"127.0.0.1:80\":1}}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("/upstream/type");

    r = put("/apisix/admin/services/s", "{\"upstream\":{\"type\":\"nope\",\"nodes\":{\"127.0.0.1:80\":1}}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);

    r = put("/apisix/admin/upstreams/u", "{\"type\":\"chash\",\"key\":\"remote_addr\",\"nodes\":{\"127.0.0.1:80\":1}}");
    assertThat(r.statusCode()).as("a type it implements: %s", r.body()).isEqualTo(201);
    assertThat(gateway.registry().snapshot().rejections()).as("nothing refused reached the registry").isEmpty();
  }
}
