package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code redirect} (priority 900, rewrite phase): exactly one of {@code uri} (a template:
 * {@code $var} and {@code ${var}} are APISIX variables, {@code \$var} stays as written),
 * {@code regex_uri} ({@code [regex, template]} on the path, {@code $1}, {@code ${1}}; no match, no
 * redirect) and {@code http_to_https} (a request whose {@code X-Forwarded-Proto}, else scheme, is not
 * https goes to {@code https://$host$request_uri}, 301 for GET and HEAD, 308 otherwise);
 * {@code ret_code} (default 302), {@code encode_uri} (percent-encodes the path part as nginx's
 * {@code ngx_escape_uri}), {@code append_query_string} (adds the request's query; not with
 * {@code http_to_https}). The answer has the {@code Location} header and an empty body.
 * {@code http_to_https} always redirects to port 443: APISIX's {@code plugin_attr.redirect.https_port}
 * and {@code apisix.ssl.listen} are not known to plugins here.
 */
public final class Redirect implements GatewayPlugin<Redirect.Config> {
  private static final Pattern SEGMENT = Pattern.compile("(\\\\\\$[0-9a-zA-Z_]+)|\\$\\{([0-9a-zA-Z_]+)\\}|\\$([0-9a-zA-Z_]+)|(\\$|[^$\\\\]+)");
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  /** A piece of a {@code uri} template: literal text, or the variable {@code var}. */
  record Segment(@Nullable String text, @Nullable String var) {}

  record Config(@Nullable List<Segment> uri, @Nullable Pattern regex, @Nullable String replacement, boolean httpToHttps,
      int code, boolean encode, boolean appendQuery) {}

  @Override
  public String name() {
    return "redirect";
  }

  private static final String SCHEMA = Schemas.load("redirect");

  /** The schema {@link #configure} enforces (bundled as {@code schema/redirect.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 900;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("uri", "regex_uri", "http_to_https", "ret_code", "encode_uri", "append_query_string", "_meta"), Set.of());
    int present = (c.raw("uri") != null ? 1 : 0) + (c.raw("regex_uri") != null ? 1 : 0) + (c.raw("http_to_https") != null ? 1 : 0);
    if (present != 1) {
      throw new InvalidConfigException(c.raw("uri") != null ? "/regex_uri" : "/uri",
          "exactly one of uri, regex_uri and http_to_https is required" + (present > 1 ? ", not several" : ""));
    }
    List<Segment> uri = null;
    String template = c.string("uri");
    if (template != null) {
      if (template.length() < 2) {
        throw new InvalidConfigException("/uri", "at least 2 characters are required");
      }
      uri = parse(template);
    }
    Pattern regex = null;
    String replacement = null;
    if (c.raw("regex_uri") != null) {
      List<String> parts = c.strings("regex_uri");
      if (parts.size() != 2) {
        throw new InvalidConfigException("/regex_uri", "expected [regex, replacement]");
      }
      try {
        regex = Pattern.compile(parts.get(0));
      } catch (PatternSyntaxException e) {
        throw new InvalidConfigException("/regex_uri/0", "invalid regex_uri: " + e.getDescription());
      }
      replacement = ProxyRewrite.javaReplacement(parts.get(1), regex.matcher("").groupCount());
    }
    boolean https = c.bool("http_to_https", false);
    int code = (int) c.integer("ret_code", 302, 200, 599);
    boolean encode = c.bool("encode_uri", false);
    boolean append = c.bool("append_query_string", false);
    if (https && append) {
      throw new InvalidConfigException("/append_query_string", "only one of `http_to_https` and `append_query_string` can be configured.");
    }
    return new Config(uri, regex, replacement, https, code, encode, append);
  }

  private static List<Segment> parse(String template) {
    List<Segment> out = new ArrayList<>();
    Matcher m = SEGMENT.matcher(template);
    while (m.find()) {
      if (m.group(2) != null || m.group(3) != null) {
        out.add(new Segment(null, m.group(2) != null ? m.group(2) : m.group(3)));
      } else {
        out.add(new Segment(m.group(1) != null ? m.group(1) : m.group(4), null));
      }
    }
    return List.copyOf(out);
  }

  private static String expand(List<Segment> template, PluginContext ctx) {
    StringBuilder out = new StringBuilder();
    for (Segment s : template) {
      if (s.var() == null) {
        out.append(s.text());
        continue;
      }
      Object v = ctx.var(s.var());
      if (v instanceof List<?> l) {
        v = l.isEmpty() ? null : l.get(0);
      }
      if (v != null) {
        out.append(v);
      }
    }
    return out.toString();
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    int code = config.code();
    List<Segment> uri = config.uri();
    if (config.httpToHttps()) {
      String proto = ctx.request().request().headers().get("X-Forwarded-Proto");
      String scheme = proto != null ? proto : ctx.request().scheme();
      if (scheme.equals("https")) {
        return null;
      }
      uri = List.of(new Segment("https://", null), new Segment(null, "host"), new Segment(null, "request_uri"));
      String method = ctx.request().method();
      code = method.equals("GET") || method.equals("HEAD") ? 301 : 308;
    }
    String location;
    if (uri != null) {
      location = expand(uri, ctx);
    } else if (config.regex() != null && config.replacement() != null) {
      Matcher m = config.regex().matcher(ctx.request().path());
      if (!m.find()) {
        return null;
      }
      StringBuilder sb = new StringBuilder();
      m.appendReplacement(sb, config.replacement());
      m.appendTail(sb);
      location = sb.toString();
    } else {
      return null;
    }
    int q = location.indexOf('?');
    if (config.encode()) {
      location = q < 0 ? escape(location) : escape(location.substring(0, q)) + location.substring(q);
    }
    String query = ctx.request().query();
    if (config.appendQuery() && query != null) {
      location = location + (q >= 0 ? "&" : "?") + query;
    }
    return new PluginResponse(code, Map.of("Location", headerValue(location)), new byte[0]);
  }

  /** nginx's {@code ngx_escape_uri} for a URI: space, {@code #}, {@code %}, {@code ?}, controls and non-ASCII bytes. */
  static String escape(String s) {
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(in.length);
    for (byte b : in) {
      int c = b & 0xff;
      if (c <= 0x20 || c == '#' || c == '%' || c == '?' || c >= 0x7f) {
        out.append('%').append((char) HEX[c >> 4]).append((char) HEX[c & 15]);
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }

  /**
   * The UTF-8 bytes of {@code s} as a header value (one char per byte, as they go on the wire), control
   * characters percent-encoded so that a decoded {@code %0D%0A} in the path cannot end the header.
   */
  private static String headerValue(String s) {
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(in.length);
    for (byte b : in) {
      int c = b & 0xff;
      if (c < 0x20 || c == 0x7f) {
        out.append('%').append((char) HEX[c >> 4]).append((char) HEX[c & 15]);
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }
}
