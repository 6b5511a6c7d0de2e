package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.BodyFilter;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code echo} (priority 412): {@code body} replaces the response body (the upstream's or
 * a plugin's), {@code before_body} is sent before it and {@code after_body} after it, {@code
 * headers} (names to string or number values) are set on the response. At least one of {@code
 * before_body}, {@code body}, {@code after_body} is required, as in APISIX ({@code headers} alone
 * is refused). When a body field is set the response loses {@code Content-Length} (recomputed, or
 * chunked), {@code Content-Encoding}, {@code Last-Modified} and {@code ETag}, as APISIX's {@code
 * clear_header_as_body_modified}. A replacement is the one {@link ResponseRewrite} uses ({@link
 * ResponseHead#body}); the wrapping is a body filter, so a streamed body stays streamed.
 */
public final class Echo implements GatewayPlugin<Echo.Config> {
  private static final Pattern TOKEN = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$");

  record Config(byte @Nullable [] before, byte @Nullable [] body, byte @Nullable [] after, Conf.HeaderOps headers) {
    boolean changesBody() {
      return before != null || body != null || after != null;
    }
  }

  private static final String SCHEMA = Schemas.load("echo");

  @Override
  public String name() {
    return "echo";
  }

  /** The schema {@link #configure} enforces (bundled as {@code schema/echo.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 412;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("before_body", "body", "after_body", "headers", "_meta"), Set.of());
    byte[] before = bytes(c.string("before_body"));
    byte[] body = bytes(c.string("body"));
    byte[] after = bytes(c.string("after_body"));
    if (before == null && body == null && after == null) {
      throw new InvalidConfigException("/body", "one of before_body, body and after_body is required");
    }
    Map<String, String> headers = Map.of();
    if (c.has("headers")) {
      if (!(c.raw("headers") instanceof Map<?, ?> m) || m.isEmpty()) {
        throw new InvalidConfigException("/headers", "an object of at least one header is required");
      }
      headers = c.stringMap("headers");
      for (String name : headers.keySet()) {
        if (!TOKEN.matcher(name).matches()) {
          throw new InvalidConfigException("/headers/" + name, "not a header name");
        }
      }
    }
    return new Config(before, body, after, new Conf.HeaderOps(headers, List.of(), List.of()));
  }

  private static byte @Nullable [] bytes(@Nullable String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void headerFilter(Config config, PluginContext ctx, ResponseHead head) {
    if (config.changesBody()) {
      head.headers().remove(HttpHeaderNames.CONTENT_LENGTH).remove(HttpHeaderNames.CONTENT_ENCODING)
          .remove(HttpHeaderNames.LAST_MODIFIED).remove(HttpHeaderNames.ETAG);
    }
    config.headers().apply(head.headers());
    if (config.body() != null) {
      head.body(config.body());
    }
    if (config.before() != null || config.after() != null) {
      head.addBodyFilter(new Wrap(config.before(), config.after()));
    }
  }

  /** Sends {@code before} ahead of the body's first part and {@code after} with its last. */
  private static final class Wrap implements BodyFilter {
    private byte @Nullable [] before;
    private final byte @Nullable [] after;

    Wrap(byte @Nullable [] before, byte @Nullable [] after) {
      this.before = before;
      this.after = after;
    }

    @Override
    public ByteBuf filter(ByteBuf part, boolean last, ByteBufAllocator alloc) {
      byte[] head = before;
      byte[] tail = last ? after : null;
      if (head == null && tail == null) {
        return part;
      }
      before = null;
      CompositeByteBuf out = alloc.compositeBuffer(3);
      if (head != null) {
        out.addComponent(true, Unpooled.wrappedBuffer(head));
      }
      out.addComponent(true, part);
      if (tail != null) {
        out.addComponent(true, Unpooled.wrappedBuffer(tail));
      }
      return out;
    }
  }
}
