package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.ResponseHead;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code response-rewrite}: {@code status_code}, {@code headers} ({@code {set, add,
 * remove}} or a map to set), {@code body} (with {@code body_base64}) replacing the body. Applies to
 * every response of the route, the upstream's or a plugin's. APISIX's {@code vars} and {@code
 * filters} are not supported (rejected with that reason).
 */
public final class ResponseRewrite implements GatewayPlugin<ResponseRewrite.Config> {

  record Config(int status, Conf.HeaderOps headers, byte @Nullable [] body) {}

  @Override
  public String name() {
    return "response-rewrite";
  }

  private static final String SCHEMA = Schemas.load("response-rewrite");

  /** The schema {@link #configure} enforces (bundled as {@code schema/response-rewrite.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 899;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("status_code", "headers", "body", "body_base64", "vars", "filters", "_meta"), Set.of("max_resp_body_size"));
    if (c.has("vars") || c.has("filters")) {
      throw new InvalidConfigException(c.has("vars") ? "/vars" : "/filters", "not supported by this gateway's response-rewrite");
    }
    int status = (int) c.integer("status_code", 0, 200, 598);
    String body = c.string("body");
    byte[] bytes = null;
    if (body != null) {
      if (c.bool("body_base64", false)) {
        try {
          bytes = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigException("/body", "not valid base64 (body_base64 is true)");
        }
      } else {
        bytes = body.getBytes(StandardCharsets.UTF_8);
      }
    }
    return new Config(status, c.headers("headers", true), bytes);
  }

  @Override
  public void headerFilter(Config config, PluginContext ctx, ResponseHead head) {
    if (config.status() != 0) {
      head.status(config.status());
    }
    config.headers().apply(head.headers());
    if (config.body() != null) {
      head.body(config.body());
    }
  }
}
