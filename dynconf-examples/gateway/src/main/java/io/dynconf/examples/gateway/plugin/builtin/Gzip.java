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
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code gzip} (priority 995): compresses the response (the upstream's or a plugin's) as
 * nginx's gzip filter does once APISIX has switched it on: only when the client accepts {@code
 * gzip} ({@code Accept-Encoding}, a zero {@code q} refusing it), the status is 200, 403 or 404, the
 * response has a {@code Content-Type} matching {@code types} (default {@code ["text/html"]}, the
 * media type without parameters; {@code "*"} for any), no {@code Content-Encoding}, a {@code
 * Content-Length} of at least {@code min_length} (default 20; an unknown length is compressed),
 * and the request's HTTP version is at least {@code http_version} (1.1 or 1.0, default 1.1).
 * {@code comp_level} 1 to 9 (default 1). A compressed response gets {@code Content-Encoding:
 * gzip}, loses {@code Content-Length} (sent chunked), has a strong {@code ETag} made weak, and gets
 * {@code Vary: Accept-Encoding} when {@code vary} is true. The decision is taken on the final
 * head, after every plugin's header filter, and the body is compressed after every plugin's body
 * filter (nginx's filter runs after APISIX's). Compression streams part by part through Netty's
 * zlib encoder: no body is held whole. {@code buffers} ({@code number}, {@code size}: nginx's
 * {@code gzip_buffers}) is accepted and has no effect here.
 */
public final class Gzip implements GatewayPlugin<Gzip.Config> {

  /** @param types lower-case media types, or null for any */
  record Config(@Nullable Set<String> types, long minLength, int level, double httpVersion, boolean vary) {}

  private static final String SCHEMA = Schemas.load("gzip");

  @Override
  public String name() {
    return "gzip";
  }

  /** The schema {@link #configure} enforces (bundled as {@code schema/gzip.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 995;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("types", "min_length", "comp_level", "http_version", "buffers", "vary", "_meta"), Set.of());
    Set<String> types = Set.of("text/html");
    Object t = c.raw("types");
    if ("*".equals(t)) {
      types = null;
    } else if (t != null) {
      if (!(t instanceof List<?>)) {
        throw new InvalidConfigException("/types", "an array of media types or \"*\" is required");
      }
      List<String> list = c.strings("types");
      if (list.isEmpty()) {
        throw new InvalidConfigException("/types", "at least one media type is required");
      }
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).isEmpty()) {
          throw new InvalidConfigException("/types/" + i, "must not be empty");
        }
      }
      types = Set.copyOf(list.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).toList());
    }
    long minLength = c.integer("min_length", 20, 1, Long.MAX_VALUE);
    int level = (int) c.integer("comp_level", 1, 1, 9);
    double version = 1.1;
    Object v = c.raw("http_version");
    if (v != null) {
      if (!(v instanceof Number n) || (n.doubleValue() != 1.0 && n.doubleValue() != 1.1)) {
        throw new InvalidConfigException("/http_version", "must be 1.1 or 1.0");
      }
      version = n.doubleValue();
    }
    if (c.has("buffers")) {
      if (!(c.raw("buffers") instanceof Map<?, ?> m)) {
        throw new InvalidConfigException("/buffers", "an object is required");
      }
      try {
        @SuppressWarnings("unchecked")
        Conf b = new Conf((Map<String, @Nullable Object>) m, Set.of("number", "size"));
        b.integer("number", 32, 1, Long.MAX_VALUE);
        b.integer("size", 4096, 1, Long.MAX_VALUE);
      } catch (InvalidConfigException e) {
        throw e.under("/buffers");
      }
    }
    return new Config(types, minLength, level, version, c.bool("vary", false));
  }

  @Override
  public void headerFilter(Config config, PluginContext ctx, ResponseHead head) {
    HttpRequest request = ctx.request().request();
    if (request.method() == HttpMethod.HEAD || !acceptsGzip(request.headers())) {
      return;
    }
    double version = request.protocolVersion().majorVersion() + request.protocolVersion().minorVersion() / 10.0;
    if (version < config.httpVersion()) {
      return;
    }
    head.afterHeaderFilters(() -> decide(config, head));
  }

  /** On the final head: compress when it qualifies. */
  private static void decide(Config config, ResponseHead head) {
    int status = head.status();
    if (status != 200 && status != 403 && status != 404) {
      return;
    }
    HttpHeaders h = head.headers();
    String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.isEmpty()) {
      return;
    }
    String type = h.get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null) {
      return; // as nginx: no type, no compression
    }
    if (config.types() != null) {
      int semi = type.indexOf(';');
      String media = (semi >= 0 ? type.substring(0, semi) : type).strip().toLowerCase(Locale.ROOT);
      if (!config.types().contains(media)) {
        return;
      }
    }
    byte[] replaced = head.body();
    long length = replaced != null ? replaced.length : contentLength(h);
    if (length >= 0 && length < config.minLength()) {
      return;
    }
    h.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    String etag = h.get(HttpHeaderNames.ETAG);
    if (etag != null && etag.startsWith("\"")) {
      h.set(HttpHeaderNames.ETAG, "W/" + etag); // as nginx: the bytes differ, the entity is the same
    }
    if (config.vary()) {
      h.add(HttpHeaderNames.VARY, "Accept-Encoding");
    }
    head.addBodyFilter(new Compress(config.level()));
  }

  private static long contentLength(HttpHeaders h) {
    String s = h.get(HttpHeaderNames.CONTENT_LENGTH);
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether {@code Accept-Encoding} names {@code gzip} (or {@code *}) with a non-zero quality. */
  static boolean acceptsGzip(HttpHeaders headers) {
    boolean star = false;
    for (String value : headers.getAll(HttpHeaderNames.ACCEPT_ENCODING)) {
      for (String item : value.split(",")) {
        String[] parts = item.split(";");
        String coding = parts[0].strip().toLowerCase(Locale.ROOT);
        boolean gzip = coding.equals("gzip") || coding.equals("x-gzip");
        if (!gzip && !coding.equals("*")) {
          continue;
        }
        boolean zero = false;
        for (int i = 1; i < parts.length; i++) {
          String p = parts[i].strip().toLowerCase(Locale.ROOT);
          if (p.startsWith("q=")) {
            try {
              zero = Double.parseDouble(p.substring(2).strip()) <= 0;
            } catch (NumberFormatException e) {
              zero = true;
            }
          }
        }
        if (gzip) {
          return !zero; // an explicit gzip decides, even after a *
        }
        star = !zero;
      }
    }
    return star;
  }

  /** Gzips the body as it streams, with Netty's zlib encoder (the JDK's Deflater) in an embedded channel. */
  private static final class Compress implements BodyFilter {
    private final EmbeddedChannel encoder;

    Compress(int level) {
      encoder = new EmbeddedChannel(ZlibCodecFactory.newZlibEncoder(ZlibWrapper.GZIP, level));
    }

    @Override
    public ByteBuf filter(ByteBuf part, boolean last, ByteBufAllocator alloc) {
      if (part.isReadable()) {
        encoder.writeOutbound(part);
      } else {
        part.release();
      }
      if (last) {
        encoder.finish();
      }
      CompositeByteBuf out = alloc.compositeBuffer();
      for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
        if (b.isReadable()) {
          out.addComponent(true, b);
        } else {
          b.release();
        }
      }
      return out;
    }

    @Override
    public void abandon() {
      encoder.finishAndReleaseAll();
    }
  }
}
