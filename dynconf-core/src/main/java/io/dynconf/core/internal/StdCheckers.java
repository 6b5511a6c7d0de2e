package io.dynconf.core.internal;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.tls.Pem;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.Ssl;
import io.dynconf.core.apisix.StreamRoute;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.core.match.VarsExpression;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.everit.json.schema.Schema;
import org.everit.json.schema.ValidationException;
import org.jspecify.annotations.Nullable;

/**
 * Checkers of the standard types: the rules of APISIX's {@code check_conf} functions that JSON
 * Schema cannot express (see schema/NOTES.md). Rules the schemas already enforce (uri or uris, one
 * of plugins/upstream/upstream_id/service_id/script, host and hosts exclusive, ...) are not
 * repeated. An ssl's certificates and keys are parsed and paired (see {@link #ssl}); an upstream's
 * client certificate and key are checked for their PEM shape only. Nothing is decrypted.
 */
public final class StdCheckers {
  private static final Pattern SECRET_REF = Pattern.compile("^(\\$secret://|\\$[Ee][Nn][Vv]://)");
  private static final Map<String, Schema> CHASH_KEYS = Map.of(
      "vars", StdSchemas.definition("upstreams.json", "upstream_hash_vars_schema"),
      "header", StdSchemas.definition("upstreams.json", "upstream_hash_header_schema"),
      "cookie", StdSchemas.definition("upstreams.json", "upstream_hash_header_schema"));

  private StdCheckers() {}

  /** An embedded upstream passes the upstream checks; {@code vars} is a valid expression. */
  public static void route(Route route) {
    embedded(route.upstream());
    VarsExpression.parse(route.vars(), "/vars");
  }

  /** An embedded upstream passes the upstream checks. */
  public static void service(Service service) {
    embedded(service.upstream());
  }

  private static void embedded(@Nullable Upstream upstream) {
    if (upstream != null) {
      try {
        upstream(upstream);
      } catch (InvalidConfigException e) {
        throw e.under("/upstream");
      }
    }
  }

  /**
   * APISIX's {@code check_upstream_conf}: {@code pass_host} rewrite needs {@code upstream_host};
   * the TLS client certificate and key have the PEM shape; a {@code chash} upstream has a {@code
   * key} (unless it hashes on the consumer) that suits its {@code hash_on}. Beyond APISIX (see
   * schema/NOTES.md): {@code type} is not empty, and {@code checks} makes sense (see {@link
   * #checks}).
   *
   * <p>{@code type} is not restricted to the built-in balancers here, as in APISIX's schema: the
   * balancer registry of dynconf-radix ({@code io.dynconf.radix.balance.Balancers}) knows the
   * custom balancers plugged in through {@code ServiceLoader} and rejects an unknown name when it
   * builds a picker.
   */
  public static void upstream(Upstream upstream) {
    if (upstream.passHost().equals("rewrite") && upstream.upstreamHost() == null) {
      throw new InvalidConfigException("/upstream_host", "`upstream_host` can't be empty when `pass_host` is `rewrite`");
    }
    if (upstream.type().isBlank()) {
      throw new InvalidConfigException("/type", "empty balancer type: expected roundrobin, chash, ewma, least_conn "
          + "or the name of a custom balancer");
    }
    checks(upstream.checks());
    Upstream.Tls tls = upstream.tls();
    if (tls != null && tls.clientCert() != null) {
      certificate(tls.clientCert(), "/tls/client_cert");
      privateKey(Objects.requireNonNullElse(tls.clientKey(), ""), "/tls/client_key");
    }
    if (!upstream.type().equals("chash") || upstream.hashOn().equals("consumer")) {
      return;
    }
    String key = upstream.key();
    if (key == null) {
      throw new InvalidConfigException("/key", "missing key: a chash upstream that hashes on " + upstream.hashOn() + " needs one");
    }
    Schema schema = CHASH_KEYS.get(upstream.hashOn());
    if (schema != null) {
      try {
        schema.validate(key);
      } catch (ValidationException e) {
        throw new InvalidConfigException("/key", "\"" + key + "\" is not a valid key for hash_on " + upstream.hashOn()
            + (upstream.hashOn().equals("vars") ? " (expected an nginx variable such as remote_addr, uri or arg_name)"
                : " (expected a header or cookie name: letters, digits, '-' and '_')"));
      }
    }
  }

  /**
   * Health check settings that APISIX's schema accepts but that cannot work (lua-resty-healthcheck
   * would fail or misbehave at run time): an active {@code timeout} that is not above 0, a {@code
   * concurrency} below 1, an HTTP probe path that does not start with {@code /}, and a status that
   * is listed as both healthy and unhealthy (when both lists are written).
   */
  static void checks(Map<String, @Nullable Object> checks) {
    if (checks.get("active") instanceof Map<?, ?> active) {
      if (active.get("timeout") instanceof Number timeout && timeout.doubleValue() <= 0) {
        throw new InvalidConfigException("/checks/active/timeout", "must be greater than 0 seconds, was " + timeout);
      }
      if (active.get("concurrency") instanceof Number concurrency && concurrency.longValue() < 1) {
        throw new InvalidConfigException("/checks/active/concurrency", "must be at least 1, was " + concurrency);
      }
      Object type = active.get("type");
      if (!"tcp".equals(type) && active.get("http_path") instanceof String path && !path.startsWith("/")) {
        throw new InvalidConfigException("/checks/active/http_path", "\"" + path + "\" must start with '/' for "
            + (type == null ? "http" : type) + " probes");
      }
      disjointStatuses(active, "/checks/active");
    }
    if (checks.get("passive") instanceof Map<?, ?> passive) {
      disjointStatuses(passive, "/checks/passive");
    }
  }

  private static void disjointStatuses(Map<?, ?> check, String pointer) {
    if (check.get("healthy") instanceof Map<?, ?> healthy && healthy.get("http_statuses") instanceof List<?> good
        && check.get("unhealthy") instanceof Map<?, ?> unhealthy && unhealthy.get("http_statuses") instanceof List<?> bad) {
      for (Object status : good) {
        if (bad.contains(status)) {
          throw new InvalidConfigException(pointer + "/unhealthy/http_statuses", "status " + status
              + " is also listed in " + pointer.substring(1) + "/healthy/http_statuses: a status is healthy or unhealthy, not both");
        }
      }
    }
  }

  /**
   * APISIX's {@code check_ssl_conf}, checked deeper: every certificate parses as X.509 and has not
   * expired (at the time of the check), every PEM private key parses (PKCS#8, PKCS#1 RSA or SEC1
   * EC) and belongs to its certificate, a server ssl has as many {@code keys} as {@code certs}, and
   * {@code client.ca} parses. A pair with a secret reference is skipped. An encrypted key (APISIX's
   * base64 AES-CBC form, or the gateway's {@code $aesgcm$<key id>$<base64>}) is checked for its
   * shape only: the keys that open it are not here, so the server that serves it reports a key
   * that does not open or does not match.
   */
  public static void ssl(Ssl ssl) {
    ssl(ssl, Instant.now());
  }

  /** {@link #ssl(Ssl)} with the instant at which certificates must be valid. */
  public static void ssl(Ssl ssl, Instant now) {
    sslPair(ssl.cert(), ssl.key(), "/cert", "/key", now);
    if (ssl.type().equals("client")) {
      return;
    }
    if (ssl.certs().size() != ssl.keys().size()) {
      throw new InvalidConfigException("/keys", "mismatched number of certs and keys: " + ssl.certs().size()
          + " certs, " + ssl.keys().size() + " keys");
    }
    for (int i = 0; i < ssl.certs().size(); i++) {
      sslPair(ssl.certs().get(i), ssl.keys().get(i), "/certs/" + i, "/keys/" + i, now);
    }
    if (ssl.client() != null && !isSecretRef(ssl.client().ca())) {
      certificate(ssl.client().ca(), "/client/ca");
      SslMaterial.certificates(ssl.client().ca(), "/client/ca", null);
    }
  }

  private static void sslPair(String cert, String key, String certPointer, String keyPointer, Instant now) {
    if (isSecretRef(cert) || isSecretRef(key)) {
      return;
    }
    certificate(cert, certPointer);
    privateKey(key, keyPointer);
    List<X509Certificate> chain = SslMaterial.certificates(cert, certPointer, now);
    if (!key.strip().startsWith("---")) {
      return; // encrypted: the shape was checked by privateKey
    }
    PrivateKey privateKey = SslMaterial.privateKey(key, keyPointer);
    if (!Pem.matches(privateKey, chain.get(0))) {
      throw new InvalidConfigException(keyPointer, "the private key does not match the certificate in "
          + certPointer.substring(1) + " (" + Pem.describe(chain.get(0)) + "): its public key differs");
    }
  }

  /** A stream route is not its own superior. */
  public static void streamRoute(StreamRoute route) {
    if (route.protocol() != null && route.id().equals(route.protocol().superiorId())) {
      throw new InvalidConfigException("/protocol/superior_id", "a stream route cannot be its own superior");
    }
  }

  private static boolean isSecretRef(String value) {
    return SECRET_REF.matcher(value).find();
  }

  private static void certificate(String pem, String pointer) {
    List<String> labels = pemLabels(pem, pointer);
    if (!labels.contains("CERTIFICATE")) {
      throw new InvalidConfigException(pointer, "not a PEM certificate: expected -----BEGIN CERTIFICATE----- "
          + "... -----END CERTIFICATE-----");
    }
  }

  /**
   * A PEM private key, or (when it does not start with {@code ---}) an encrypted one: the gateway's
   * {@code $aesgcm$} envelope or APISIX's form.
   */
  private static void privateKey(String key, String pointer) {
    if (key.strip().startsWith("$aesgcm$")) {
      SslMaterial.envelope(key, pointer);
      return;
    }
    if (!key.strip().startsWith("---")) {
      byte[] ciphertext = base64(key);
      if (ciphertext == null || ciphertext.length % 16 != 0) {
        throw new InvalidConfigException(pointer, "neither a PEM private key (-----BEGIN ... PRIVATE KEY-----) "
            + "nor an encrypted one ($aesgcm$<key id>$<base64>, or APISIX's base64 of AES-CBC ciphertext)");
      }
      return;
    }
    if (pemLabels(key, pointer).stream().noneMatch(label -> label.endsWith("PRIVATE KEY"))) {
      throw new InvalidConfigException(pointer, "not a PEM private key: expected -----BEGIN ... PRIVATE KEY----- "
          + "... -----END ... PRIVATE KEY-----");
    }
  }

  /** The labels of the PEM blocks in {@code text}; each block's body must be base64 (header lines aside), not empty. */
  private static List<String> pemLabels(String text, String pointer) {
    List<String> labels = new ArrayList<>();
    for (Pem.Block block : Pem.blocks(text)) {
      byte[] der;
      try {
        der = block.der();
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(pointer, String.valueOf(e.getMessage()));
      }
      if (der.length == 0) {
        throw new InvalidConfigException(pointer, "the body of the PEM block " + block.label() + " is not base64");
      }
      labels.add(block.label());
    }
    return labels;
  }

  /** The bytes of non-empty base64 text (whitespace ignored), or null. */
  private static byte @Nullable [] base64(String text) {
    String compact = text.replaceAll("\\s", "");
    try {
      return compact.isEmpty() ? null : Base64.getDecoder().decode(compact);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
