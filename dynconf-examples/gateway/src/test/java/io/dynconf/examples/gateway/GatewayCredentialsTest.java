package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.etcd.testing.EtcdClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * APISIX 3.x consumer credentials at the gateway, in standalone (file) mode and on a real etcd:
 * key-auth, basic-auth and jwt-auth find their secrets in a consumer's credentials too, and send
 * upstream {@code X-Consumer-Username}, {@code X-Credential-Identifier} (a credential's id, only
 * when a credential matched) and {@code X-Consumer-Custom-ID} (the consumer's {@code custom_id}
 * label), as APISIX's {@code attach_consumer} does; a deleted credential, or a deleted consumer
 * (which takes its credentials along), authenticates no more.
 */
class GatewayCredentialsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1);

  @TempDir Path dir;
  private Backend backend;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private void start(String mode) throws Exception {
    backend = new Backend("web");
    List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY));
    if (mode.equals("etcd")) {
      ETCD.cluster().deleteAll();
      args.add("--etcd");
      args.add(ETCD.cluster().endpoints().stream().map(URI::toString).collect(Collectors.joining(",")));
    }
    gateway = Gateway.start(GatewayConfig.parse(args.toArray(String[]::new)));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void put(String path, String body) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "PUT", path, GatewayAdminTest.KEY, body);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isBetween(200, 201);
  }

  private void delete(String path) throws Exception {
    HttpResponse<String> r = GatewayAdminTest.admin(http, gateway, "DELETE", path, GatewayAdminTest.KEY, null);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path)).timeout(WAIT);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitStatus(String path, int status, String... headers) {
    await().atMost(WAIT).until(() -> get(path, headers).statusCode() == status);
  }

  /** The upstream headers of the last request the backend saw (names as the backend's map spells them). */
  private String upstream(String name) {
    return backend.header(backend.requests.size() - 1, name);
  }

  private static String hs256(String secret, String payload) throws Exception {
    String signed = URL.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return signed + "." + URL.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"file", "etcd"})
  void authPluginsFindKeysInCredentialsAndNameTheCredentialUpstream(String mode) throws Exception {
    start(mode);
    put("/apisix/admin/upstreams/web", "{\"nodes\":{\"" + backend.node() + "\":1}}");
    put("/apisix/admin/routes/k", "{\"uri\":\"/k\",\"upstream_id\":\"web\",\"plugins\":{\"key-auth\":{}}}");
    put("/apisix/admin/routes/b", "{\"uri\":\"/b\",\"upstream_id\":\"web\",\"plugins\":{\"basic-auth\":{}}}");
    put("/apisix/admin/routes/j", "{\"uri\":\"/j\",\"upstream_id\":\"web\",\"plugins\":{\"jwt-auth\":{}}}");
    put("/apisix/admin/consumers/jack", "{\"username\":\"jack\",\"labels\":{\"custom_id\":\"c-42\"},"
        + "\"plugins\":{\"key-auth\":{\"key\":\"inline-key\"}}}");
    put("/apisix/admin/consumers/jack/credentials/cred-k", "{\"plugins\":{\"key-auth\":{\"key\":\"cred-key\"}}}");
    put("/apisix/admin/consumers/jack/credentials/cred-b", "{\"plugins\":{\"basic-auth\":{\"username\":\"jb\",\"password\":\"pw\"}}}");
    put("/apisix/admin/consumers/jack/credentials/cred-j", "{\"plugins\":{\"jwt-auth\":{\"key\":\"jk\",\"secret\":\"s3cret-0123456789\"}}}");

    // only authentication plugins go in a credential (APISIX's credentials.lua), whether they publish a schema or not
    HttpResponse<String> limit = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/consumers/jack/credentials/bad",
        GatewayAdminTest.KEY, "{\"plugins\":{\"limit-count\":{\"count\":1,\"time_window\":1}}}");
    assertThat(limit.statusCode()).as(limit.body()).isEqualTo(400);
    assertThat(limit.body()).contains("only supports auth type plugins");
    HttpResponse<String> rewrite = GatewayAdminTest.admin(http, gateway, "PUT", "/apisix/admin/consumers/jack/credentials/bad",
        GatewayAdminTest.KEY, "{\"plugins\":{\"proxy-rewrite\":{\"uri\":\"/x\"}}}");
    assertThat(rewrite.statusCode()).as(rewrite.body()).isEqualTo(400);

    // key-auth: a credential's key
    awaitStatus("/k", 200, "apikey", "cred-key");
    assertThat(upstream("X-consumer-username")).isEqualTo("jack");
    assertThat(upstream("X-credential-identifier")).isEqualTo("cred-k");
    assertThat(upstream("X-consumer-custom-id")).isEqualTo("c-42");
    // the consumer's own key: no credential named, even when the client forges one
    assertThat(get("/k", "apikey", "inline-key", "X-Credential-Identifier", "forged").statusCode()).isEqualTo(200);
    assertThat(upstream("X-consumer-username")).isEqualTo("jack");
    assertThat(upstream("X-credential-identifier")).isNull();
    assertThat(get("/k", "apikey", "nope").statusCode()).isEqualTo(401);

    // basic-auth
    String basic = "Basic " + Base64.getEncoder().encodeToString("jb:pw".getBytes(StandardCharsets.UTF_8));
    awaitStatus("/b", 200, "Authorization", basic);
    assertThat(upstream("X-credential-identifier")).isEqualTo("cred-b");
    assertThat(upstream("X-consumer-username")).isEqualTo("jack");
    String wrong = "Basic " + Base64.getEncoder().encodeToString("jb:no".getBytes(StandardCharsets.UTF_8));
    assertThat(get("/b", "Authorization", wrong).statusCode()).isEqualTo(401);

    // jwt-auth
    String token = hs256("s3cret-0123456789", "{\"key\":\"jk\"}");
    awaitStatus("/j", 200, "Authorization", "Bearer " + token);
    assertThat(upstream("X-credential-identifier")).isEqualTo("cred-j");
    assertThat(upstream("X-consumer-username")).isEqualTo("jack");
    assertThat(get("/j", "Authorization", "Bearer " + hs256("other-secret-0123", "{\"key\":\"jk\"}")).statusCode()).isEqualTo(401);

    // a deleted credential authenticates no more; the consumer's own key still does
    delete("/apisix/admin/consumers/jack/credentials/cred-k");
    awaitStatus("/k", 401, "apikey", "cred-key");
    assertThat(get("/k", "apikey", "inline-key").statusCode()).isEqualTo(200);

    // deleting the consumer deletes its credentials
    delete("/apisix/admin/consumers/jack");
    awaitStatus("/b", 401, "Authorization", basic);
    awaitStatus("/j", 401, "Authorization", "Bearer " + token);
    HttpResponse<String> left = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/consumers/jack/credentials", GatewayAdminTest.KEY, null);
    assertThat(left.statusCode()).as(left.body()).isEqualTo(404); // APISIX: the credentials of no consumer are a 404
    put("/apisix/admin/consumers/jack", "{\"username\":\"jack\"}"); // and a new jack starts with none of the old ones
    HttpResponse<String> none = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/consumers/jack/credentials", GatewayAdminTest.KEY, null);
    assertThat(none.body()).contains("\"total\":0");
  }
}
