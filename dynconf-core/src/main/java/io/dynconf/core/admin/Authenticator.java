package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks the {@code X-API-KEY} header (or {@code X_API_KEY}, the same header to nginx) against the configured keys (SHA-256 digests, compared in
 * constant time, every key every time) and the role against the method: 401 or 403 otherwise.
 */
final class Authenticator {
  record ApiKey(byte[] digest, AdminRole role) {}

  private final List<ApiKey> keys;

  Authenticator(List<ApiKey> keys) {
    this.keys = List.copyOf(keys);
  }

  /** The role of the request's key; throws 401 (no or a wrong key) or 403 (a viewer's write). */
  AdminRole authenticate(AdminRequest request, String method) {
    // nginx reads $http_x_api_key from a header named X-API-KEY or x_api_key alike (APISIX turns
    // underscores_in_headers on), and clients such as APISIX's own tests send the latter
    String given = AdminApi.apiKey(request::header);
    if (given == null || given.isEmpty()) {
      String cookie = request.header("Cookie");
      boolean elsewhere = request.query().containsKey("api_key")
          || (cookie != null && cookie.toLowerCase(Locale.ROOT).contains("x_api_key"));
      throw new Problem(401, "failed to check token", Map.of(), Map.of("description",
          elsewhere ? "missing apikey: the key is accepted only in the " + AdminApi.API_KEY_HEADER + " header, not in the query or a cookie" : "missing apikey"));
    }
    byte[] digest = sha256(given);
    AdminRole role = null;
    for (ApiKey k : keys) { // every key is compared, in constant time, whatever matches
      boolean match = MessageDigest.isEqual(k.digest(), digest);
      if (match && role == null) {
        role = k.role();
      }
    }
    if (role == null) {
      throw new Problem(401, "failed to check token", Map.of(), Map.of("description", "wrong apikey"));
    }
    if (role == AdminRole.VIEWER && !method.equals("GET")) {
      throw new Problem(403, "failed to check token", Map.of(), Map.of("description", "invalid method for role viewer"));
    }
    return role;
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
