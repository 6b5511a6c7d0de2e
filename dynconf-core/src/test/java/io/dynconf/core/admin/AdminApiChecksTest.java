package io.dynconf.core.admin;

import static io.dynconf.core.admin.AdminTesting.UPSTREAM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.source.InMemorySource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** APISIX's checks against other objects and the host (issue 15 item 3), over a real socket. */
class AdminApiChecksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final InMemorySource source = new InMemorySource();
  private final AdminApi admin = AdminTesting.builder(source, new AdminTesting.TestClock(1_700_000_000L))
      .types(StandardTypes.withBalancers(StandardTypes.all(), Set.of("roundrobin", "chash")))
      .build();
  private final AdminHttpServer http = new AdminHttpServer(admin);

  @AfterEach
  void close() {
    http.close();
    admin.close();
  }

  private static String error(HttpResponse<String> r) {
    try {
      JsonNode n = JSON.readTree(r.body());
      return n.path("error_msg").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(r.body(), e);
    }
  }

  private void ok(String method, String target, String body) {
    HttpResponse<String> r = http.send(method, target, body);
    assertThat(r.statusCode()).as("%s %s: %s", method, target, r.body()).isBetween(200, 201);
  }

  @Test
  void aKeyAuthKeyUsedByAnotherConsumerIsRefusedNamingIt() {
    ok("PUT", "/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
    HttpResponse<String> dup = http.send("PUT", "/apisix/admin/consumers", "{\"username\":\"tom\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
    assertThat(dup.statusCode()).isEqualTo(400);
    assertThat(error(dup)).isEqualTo("duplicate key found with consumer: jack");
    // the same consumer may keep its key; another key is fine
    ok("PUT", "/apisix/admin/consumers", "{\"username\":\"jack\",\"desc\":\"again\",\"plugins\":{\"key-auth\":{\"key\":\"k-1\"}}}");
    ok("PUT", "/apisix/admin/consumers", "{\"username\":\"tom\",\"plugins\":{\"key-auth\":{\"key\":\"k-2\"}}}");
    // a credential stored by APISIX under the consumer holds a key too
    source.put("/apisix/consumers/tom/credentials/c1", "{\"id\":\"c1\",\"plugins\":{\"key-auth\":{\"key\":\"k-3\"}}}");
    HttpResponse<String> dupCred = http.send("PUT", "/apisix/admin/consumers", "{\"username\":\"ann\",\"plugins\":{\"key-auth\":{\"key\":\"k-3\"}}}");
    assertThat(error(dupCred)).isEqualTo("duplicate key found with credential: c1 of consumer: tom");
  }

  @Test
  void aPluginMayBeInOneGlobalRuleOnly() {
    ok("PUT", "/apisix/admin/global_rules/1", "{\"plugins\":{\"prometheus\":{}}}");
    HttpResponse<String> dup = http.send("PUT", "/apisix/admin/global_rules/2", "{\"plugins\":{\"cors\":{},\"prometheus\":{}}}");
    assertThat(dup.statusCode()).isEqualTo(400);
    assertThat(error(dup)).contains("prometheus").contains("global rule").contains("1");
    ok("PUT", "/apisix/admin/global_rules/1", "{\"plugins\":{\"prometheus\":{},\"cors\":{}}}"); // itself
    ok("PUT", "/apisix/admin/global_rules/2", "{\"plugins\":{\"ip-restriction\":{\"whitelist\":[\"10.0.0.0/8\"]}}}");
  }

  @Test
  void anUpstreamTypeNoBalancerImplementsIsRefused() {
    HttpResponse<String> r = http.send("PUT", "/apisix/admin/upstreams/1", "{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"least_conn\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("/type").contains("least_conn").contains("chash, roundrobin");
    HttpResponse<String> embedded = http.send("PUT", "/apisix/admin/routes/1", "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"ewma\"}}");
    assertThat(embedded.statusCode()).isEqualTo(400);
    assertThat(error(embedded)).contains("/upstream/type");
    ok("PUT", "/apisix/admin/upstreams/1", UPSTREAM);
    HttpResponse<String> validated = http.send("POST", "/apisix/admin/schema/validate/services", "{\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"ewma\"}}");
    assertThat(validated.statusCode()).isEqualTo(400);
  }

  @Test
  void clientCertIdMustNameAClientSsl() {
    // ssls stored directly (without certificates): the type is checked before the stored value is decoded
    source.put("/apisix/ssls/server", "{\"id\":\"server\",\"type\":\"server\"}");
    source.put("/apisix/ssls/client", "{\"id\":\"client\",\"type\":\"client\"}");
    HttpResponse<String> r = http.send("PUT", "/apisix/admin/upstreams/1",
        "{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"roundrobin\",\"scheme\":\"https\",\"tls\":{\"client_cert_id\":\"server\"}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r)).contains("/tls/client_cert_id").contains("type server");
  }
}
