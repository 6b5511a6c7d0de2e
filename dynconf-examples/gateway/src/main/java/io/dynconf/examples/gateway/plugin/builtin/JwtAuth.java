package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code jwt-auth} (priority 2510, rewrite phase, an authentication plugin), JDK crypto only.
 * On a route: {@code header} (default {@code authorization}, a {@code Bearer }/{@code bearer }
 * prefix dropped), then {@code query} (default {@code jwt}), then {@code cookie} (default
 * {@code jwt}); {@code hide_credentials} (removes the token from where it came), {@code key_claim_name}
 * (default {@code key}), {@code store_in_ctx}, {@code realm} (default {@code jwt}),
 * {@code anonymous_consumer}, {@code claims_to_verify} ({@code exp}, {@code nbf}; when absent or empty
 * both are checked only when present). On a consumer: {@code key} (required), {@code algorithm}
 * (HS256 by default, HS384, HS512, RS256, RS384, RS512), {@code secret} (HS; with
 * {@code base64_secret}), {@code public_key} (RS, PEM), {@code exp} (accepted, used by APISIX only to
 * sign tokens), {@code lifetime_grace_period} (seconds of clock skew allowed for exp/nbf). Failures
 * answer 401 with {@code WWW-Authenticate: Bearer realm="<realm>"}: {@code Missing JWT token in
 * request}, {@code JWT token invalid}, {@code missing user key in JWT token}, {@code Invalid user
 * key in JWT token}, {@code failed to verify jwt} (algorithm mismatch, signature, exp/nbf). ES*, PS*
 * and EdDSA are refused as not supported.
 */
public final class JwtAuth implements GatewayPlugin<JwtAuth.Config> {
  private static final System.Logger LOG = System.getLogger(JwtAuth.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> SUPPORTED = Set.of("HS256", "HS384", "HS512", "RS256", "RS384", "RS512");
  private static final Set<String> APISIX_ALGORITHMS = Set.of("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
      "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA");
  private static final java.util.regex.Pattern REALM = java.util.regex.Pattern.compile("^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$");

  /** A consumer's credential, compiled. */
  record Credential(String key, String algorithm, byte @Nullable [] secret, @Nullable PublicKey publicKey, long grace) {}

  record Config(String header, String query, String cookie, boolean hideCredentials, String keyClaim, boolean storeInCtx,
      String realm, @Nullable String anonymous, List<String> claims, @Nullable Credential credential) {}

  /** A consumer's username and credential. */
  record Entry(String consumer, Credential credential, @Nullable String credentialId, @Nullable String customId) {}

  private final LongSupplier nowSeconds;
  private volatile Map<String, Entry> byKey = Map.of();
  private volatile Set<String> consumers = Set.of();

  public JwtAuth() {
    this(() -> System.currentTimeMillis() / 1000);
  }

  JwtAuth(LongSupplier nowSeconds) {
    this.nowSeconds = nowSeconds;
  }

  @Override
  public String name() {
    return "jwt-auth";
  }

  private static final String SCHEMA = Schemas.load("jwt-auth");

  /** The schema {@link #configure} enforces (bundled as {@code schema/jwt-auth.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 2510;
  }

  @Override
  public boolean authenticates() {
    return true;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("header", "query", "cookie", "hide_credentials", "key_claim_name", "store_in_ctx",
        "realm", "anonymous_consumer", "claims_to_verify", "key", "secret", "algorithm", "exp", "base64_secret",
        "lifetime_grace_period", "public_key", "_meta"), Set.of());
    String keyClaim = c.string("key_claim_name", "key");
    if (keyClaim.isEmpty()) {
      throw new InvalidConfigException("/key_claim_name", "must not be empty");
    }
    String realm = c.string("realm", "jwt");
    if (!REALM.matcher(realm).matches()) {
      throw new InvalidConfigException("/realm", "must be printable ASCII without '\"' and '\\', at least 1 character");
    }
    String anonymous = c.string("anonymous_consumer");
    if (anonymous != null && anonymous.isEmpty()) {
      throw new InvalidConfigException("/anonymous_consumer", "must not be empty");
    }
    List<String> claims = c.strings("claims_to_verify");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < claims.size(); i++) {
      if (!claims.get(i).equals("exp") && !claims.get(i).equals("nbf")) {
        throw new InvalidConfigException("/claims_to_verify/" + i, "must be exp or nbf");
      }
      if (!seen.add(claims.get(i))) {
        throw new InvalidConfigException("/claims_to_verify/" + i, "expected unique items");
      }
    }
    return new Config(c.string("header", "authorization"), c.string("query", "jwt"), c.string("cookie", "jwt"),
        c.bool("hide_credentials", false), keyClaim, c.bool("store_in_ctx", false), realm, anonymous, List.copyOf(claims),
        credential(c));
  }

  /** The consumer's part, when {@code key} (or any consumer field) is set. */
  private static @Nullable Credential credential(Conf c) {
    boolean consumer = c.has("key") || c.has("secret") || c.has("algorithm") || c.has("public_key") || c.has("exp")
        || c.has("base64_secret") || c.has("lifetime_grace_period");
    if (!consumer) {
      return null;
    }
    String key = c.string("key");
    if (key == null || key.isEmpty()) {
      throw new InvalidConfigException("/key", "required (at least 1 character)");
    }
    String algorithm = c.string("algorithm", "HS256");
    if (!APISIX_ALGORITHMS.contains(algorithm)) {
      throw new InvalidConfigException("/algorithm", "must be one of HS256, HS384, HS512, RS256, RS384, RS512 (ES*, PS*, EdDSA: not supported here)");
    }
    if (!SUPPORTED.contains(algorithm)) {
      throw new InvalidConfigException("/algorithm", algorithm + " is not supported by this gateway's jwt-auth (HS256/384/512, RS256/384/512 are)");
    }
    c.integer("exp", 86400, 1, Long.MAX_VALUE);
    long grace = c.integer("lifetime_grace_period", 0, 0, Integer.MAX_VALUE);
    boolean base64 = c.bool("base64_secret", false);
    String secret = c.string("secret");
    if (secret != null && secret.isEmpty()) {
      throw new InvalidConfigException("/secret", "must not be empty");
    }
    if (algorithm.startsWith("HS")) {
      if (secret == null) {
        throw new InvalidConfigException("/secret", "property \"secret\" is required when using HS based algorithms");
      }
      byte[] bytes;
      if (base64) {
        try {
          bytes = Base64.getDecoder().decode(secret);
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigException("/secret", "base64_secret required but the secret is not in base64 format");
        }
      } else {
        bytes = secret.getBytes(StandardCharsets.UTF_8);
      }
      return new Credential(key, algorithm, bytes, null, grace);
    }
    String pem = c.string("public_key");
    if (pem == null || pem.isEmpty()) {
      throw new InvalidConfigException("/public_key", "missing valid public key");
    }
    return new Credential(key, algorithm, null, publicKey(pem), grace);
  }

  private static PublicKey publicKey(String pem) {
    String body = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new InvalidConfigException("/public_key", "missing valid public key: not a PEM RSA public key (-----BEGIN PUBLIC KEY-----)");
    }
  }

  @Override
  public void init(PluginEnvironment environment) {
    ConfigRegistry registry = environment.registry();
    registry.addListener(update -> {
      if (AuthHolders.changed(update)) {
        reindex(registry);
      }
    });
    reindex(registry);
  }

  private void reindex(ConfigRegistry registry) {
    Map<String, Entry> m = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (Consumer consumer : registry.snapshot().store(StandardTypes.CONSUMERS).values()) {
      names.add(consumer.username());
    }
    for (AuthHolders.Holder holder : AuthHolders.of(registry.snapshot(), name())) { // consumers, then credentials
      Credential credential;
      try {
        credential = configure(holder.conf()).credential(); // validated when stored
      } catch (InvalidConfigException e) {
        LOG.log(System.Logger.Level.WARNING, "consumer " + holder.consumer()
            + (holder.credentialId() == null ? "" : " credential " + holder.credentialId()) + ": jwt-auth left out: " + e.getMessage());
        continue;
      }
      if (credential != null) {
        m.putIfAbsent(credential.key(), new Entry(holder.consumer(), credential, holder.credentialId(), holder.customId()));
      }
    }
    byKey = Map.copyOf(m);
    consumers = Set.copyOf(names);
  }

  private @Nullable String token(Config config, PluginContext ctx) {
    String header = ctx.request().request().headers().get(config.header());
    if (header != null) {
      if (config.hideCredentials()) {
        ctx.upstreamHeaders().remove(config.header());
      }
      return header.startsWith("Bearer ") || header.startsWith("bearer ") ? header.substring(7) : header;
    }
    String arg = ctx.request().arg(config.query());
    if (arg != null) {
      if (config.hideCredentials()) {
        ctx.uri(withoutArg(ctx.uri(), config.query()));
      }
      return arg;
    }
    String cookie = ctx.request().cookie(config.cookie());
    if (cookie != null && config.hideCredentials()) {
      List<String> kept = new ArrayList<>();
      for (String h : ctx.request().request().headers().getAll("Cookie")) {
        for (String part : h.split(";")) {
          String p = part.strip();
          if (!p.isEmpty() && !p.startsWith(config.cookie() + "=")) {
            kept.add(p);
          }
        }
      }
      ctx.upstreamHeaders().set("Cookie", String.join("; ", kept));
    }
    return cookie;
  }

  /** {@code uri} without the query argument {@code name} (every occurrence). */
  static String withoutArg(String uri, String name) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return uri;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : uri.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String k = io.dynconf.radix.QueryArgs.decode(pair, 0, eq < 0 ? pair.length() : eq); // a malformed escape is kept, never thrown
      if (!pair.isEmpty() && !k.equals(name)) {
        kept.add(pair);
      }
    }
    return uri.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  /** The authenticated consumer, or the 401's message. */
  private Object authenticate(Config config, PluginContext ctx) {
    String token = token(config, ctx);
    if (token == null) {
      return "Missing JWT token in request";
    }
    String[] parts = token.split("\\.", -1);
    JsonNode header;
    JsonNode payload;
    byte[] signature;
    try {
      if (parts.length != 3) {
        return "JWT token invalid";
      }
      Base64.Decoder url = Base64.getUrlDecoder();
      header = JSON.readTree(url.decode(parts[0]));
      payload = JSON.readTree(url.decode(parts[1]));
      signature = url.decode(parts[2]);
    } catch (IllegalArgumentException | java.io.IOException e) {
      return "JWT token invalid";
    }
    if (header == null || !header.isObject() || payload == null || !payload.isObject()) {
      return "JWT token invalid";
    }
    JsonNode userKey = payload.get(config.keyClaim());
    if (userKey == null || userKey.isNull()) {
      return "missing user key in JWT token";
    }
    Entry entry = byKey.get(userKey.isTextual() ? userKey.textValue() : userKey.toString());
    if (entry == null) {
      return "Invalid user key in JWT token";
    }
    Credential credential = entry.credential();
    JsonNode alg = header.get("alg");
    if (alg == null || !credential.algorithm().equals(alg.asText())) {
      return "failed to verify jwt";
    }
    byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (!verify(credential, signed, signature)) {
      return "failed to verify jwt";
    }
    List<String> claims = config.claims().isEmpty() ? List.of("nbf", "exp") : config.claims();
    long now = nowSeconds.getAsLong();
    for (String claim : claims) {
      JsonNode v = payload.get(claim);
      if (v == null || v.isNull()) {
        if (config.claims().isEmpty()) {
          continue; // by default a claim is checked only when present
        }
        return "failed to verify jwt";
      }
      if (!v.isNumber()) {
        return "failed to verify jwt";
      }
      double t = v.asDouble();
      boolean ok = claim.equals("exp") ? t > now - credential.grace() : t < now + credential.grace();
      if (!ok) {
        return "failed to verify jwt";
      }
    }
    if (config.storeInCtx()) {
      ctx.state().put("jwt_auth_payload", payload);
    }
    return entry;
  }

  static boolean verify(Credential credential, byte[] signed, byte[] signature) {
    String bits = credential.algorithm().substring(2);
    try {
      if (credential.secret() != null) {
        Mac mac = Mac.getInstance("HmacSHA" + bits);
        mac.init(new SecretKeySpec(credential.secret(), "HmacSHA" + bits));
        return MessageDigest.isEqual(mac.doFinal(signed), signature);
      }
      Signature s = Signature.getInstance("SHA" + bits + "withRSA");
      s.initVerify(credential.publicKey());
      s.update(signed);
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // a malformed signature is a failed verification, as APISIX's guarded verifier
    }
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    Object result = authenticate(config, ctx);
    if (result instanceof Entry entry) {
      AuthHolders.attach(ctx, entry.consumer(), entry.credentialId(), entry.customId());
    } else if (config.anonymous() != null && consumers.contains(config.anonymous())) {
      AuthHolders.attach(ctx, config.anonymous(), null, null);
    } else {
      String message = config.anonymous() != null ? "Invalid user authorization" : (String) result;
      PluginResponse r = PluginResponse.message(401, message);
      Map<String, String> headers = new HashMap<>(r.headers());
      headers.put("WWW-Authenticate", "Bearer realm=\"" + config.realm() + "\"");
      return new PluginResponse(401, headers, r.body());
    }
    return null;
  }
}
