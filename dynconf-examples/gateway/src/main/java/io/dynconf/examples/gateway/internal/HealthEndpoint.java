package io.dynconf.examples.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.Health;
import io.dynconf.core.admin.AdminResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /dynconf/health}, on the admin listener and on the status listener: without a key
 * {@code {"status":"UP|STALE|DOWN"}} only; with the admin or viewer key ({@code X-API-KEY}) the
 * details of {@link ConfigRegistry#health()}; a wrong key is 401. HTTP 200 for UP and STALE
 * (serving the last good configuration is correct), 503 for DOWN. Never blocks.
 */
public final class HealthEndpoint {
  public static final String PATH = "/dynconf/health";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConfigRegistry registry;
  private final List<byte[]> keyDigests;

  public HealthEndpoint(ConfigRegistry registry, String adminKey, @Nullable String viewerKey) {
    this.registry = registry;
    this.keyDigests = viewerKey == null ? List.of(sha256(adminKey)) : List.of(sha256(adminKey), sha256(viewerKey));
  }

  /** The answer to {@code method} on {@link #PATH} with the {@code X-API-KEY} header's value (or null). */
  public AdminResponse answer(String method, @Nullable String apiKey) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return json(405, "{\"error_msg\":\"method not allowed\"}");
    }
    if (apiKey != null && !known(apiKey)) {
      return json(401, "{\"error_msg\":\"invalid X-API-KEY\"}");
    }
    Health h;
    try {
      h = registry.health();
    } catch (RuntimeException e) { // a health check never answers 200 on an error
      return json(503, "{\"status\":\"DOWN\"}");
    }
    int code = h.serving() ? 200 : 503;
    ObjectNode body = JSON.createObjectNode().put("status", h.status().name());
    if (apiKey != null) {
      body.put("since", h.since() == null ? null : h.since().toString());
      body.put("reason", h.reason());
      body.put("state", h.state().name());
      body.put("applied_revision", h.appliedRevision());
      body.put("rejected", h.rejected());
      body.put("pending", h.pending());
      body.put("source_connected", h.sourceConnected());
      body.put("last_contact", h.lastContact() == null ? null : h.lastContact().toString());
      body.put("source", h.source());
      body.put("listener_failures", h.listenerFailures());
      body.put("last_listener_failure", h.lastListenerFailure());
    }
    return json(code, body.toString());
  }

  private boolean known(String key) {
    byte[] d = sha256(key);
    boolean ok = false;
    for (byte[] k : keyDigests) {
      ok |= MessageDigest.isEqual(k, d);
    }
    return ok;
  }

  private static AdminResponse json(int status, String body) {
    return new AdminResponse(status, Map.of("Content-Type", "application/json", "Cache-Control", "no-store"),
        body.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
