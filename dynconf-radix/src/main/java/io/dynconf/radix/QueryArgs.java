package io.dynconf.radix;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's query arguments as {@code $arg_*} and route {@code vars} read them: split on {@code &}
 * and the first {@code =}, {@code +} as a space, {@code %XX} decoded; as nginx's argument decoding
 * (which APISIX reads), a {@code %} not followed by two hexadecimal digits is kept as written; the
 * bytes, escaped or raw (one char per byte, as Netty reads a request line), are read as UTF-8, and
 * bytes that are not UTF-8 become U+FFFD. A client's malformed escape is its value, never an
 * exception on the event loop (Netty's {@code QueryStringDecoder} throws on {@code %zz}). At most
 * {@link #MAX_ARGS} arguments are read, as nginx and Netty bound them.
 */
public final class QueryArgs {
  /** The most arguments read from one query (Netty's {@code QueryStringDecoder} default). */
  public static final int MAX_ARGS = 1024;

  private QueryArgs() {}

  /** The arguments of {@code query} (without the {@code ?}), in order, each name's values in order. */
  public static Map<String, List<String>> parse(String query) {
    Map<String, List<String>> args = new LinkedHashMap<>();
    int start = 0;
    int n = 0;
    while (start <= query.length() && n < MAX_ARGS) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      if (end > start) {
        int eq = query.indexOf('=', start);
        String name;
        String value;
        if (eq < 0 || eq > end) {
          name = decode(query, start, end);
          value = "";
        } else {
          name = decode(query, start, eq);
          value = decode(query, eq + 1, end);
        }
        if (!name.isEmpty()) {
          args.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
          n++;
        }
      }
      start = end + 1;
    }
    return args;
  }

  /** {@code s[from, to)} with {@code +} as a space and valid {@code %XX} escapes decoded. */
  public static String decode(String s, int from, int to) {
    boolean plain = true;
    for (int i = from; i < to && plain; i++) {
      char c = s.charAt(i);
      plain = c != '%' && c != '+' && c < 0x80;
    }
    if (plain) {
      return s.substring(from, to);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      int hi;
      int lo;
      if (c == '%' && i + 2 < to && (hi = Character.digit(s.charAt(i + 1), 16)) >= 0
          && (lo = Character.digit(s.charAt(i + 2), 16)) >= 0) {
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else if (c < 0x100) {
        out.write(c); // the request line's bytes, as Netty read them (one char per byte)
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
