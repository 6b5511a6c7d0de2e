package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code client-control} (priority 22000, rewrite phase): {@code max_body_size}, an
 * integer of at least 0 (0: no limit, as nginx's {@code client_max_body_size 0}; absent: the
 * plugin does nothing). A request whose {@code Content-Length} exceeds it is answered 413 before
 * its body is read; a chunked body is counted as it streams and, once past the limit, is cut off
 * (the upstream connection with it) and answered 413, the connection closing after the answer
 * (see {@link PluginContext#requestBodyLimit(long)}). Unlike nginx, which reads the whole body
 * before proxying, the gateway streams it: the upstream may have received the bytes up to the
 * limit when the cut comes.
 */
public final class ClientControl implements GatewayPlugin<ClientControl.Config> {
  private static final PluginResponse TOO_LARGE = new PluginResponse(413, Map.of("Content-Type", "text/plain; charset=utf-8"),
      "413 Request Entity Too Large\n".getBytes(StandardCharsets.UTF_8));

  /** @param maxBodySize the limit, or -1 for none */
  record Config(long maxBodySize) {}

  private static final String SCHEMA = Schemas.load("client-control");

  @Override
  public String name() {
    return "client-control";
  }

  /** The schema {@link #configure} enforces (bundled as {@code schema/client-control.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 22000;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("max_body_size", "_meta"), Set.of());
    long max = c.integer("max_body_size", 0, 0, Long.MAX_VALUE);
    return new Config(max == 0 ? -1 : max);
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    long max = config.maxBodySize();
    if (max < 0) {
      return null;
    }
    String length = ctx.request().request().headers().get("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > max) {
          return TOO_LARGE; // announced: refused before a byte of it is read
        }
      } catch (NumberFormatException e) {
        // the codec refuses a malformed length before plugins run
      }
    }
    ctx.requestBodyLimit(max);
    return null;
  }
}
