package io.dynconf.netty.plugin;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A response a plugin answers with instead of proxying. */
public record PluginResponse(int status, Map<String, String> headers, byte[] body) {

  public PluginResponse {
    headers = Map.copyOf(headers);
  }

  /** A JSON response {@code {"message": "..."}} as APISIX's plugins answer. */
  public static PluginResponse message(int status, String message) {
    String json = "{\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n";
    return new PluginResponse(status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
  }
}
