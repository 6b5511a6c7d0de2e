package io.dynconf.radix;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The one path a request is routed on, and the rules a request's target and {@code Host} must
 * pass before it is routed at all. Every host server adapter parses its request target here and
 * routes (and runs plugins) on {@link #path()}, so that no spelling of a path reaches a route's
 * upstream without passing that route: {@code /%70rivate/x}, {@code /public/../private/x},
 * {@code //private/x} and {@code /private%2fx} are all {@code /private/x}.
 *
 * <p>{@link #path()} is nginx's {@code $uri} (what APISIX routes on): percent-decoded
 * (as UTF-8), dot segments {@code .} and {@code ..} resolved, repeated slashes merged, a decoded
 * {@code %2F} a slash like any other. Refused with {@link InvalidRequestException} (answer 400),
 * as nginx refuses them: a target that is neither origin-form ({@code /path?query}) nor
 * absolute-form ({@code http://host/path}), malformed percent-encoding ({@code %zz}, {@code %4}),
 * {@code %00}, a path that climbs above {@code /} ({@code /a/../..}). Refused too, where nginx
 * would pass a spelling that another server behind the gateway may read differently: control
 * characters, a raw {@code #}, a backslash (raw or {@code %5C}: some servers read it as a
 * slash), bytes that are not valid UTF-8 (the overlong {@code %C0%AF} that old servers read as
 * {@code /}), a dot segment spelled with percent-encoding ({@code %2e%2e}) or in a path that also
 * has an encoded slash (a server that splits on raw slashes only would resolve it elsewhere), and
 * a dot segment with a path parameter ({@code ..;}, which some servers take for {@code ..}), and
 * double percent-encoding ({@code %252e}, {@code %25%32%65}: a {@code %25} followed by two hex
 * digits, raw or themselves encoded, which a server that decodes twice reads as {@code .}).
 *
 * <p>What goes upstream is not rebuilt from the decoded path: APISIX (nginx) forwards the
 * client's target as received unless a plugin rewrote it, so ids containing {@code %2F} survive.
 * {@link #originForm()} is that target (reduced to origin-form when the client sent the absolute
 * form). A path a plugin rewrites is decoded text: send it with {@link #encodePath(String)}.
 *
 * <p>Immutable; parsing an already clean origin-form path allocates only the substrings.
 */
public final class RequestTarget {
  private final String path;
  private final String rawPath;
  private final @Nullable String query;
  private final @Nullable String authority;

  private RequestTarget(String path, String rawPath, @Nullable String query, @Nullable String authority) {
    this.path = path;
    this.rawPath = rawPath;
    this.query = query;
    this.authority = authority;
  }

  /**
   * Parses a request target as it appears in the request line: origin-form ({@code /a/b?x=1}) or
   * absolute-form ({@code http://host:port/a/b?x=1}, RFC 9112 section 3.2.2). Characters up to
   * U+00FF are taken as the bytes a server decoded as ISO-8859-1; higher ones as their UTF-8.
   *
   * @throws InvalidRequestException naming the target and the reason (answer 400)
   */
  public static RequestTarget parse(String target) {
    int start = 0;
    String authority = null;
    if (target.isEmpty()) {
      throw invalid(target, "empty");
    }
    if (target.charAt(0) != '/') {
      int scheme = schemeEnd(target);
      if (scheme < 0) {
        throw invalid(target, "must start with / (origin-form) or http:// (absolute-form)");
      }
      String s = target.substring(0, scheme).toLowerCase(Locale.ROOT);
      if (!s.equals("http") && !s.equals("https")) {
        throw invalid(target, "scheme " + s + " is not http or https");
      }
      int a = scheme + 3;
      int end = a;
      while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?' && target.charAt(end) != '#') {
        end++;
      }
      authority = target.substring(a, end);
      if (authority.indexOf('@') >= 0) {
        throw invalid(target, "userinfo (@) is not allowed in the authority");
      }
      try {
        checkHost(authority);
      } catch (InvalidRequestException e) {
        throw invalid(target, "authority: " + e.getMessage());
      }
      start = end;
    }
    int q = target.indexOf('?', start);
    int pathEnd = q < 0 ? target.length() : q;
    String rawPath = start == pathEnd ? "/" : target.substring(start, pathEnd);
    if (rawPath.charAt(0) != '/') {
      throw invalid(target, "must start with / (origin-form) or http:// (absolute-form)");
    }
    String query = q < 0 ? null : target.substring(q + 1);
    if (query != null) {
      for (int i = 0; i < query.length(); i++) {
        char c = query.charAt(i);
        if (c <= 0x20 || c == 0x7f || c == '#') {
          throw invalid(target, "character 0x" + Integer.toHexString(c) + " is not allowed in the query");
        }
      }
    }
    String path;
    try {
      path = normalizePath(rawPath);
    } catch (InvalidRequestException e) {
      throw invalid(target, String.valueOf(e.getMessage()));
    }
    return new RequestTarget(path, rawPath, query, authority);
  }

  /**
   * The path to route on: decoded and normalised (see the class comment). Starts with {@code /};
   * ends with {@code /} when the target's path did, or ended in a dot segment.
   */
  public String path() {
    return path;
  }

  /** The path as the client sent it (percent-encoding kept), {@code /} for an absolute-form target without one. */
  public String rawPath() {
    return rawPath;
  }

  /** The query as sent, without the {@code ?}; null when the target has none. */
  public @Nullable String query() {
    return query;
  }

  /** The authority of an absolute-form target ({@code host[:port]}); null for origin-form. */
  public @Nullable String authority() {
    return authority;
  }

  /**
   * What goes upstream when no plugin rewrote it: the client's path and query, as sent, in
   * origin-form; only bytes outside ASCII (sent raw, which RFC 9112 does not allow) are
   * percent-encoded, so that a client library writing the request line as UTF-8 cannot turn them
   * into other characters.
   */
  public String originForm() {
    String target = query == null ? rawPath : rawPath + "?" + query;
    for (int i = 0; i < target.length(); i++) {
      if (target.charAt(i) >= 0x80) {
        return encodeNonAscii(target);
      }
    }
    return target;
  }

  private static String encodeNonAscii(String target) {
    StringBuilder out = new StringBuilder(target.length() + 16);
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c < 0x80) {
        out.append(c);
      } else {
        int end = Character.isHighSurrogate(c) && i + 1 < target.length() ? i + 2 : i + 1;
        byte[] bytes = c <= 0xff ? new byte[] {(byte) c} : target.substring(i, end).getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
          out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 15, 16)))
              .append(Character.toUpperCase(Character.forDigit(b & 15, 16)));
        }
        i = end - 1;
      }
    }
    return out.toString();
  }

  /**
   * Decodes and normalises an origin-form path (no query): nginx's {@code $uri}, with the
   * refusals of the class comment.
   *
   * @throws InvalidRequestException naming the reason
   */
  public static String normalizePath(String raw) {
    int n = raw.length();
    if (n == 0 || raw.charAt(0) != '/') {
      throw new InvalidRequestException("a path must start with /");
    }
    if (isClean(raw)) {
      return raw;
    }
    byte[] bytes = new byte[n * 3];
    boolean[] encoded = new boolean[n * 3];
    int len = 0;
    boolean encodedSlash = false;
    for (int i = 0; i < n; i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= n) {
          throw new InvalidRequestException("incomplete percent-encoding at " + i);
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0 || raw.charAt(i + 1) > 0x7f || raw.charAt(i + 2) > 0x7f) {
          throw new InvalidRequestException("malformed percent-encoding \"" + raw.substring(i, i + 3) + "\" at " + i);
        }
        int b = (hi << 4) | lo;
        if (b == 0) {
          throw new InvalidRequestException("%00 (NUL) is not allowed in a path");
        }
        if (b == '\\') {
          throw new InvalidRequestException("a backslash (%5C) is not allowed in a path");
        }
        if (b == '/') {
          encodedSlash = true;
        }
        encoded[len] = true;
        bytes[len++] = (byte) b;
        i += 2;
      } else if (c <= 0x20 || c == 0x7f) {
        throw new InvalidRequestException("control character or space 0x" + Integer.toHexString(c) + " at " + i);
      } else if (c == '\\') {
        throw new InvalidRequestException("a backslash is not allowed in a path");
      } else if (c == '#') {
        throw new InvalidRequestException("a fragment (#) is not allowed in a request target");
      } else if (c <= 0xff) {
        bytes[len++] = (byte) c;
      } else {
        int cpEnd = Character.isHighSurrogate(c) && i + 1 < n ? i + 2 : i + 1;
        byte[] utf8 = raw.substring(i, cpEnd).getBytes(StandardCharsets.UTF_8);
        i = cpEnd - 1;
        for (byte b : utf8) {
          bytes[len++] = b;
        }
      }
    }
    for (int k = 0; k + 2 < len; k++) { // every '%' here was spelled %25: raw ones were decoded above
      if (bytes[k] == '%' && hexDigit(bytes[k + 1]) && hexDigit(bytes[k + 2])) {
        throw new InvalidRequestException("double percent-encoding (%25 followed by \"" + (char) bytes[k + 1]
            + (char) bytes[k + 2] + "\", itself spelled raw or encoded) is not allowed in a path");
      }
    }
    byte[] out = new byte[len + 1];
    int o = 0;
    out[o++] = '/';
    int i = 1;
    while (i <= len) {
      int j = i;
      boolean enc = false;
      while (j < len && bytes[j] != '/') {
        enc |= encoded[j];
        j++;
      }
      int seg = j - i;
      boolean dot = (seg == 1 && bytes[i] == '.') || (seg == 2 && bytes[i] == '.' && bytes[i + 1] == '.');
      if (dot) {
        if (enc) {
          throw new InvalidRequestException("a dot segment spelled with percent-encoding is not allowed");
        }
        if (encodedSlash) {
          throw new InvalidRequestException("a dot segment in a path with an encoded slash (%2F) is not allowed");
        }
        if (seg == 2) {
          if (o == 1) {
            throw new InvalidRequestException("the path climbs above /");
          }
          o--; // the '/' that ends the last segment
          while (out[o - 1] != '/') {
            o--;
          }
        }
      } else if (seg > 0) {
        if (bytes[i] == '.' && (seg >= 2 && bytes[i + 1] == ';' || seg >= 3 && bytes[i + 1] == '.' && bytes[i + 2] == ';')) {
          throw new InvalidRequestException("a dot segment with a path parameter (.; or ..;) is not allowed");
        }
        System.arraycopy(bytes, i, out, o, seg);
        o += seg;
        if (j < len) {
          out[o++] = '/';
        }
      }
      i = j + 1;
    }
    return utf8(out, o);
  }

  /** True when {@code raw} needs neither decoding nor normalisation nor a refusal: returned as is. */
  private static boolean isClean(String raw) {
    char prev = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '%' || c == '\\' || c == '#' || (prev == '/' && (c == '/' || c == '.'))) {
        return false;
      }
      prev = c;
    }
    return true;
  }

  private static boolean hexDigit(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }

  private static String utf8(byte[] b, int len) {
    boolean ascii = true;
    for (int i = 0; i < len && ascii; i++) {
      ascii = b[i] >= 0;
    }
    if (ascii) {
      return new String(b, 0, len, StandardCharsets.ISO_8859_1);
    }
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, len));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new InvalidRequestException("the decoded path is not valid UTF-8 (overlong or malformed bytes)");
    }
  }

  /**
   * Percent-encodes a decoded path for a request line: every byte of its UTF-8 outside RFC 3986's
   * {@code pchar} and {@code /} (a space, {@code %}, {@code ?}, {@code #}, control characters,
   * non-ASCII) becomes {@code %XX}, so a rewritten path can never end the request line or start a
   * query.
   */
  public static String encodePath(String path) {
    StringBuilder out = null;
    byte[] bytes = null;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c >= 0x80 || !pchar(c)) {
        out = new StringBuilder(path.length() + 16);
        bytes = path.getBytes(StandardCharsets.UTF_8);
        break;
      }
    }
    if (out == null || bytes == null) {
      return path;
    }
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c < 0x80 && pchar((char) c)) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return out.toString();
  }

  private static boolean pchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
  }

  /**
   * Checks a {@code Host} value (or an absolute-form authority): {@code name[:port]} or
   * {@code [IPv6][:port]}, the name of RFC 3986's reg-name characters (letters, digits,
   * {@code -._~!$&'()*+,;=%}), no {@code ..}, the port digits. Refuses an empty value, a
   * {@code /} ({@code good/private}), a backslash, {@code @}, spaces and control characters.
   *
   * @throws InvalidRequestException naming the value and the reason
   */
  public static void checkHost(String host) {
    int n = host.length();
    if (n == 0) {
      throw new InvalidRequestException("Host is empty");
    }
    int i;
    if (host.charAt(0) == '[') {
      int close = host.indexOf(']');
      if (close < 2) {
        throw new InvalidRequestException("Host \"" + printable(host) + "\": an unterminated IPv6 literal");
      }
      for (int k = 1; k < close; k++) {
        char c = host.charAt(k);
        if (!(Character.digit(c, 16) >= 0 && c < 0x80 || c == ':' || c == '.')) {
          throw new InvalidRequestException("Host \"" + printable(host) + "\": character '" + printable(String.valueOf(c))
              + "' is not allowed in an IPv6 literal");
        }
      }
      i = close + 1;
    } else {
      i = 0;
      while (i < n && host.charAt(i) != ':') {
        char c = host.charAt(i);
        boolean ok = c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=%".indexOf(c) >= 0);
        if (!ok) {
          throw new InvalidRequestException("Host \"" + printable(host) + "\": character '" + printable(String.valueOf(c))
              + "' is not allowed");
        }
        if (c == '.' && i > 0 && host.charAt(i - 1) == '.') {
          throw new InvalidRequestException("Host \"" + printable(host) + "\": \"..\" is not allowed");
        }
        i++;
      }
      if (i == 0) {
        throw new InvalidRequestException("Host \"" + printable(host) + "\": the name is empty");
      }
    }
    if (i < n) {
      if (host.charAt(i) != ':') {
        throw new InvalidRequestException("Host \"" + printable(host) + "\": unexpected text after the IPv6 literal");
      }
      for (int k = i + 1; k < n; k++) {
        char c = host.charAt(k);
        if (c < '0' || c > '9') {
          throw new InvalidRequestException("Host \"" + printable(host) + "\": the port must be digits");
        }
      }
      if (n - i - 1 > 5) {
        throw new InvalidRequestException("Host \"" + printable(host) + "\": the port is too long");
      }
    }
  }

  /**
   * The {@code Host} a request is routed on, after RFC 9112's rules (section 3.2): an HTTP/1.1
   * request needs exactly one {@code Host}; more than one, or one with an invalid value
   * ({@link #checkHost}), is refused in any version; an absolute-form target's authority replaces
   * the header (its {@code Host} still has to be valid).
   *
   * @param http11 whether the request is HTTP/1.1 (or later)
   * @param hostHeaders every {@code Host} field line of the request, in order
   * @param target the parsed target (its authority wins)
   * @return the host to route on, null for an HTTP/1.0 request without one
   * @throws InvalidRequestException naming the reason (answer 400)
   */
  public static @Nullable String routingHost(boolean http11, List<String> hostHeaders, RequestTarget target) {
    if (hostHeaders.size() > 1) {
      throw new InvalidRequestException("more than one Host header");
    }
    if (hostHeaders.isEmpty() && http11) {
      throw new InvalidRequestException("an HTTP/1.1 request needs a Host header");
    }
    String header = hostHeaders.isEmpty() ? null : hostHeaders.get(0).trim();
    if (header != null) {
      checkHost(header);
    }
    String host = target.authority() != null ? target.authority() : header;
    return host == null ? null : withoutFinalDot(host);
  }

  /**
   * {@code name.} is the name {@code name} (a fully qualified DNS name): nginx drops the final dot
   * from {@code $host}, and so routing must, or {@code secret.example.} would miss the routes of
   * {@code secret.example} (and the plugins guarding them) and fall to a host-less route.
   */
  static String withoutFinalDot(String host) {
    if (host.startsWith("[")) {
      return host;
    }
    int colon = host.indexOf(':');
    int end = colon < 0 ? host.length() : colon;
    if (end == 0 || host.charAt(end - 1) != '.') {
      return host;
    }
    if (end == 1) {
      throw new InvalidRequestException("Host \"" + printable(host) + "\": the name is empty");
    }
    return host.substring(0, end - 1) + host.substring(end);
  }

  private static int schemeEnd(String target) {
    int i = 0;
    while (i < target.length() && i < 16) {
      char c = target.charAt(i);
      boolean ok = c < 0x80 && (Character.isLetter(c) || (i > 0 && (Character.isDigit(c) || c == '+' || c == '-' || c == '.')));
      if (!ok) {
        break;
      }
      i++;
    }
    return i > 0 && target.startsWith("://", i) ? i : -1;
  }

  private static InvalidRequestException invalid(String target, String why) {
    return new InvalidRequestException("request target \"" + printable(target.length() > 200 ? target.substring(0, 200) + "..." : target)
        + "\": " + why);
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"') {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return originForm() + " -> " + path;
  }
}
