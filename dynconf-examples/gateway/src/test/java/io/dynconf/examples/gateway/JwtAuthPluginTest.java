package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** APISIX's jwt-auth through a real gateway: tokens signed here with the JDK (HS256, HS512, RS256). */
class JwtAuthPluginTest extends PluginGatewayTest {
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
  private KeyPair rsa;

  @BeforeEach
  void start() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    rsa = g.generateKeyPair();
    String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
        .encodeToString(rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----";
    gw.put("/apisix/admin/consumers", "{\"username\":\"jack\",\"plugins\":{\"jwt-auth\":{\"key\":\"jack-key\",\"secret\":\"jack-secret\"}}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"rose\",\"plugins\":{\"jwt-auth\":{\"key\":\"rose-key\",\"algorithm\":\"RS256\","
        + "\"public_key\":\"" + pem.replace("\n", "\\n") + "\"}}}", 201);
    gw.put("/apisix/admin/consumers", "{\"username\":\"b64\",\"plugins\":{\"jwt-auth\":{\"key\":\"b64-key\",\"algorithm\":\"HS512\","
        + "\"secret\":\"" + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, (byte) 255}) + "\",\"base64_secret\":true,"
        + "\"lifetime_grace_period\":100}}}", 201);
  }

  private static String hs(String alg, byte[] secret, String payload) throws Exception {
    String signed = URL.encodeToString(("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}").getBytes(StandardCharsets.UTF_8)) + "."
        + URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA" + alg.substring(2));
    mac.init(new SecretKeySpec(secret, "HmacSHA" + alg.substring(2)));
    return signed + "." + URL.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String rs(PrivateKey key, String payload) throws Exception {
    String signed = URL.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(key);
    s.update(signed.getBytes(StandardCharsets.US_ASCII));
    return signed + "." + URL.encodeToString(s.sign());
  }

  private static String jack(String payload) throws Exception {
    return hs("HS256", "jack-secret".getBytes(StandardCharsets.UTF_8), payload);
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  @Test
  void hs256FromHeaderQueryOrCookie() throws Exception {
    gw.route("r", "/j", "\"jwt-auth\":{}");
    String token = jack("{\"key\":\"jack-key\",\"exp\":" + (now() + 600) + "}");
    gw.awaitStatus("/j", 200, "Authorization", "Bearer " + token);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("jack");
    assertThat(gw.get("/j", "Authorization", token).statusCode()).as("no prefix").isEqualTo(200);
    assertThat(gw.get("/j?jwt=" + token).statusCode()).isEqualTo(200);
    assertThat(gw.get("/j", "Cookie", "a=1; jwt=" + token).statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("Cookie")).as("kept by default").contains("jwt=");

    HttpResponse<String> missing = gw.get("/j");
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.body()).isEqualTo("{\"message\":\"Missing JWT token in request\"}\n");
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"jwt\"");
    assertThat(gw.get("/j", "Authorization", "not-a-jwt").body()).contains("JWT token invalid");
    assertThat(gw.get("/j", "Authorization", jack("{\"sub\":\"x\"}")).body()).contains("missing user key in JWT token");
    assertThat(gw.get("/j", "Authorization", jack("{\"key\":\"nobody\"}")).body()).contains("Invalid user key in JWT token");
    assertThat(gw.get("/j", "Authorization", hs("HS256", "wrong".getBytes(StandardCharsets.UTF_8), "{\"key\":\"jack-key\"}")).body())
        .contains("failed to verify jwt");
    assertThat(gw.get("/j", "Authorization", hs("HS384", "jack-secret".getBytes(StandardCharsets.UTF_8), "{\"key\":\"jack-key\"}")).body())
        .as("algorithm mismatch").contains("failed to verify jwt");
  }

  @Test
  void expAndNbfWithTheConsumersGracePeriod() throws Exception {
    gw.route("r", "/j", "\"jwt-auth\":{}");
    gw.route("req", "/req", "\"jwt-auth\":{\"claims_to_verify\":[\"exp\"]}");
    gw.awaitStatus("/req", 401);
    assertThat(gw.get("/j", "Authorization", jack("{\"key\":\"jack-key\"}")).statusCode()).as("no exp: not checked").isEqualTo(200);
    assertThat(gw.get("/req", "Authorization", jack("{\"key\":\"jack-key\"}")).statusCode()).as("exp required").isEqualTo(401);
    assertThat(gw.get("/j", "Authorization", jack("{\"key\":\"jack-key\",\"exp\":" + (now() - 10) + "}")).statusCode()).isEqualTo(401);
    assertThat(gw.get("/j", "Authorization", jack("{\"key\":\"jack-key\",\"nbf\":" + (now() + 60) + "}")).statusCode()).isEqualTo(401);
    assertThat(gw.get("/j", "Authorization", jack("{\"key\":\"jack-key\",\"exp\":\"soon\"}")).statusCode()).isEqualTo(401);
    byte[] secret = {1, 2, 3, (byte) 255};
    assertThat(gw.get("/j", "Authorization", hs("HS512", secret, "{\"key\":\"b64-key\",\"exp\":" + (now() - 10) + "}")).statusCode())
        .as("within lifetime_grace_period").isEqualTo(200);
    assertThat(gw.get("/j", "Authorization", hs("HS512", secret, "{\"key\":\"b64-key\",\"nbf\":" + (now() + 50) + "}")).statusCode())
        .isEqualTo(200);
    assertThat(gw.get("/j", "Authorization", hs("HS512", secret, "{\"key\":\"b64-key\",\"exp\":" + (now() - 300) + "}")).statusCode())
        .isEqualTo(401);
  }

  @Test
  void rs256WithTheConsumersPublicKey() throws Exception {
    gw.route("r", "/j", "\"jwt-auth\":{}");
    String token = rs(rsa.getPrivate(), "{\"key\":\"rose-key\",\"exp\":" + (now() + 600) + "}");
    gw.awaitStatus("/j", 200, "Authorization", token);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("rose");
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    assertThat(gw.get("/j", "Authorization", rs(g.generateKeyPair().getPrivate(), "{\"key\":\"rose-key\"}")).statusCode())
        .as("signed by another key").isEqualTo(401);
    assertThat(gw.get("/j", "Authorization", hs("HS256", "x".getBytes(StandardCharsets.UTF_8), "{\"key\":\"rose-key\"}")).statusCode())
        .as("HS256 against an RS256 consumer").isEqualTo(401);
  }

  @Test
  void customLocationsHideCredentialsKeyClaimRealmAndAnonymous() throws Exception {
    gw.put("/apisix/admin/consumers", "{\"username\":\"guest\"}", 201);
    gw.route("r", "/j", "\"jwt-auth\":{\"header\":\"X-Token\",\"query\":\"t\",\"cookie\":\"c\",\"hide_credentials\":true,"
        + "\"key_claim_name\":\"iss\",\"realm\":\"api\",\"store_in_ctx\":true}");
    gw.route("a", "/a", "\"jwt-auth\":{\"anonymous_consumer\":\"guest\"}");
    String token = jack("{\"iss\":\"jack-key\"}");
    gw.awaitStatus("/j", 200, "X-Token", token);
    assertThat(gw.lastUpstreamHeader("X-token")).isNull();
    assertThat(gw.get("/j?a=1&t=" + token + "&b=2").body()).startsWith("web GET /j?a=1&b=2 ");
    assertThat(gw.get("/j", "Cookie", "x=1; c=" + token + "; y=2").statusCode()).isEqualTo(200);
    assertThat(gw.lastUpstreamHeader("Cookie")).isEqualTo("x=1; y=2");
    assertThat(gw.get("/j", "Authorization", token).headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");

    gw.awaitStatus("/a", 200);
    assertThat(gw.lastUpstreamHeader("X-consumer-username")).isEqualTo("guest");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"jwt-auth\":{\"claims_to_verify\":[\"iat\"]}", "plugins/jwt-auth/claims_to_verify/0");
    gw.refused("\"jwt-auth\":{\"claims_to_verify\":[\"exp\",\"exp\"]}", "plugins/jwt-auth/claims_to_verify/1");
    gw.refused("\"jwt-auth\":{\"key_claim_name\":\"\"}", "plugins/jwt-auth/key_claim_name");
    gw.refused("\"jwt-auth\":{\"realm\":\"a\\\\b\"}", "plugins/jwt-auth/realm");
    gw.refused("\"jwt-auth\":{\"hide_credentials\":\"no\"}", "plugins/jwt-auth/hide_credentials");
    String[][] consumers = {
        {"{\"secret\":\"s\"}", "plugins/jwt-auth/key"},
        {"{\"key\":\"k\"}", "plugins/jwt-auth/secret"},
        {"{\"key\":\"k\",\"algorithm\":\"RS256\"}", "plugins/jwt-auth/public_key"},
        {"{\"key\":\"k\",\"algorithm\":\"RS256\",\"public_key\":\"garbage\"}", "plugins/jwt-auth/public_key"},
        {"{\"key\":\"k\",\"algorithm\":\"HS1\",\"secret\":\"s\"}", "plugins/jwt-auth/algorithm"},
        {"{\"key\":\"k\",\"algorithm\":\"ES256\",\"public_key\":\"x\"}", "plugins/jwt-auth/algorithm"},
        {"{\"key\":\"k\",\"secret\":\"not base64!\",\"base64_secret\":true}", "plugins/jwt-auth/secret"},
        {"{\"key\":\"k\",\"secret\":\"s\",\"lifetime_grace_period\":-1}", "plugins/jwt-auth/lifetime_grace_period"},
        {"{\"key\":\"k\",\"secret\":\"s\",\"exp\":0}", "plugins/jwt-auth/exp"},
    };
    for (String[] c : consumers) {
      HttpResponse<String> r = gw.admin("PUT", "/apisix/admin/consumers", "{\"username\":\"bad\",\"plugins\":{\"jwt-auth\":" + c[0] + "}}");
      assertThat(r.statusCode()).as(c[0] + " -> " + r.body()).isEqualTo(400);
      assertThat(r.body()).as(c[0]).contains(c[1]);
    }
  }
}
