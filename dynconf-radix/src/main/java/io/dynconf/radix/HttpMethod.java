package io.dynconf.radix;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP methods that an APISIX route may list in its {@code methods} field, each with one bit
 * so that a route's methods fit in an {@code int} mask and a request is matched with one
 * {@code AND}.
 *
 * <p>Two ways in, for two kinds of input:
 *
 * <ul>
 *   <li>{@link #mask(Collection)} reads route configuration. Names are case-sensitive upper case,
 *       as APISIX's schema requires, and an unknown name is a configuration error, so it throws.
 *   <li>{@link #parse(CharSequence)} reads the method of a request on the hot path. It does not
 *       allocate, and an unknown method (including a lower-case one, since HTTP methods are
 *       case-sensitive) is not an error but a method no route can match, so it returns null.
 * </ul>
 *
 * <p>The bits are fixed: {@code GET} is bit 0, {@code POST} bit 1, and so on in declaration
 * order. {@link #ANY} has the bit of every method set and no other bit.
 */
public enum HttpMethod {
  GET(1),
  POST(1 << 1),
  PUT(1 << 2),
  DELETE(1 << 3),
  PATCH(1 << 4),
  HEAD(1 << 5),
  OPTIONS(1 << 6),
  CONNECT(1 << 7),
  TRACE(1 << 8),
  PURGE(1 << 9);

  /**
   * The mask of a route that lists no methods: the bit of every method is set, so it matches any
   * known method. Bits above {@code PURGE} are clear.
   */
  public static final int ANY = (1 << 10) - 1;

  private static final HttpMethod[] VALUES = values();

  private final int bit;

  HttpMethod(int bit) {
    this.bit = bit;
  }

  /** Returns this method's bit: a power of two, distinct for every method, within {@link #ANY}. */
  public int bit() {
    return bit;
  }

  /**
   * Returns the mask of the given method names, as listed in a route's {@code methods} field.
   *
   * @param names upper-case method names such as {@code GET}; duplicates are harmless
   * @return the union of the names' bits, or {@link #ANY} if {@code names} is empty, because a
   *     route without methods matches every method
   * @throws IllegalArgumentException if a name is not one of the constants of this enum, matched
   *     case-sensitively; the message names it and lists the allowed names
   * @throws NullPointerException if {@code names} or one of its elements is null
   */
  public static int mask(Collection<String> names) {
    Objects.requireNonNull(names, "names");
    if (names.isEmpty()) {
      return ANY;
    }
    int mask = 0;
    for (String name : names) {
      Objects.requireNonNull(name, "names must not contain null");
      HttpMethod method = parse(name);
      if (method == null) {
        throw new IllegalArgumentException(unknownNameMessage(name));
      }
      mask |= method.bit;
    }
    return mask;
  }

  /**
   * Returns the method named exactly {@code name}, without allocating.
   *
   * @param name a request's method, for example {@code GET}
   * @return the method, or null if {@code name} is not exactly (case-sensitively) the name of one
   *     of the constants, for example {@code get}, {@code GET } or {@code PROPFIND}
   */
  public static @Nullable HttpMethod parse(CharSequence name) {
    switch (name.length()) {
      case 3:
        switch (name.charAt(0)) {
          case 'G':
            return equalsFrom1(name, "GET") ? GET : null;
          case 'P':
            return equalsFrom1(name, "PUT") ? PUT : null;
          default:
            return null;
        }
      case 4:
        switch (name.charAt(0)) {
          case 'P':
            return equalsFrom1(name, "POST") ? POST : null;
          case 'H':
            return equalsFrom1(name, "HEAD") ? HEAD : null;
          default:
            return null;
        }
      case 5:
        switch (name.charAt(0)) {
          case 'P':
            switch (name.charAt(1)) {
              case 'A':
                return equalsFrom1(name, "PATCH") ? PATCH : null;
              case 'U':
                return equalsFrom1(name, "PURGE") ? PURGE : null;
              default:
                return null;
            }
          case 'T':
            return equalsFrom1(name, "TRACE") ? TRACE : null;
          default:
            return null;
        }
      case 6:
        return name.charAt(0) == 'D' && equalsFrom1(name, "DELETE") ? DELETE : null;
      case 7:
        switch (name.charAt(0)) {
          case 'O':
            return equalsFrom1(name, "OPTIONS") ? OPTIONS : null;
          case 'C':
            return equalsFrom1(name, "CONNECT") ? CONNECT : null;
          default:
            return null;
        }
      default:
        return null;
    }
  }

  /**
   * Returns whether {@code mask} admits {@code method}, that is whether the method's bit is set.
   * Bits that belong to no method are ignored.
   */
  public static boolean matches(int mask, HttpMethod method) {
    return (mask & method.bit) != 0;
  }

  /**
   * Returns the methods whose bits are set in {@code mask}.
   *
   * @param mask a mask built from {@link #bit()}s, for example by {@link #mask(Collection)}
   * @return an unmodifiable set that iterates in declaration order ({@code GET} first); empty for
   *     {@code 0}, every method for {@link #ANY}
   * @throws IllegalArgumentException if {@code mask} has a bit set outside {@link #ANY}
   */
  public static Set<HttpMethod> fromMask(int mask) {
    if ((mask & ~ANY) != 0) {
      throw new IllegalArgumentException(
          String.format(
              "mask 0x%x has bits set that name no HTTP method: 0x%x (valid bits: 0x%x)",
              mask, mask & ~ANY, ANY));
    }
    EnumSet<HttpMethod> methods = EnumSet.noneOf(HttpMethod.class);
    for (HttpMethod method : VALUES) {
      if ((mask & method.bit) != 0) {
        methods.add(method);
      }
    }
    return Collections.unmodifiableSet(methods);
  }

  /** Compares all but the first character; the caller has checked the length and first char. */
  private static boolean equalsFrom1(CharSequence candidate, String name) {
    for (int i = 1; i < name.length(); i++) {
      if (candidate.charAt(i) != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String unknownNameMessage(String name) {
    StringBuilder message =
        new StringBuilder("unknown HTTP method ").append(quote(name)).append(": allowed are ");
    for (int i = 0; i < VALUES.length; i++) {
      message.append(i == 0 ? "" : ", ").append(VALUES[i].name());
    }
    HttpMethod upper = parse(name.toUpperCase(Locale.ROOT));
    if (upper != null) {
      message.append(" (names are case-sensitive; did you mean ").append(upper.name()).append("?)");
    }
    return message.toString();
  }

  /** Quotes a name for an error message, escaping control and non-ASCII characters. */
  private static String quote(String value) {
    StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
