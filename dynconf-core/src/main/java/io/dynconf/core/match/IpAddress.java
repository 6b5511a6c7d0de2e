package io.dynconf.core.match;

import io.dynconf.core.internal.Quote;
import org.jspecify.annotations.Nullable;

/**
 * The one parser of IPv4 and IPv6 address literals and CIDR blocks in dynconf: the router's
 * {@code remote_addrs}, the {@code ipmatch} operator of route {@code vars}, the configuration
 * checks of addresses and the gateway's listen addresses all read addresses here. It reads what
 * glibc's {@code inet_pton} reads (as APISIX, through lua-resty-ipmatcher, does) and never consults
 * DNS or any other resolver:
 *
 * <ul>
 *   <li>IPv4: a dotted quad of four decimal octets, each 0-255 without a leading zero ({@code 010}
 *       is refused rather than read as octal or decimal);
 *   <li>IPv6: eight groups of one to four hex digits (either case), at most one {@code ::} standing
 *       for one or more zero groups, optionally ending in a dotted quad that counts as two groups
 *       ({@code ::ffff:192.0.2.1}). Zone ids ({@code %eth0}), brackets, ports and surrounding
 *       whitespace are refused;
 *   <li>a block: an address, or an address, {@code /} and a prefix length of 0-32 (IPv4) or 0-128
 *       (IPv6) in decimal without sign or leading zero; bits set below the prefix ({@code
 *       10.1.2.3/8}) are ignored, as lua-resty-ipmatcher ignores them.
 * </ul>
 *
 * <p>{@link #parse} and {@link #parseBlock} are for hot paths: they allocate nothing and write the
 * address into the caller's array. {@link #problem} and {@link #blockProblem} are for error
 * messages: they say what is wrong with text the parsers refuse.
 *
 * <p>Stateless and thread-safe.
 */
public final class IpAddress {

  /** Result: an IPv4 address; {@code out[0] == 0} and {@code out[1]} holds the 32-bit value. */
  public static final int V4 = 4;

  /** Result: an IPv6 address; {@code out[0]} holds the high 64 bits, {@code out[1]} the low 64. */
  public static final int V6 = 6;

  /** Result: the text is not an IPv4 or IPv6 address (or block). */
  public static final int NOT_AN_ADDRESS = -1;

  private IpAddress() {}

  /**
   * Parses the address {@code s[from, to)} into {@code out} (length at least 2), without
   * allocating.
   *
   * @return {@link #V4}, {@link #V6} or {@link #NOT_AN_ADDRESS}; on {@code NOT_AN_ADDRESS} {@code
   *     out} holds unspecified values
   */
  public static int parse(CharSequence s, int from, int to, long[] out) {
    if (from >= to) {
      return NOT_AN_ADDRESS;
    }
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ':') {
        return parseV6(s, from, to, out);
      }
    }
    long v4 = ipv4(s, from, to);
    if (v4 < 0) {
      return NOT_AN_ADDRESS;
    }
    out[0] = 0;
    out[1] = v4;
    return V4;
  }

  /** Parses the whole of {@code s}; see {@link #parse(CharSequence, int, int, long[])}. */
  public static int parse(CharSequence s, long[] out) {
    return parse(s, 0, s.length(), out);
  }

  /** The family of {@code s} ({@link #V4} or {@link #V6}), or {@link #NOT_AN_ADDRESS}. */
  public static int family(CharSequence s) {
    return parse(s, new long[2]);
  }

  /** Whether {@code s} is an IPv4 or IPv6 address. */
  public static boolean isAddress(CharSequence s) {
    return family(s) != NOT_AN_ADDRESS;
  }

  /** Whether {@code s} is an IPv6 address (without brackets or zone id). */
  public static boolean isIpv6(CharSequence s) {
    return family(s) == V6;
  }

  /**
   * The dotted quad {@code s[from, to)} as an unsigned 32-bit value, or -1 when it is not one.
   * Allocates nothing.
   */
  public static long ipv4(CharSequence s, int from, int to) {
    long address = 0;
    int octets = 0;
    int value = 0;
    int digits = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return -1; // a leading zero
        }
        value = value * 10 + (c - '0');
        if (value > 255) {
          return -1;
        }
        digits++;
      } else if (c == '.' && digits > 0 && octets < 3) {
        address = address << 8 | value;
        octets++;
        value = 0;
        digits = 0;
      } else {
        return -1;
      }
    }
    return digits > 0 && octets == 3 ? address << 8 | value : -1;
  }

  private static int parseV6(CharSequence s, int from, int to, long[] out) {
    long headHi = 0;
    long headLo = 0;
    long tailHi = 0;
    long tailLo = 0;
    int nHead = 0;
    int nTail = 0;
    boolean compressed = false;
    int i = from;
    if (s.charAt(i) == ':') {
      if (i + 1 >= to || s.charAt(i + 1) != ':') {
        return NOT_AN_ADDRESS;
      }
      compressed = true;
      i += 2;
    }
    while (i < to) {
      int start = i;
      int group = 0;
      int digit;
      while (i < to && (digit = hexValue(s.charAt(i))) >= 0) {
        if (i - start == 4) {
          return NOT_AN_ADDRESS;
        }
        group = (group << 4) | digit;
        i++;
      }
      if (i == start) {
        return NOT_AN_ADDRESS;
      }
      int groups;
      long bits;
      if (i < to && s.charAt(i) == '.') {
        bits = ipv4(s, start, to);
        if (bits < 0) {
          return NOT_AN_ADDRESS;
        }
        groups = 2;
        i = to;
      } else {
        groups = 1;
        bits = group;
      }
      if (nHead + nTail + groups > 8) {
        return NOT_AN_ADDRESS;
      }
      int shift = 16 * groups;
      if (compressed) {
        tailHi = (tailHi << shift) | (tailLo >>> (64 - shift));
        tailLo = (tailLo << shift) | bits;
        nTail += groups;
      } else {
        headHi = (headHi << shift) | (headLo >>> (64 - shift));
        headLo = (headLo << shift) | bits;
        nHead += groups;
      }
      if (i == to) {
        break;
      }
      if (s.charAt(i) != ':') {
        return NOT_AN_ADDRESS;
      }
      i++;
      if (i == to) {
        return NOT_AN_ADDRESS; // a single trailing ':'
      }
      if (s.charAt(i) == ':') {
        if (compressed) {
          return NOT_AN_ADDRESS; // a second '::'
        }
        compressed = true;
        i++;
      }
    }
    int total = nHead + nTail;
    if (compressed ? total > 7 : total != 8) {
      return NOT_AN_ADDRESS;
    }
    // Left-align the head: shift it by 16 * (8 - nHead) bits; the tail is already right-aligned.
    int n = 16 * (8 - nHead);
    long hi;
    long lo;
    if (n == 0) {
      hi = headHi;
      lo = headLo;
    } else if (n >= 128) {
      hi = 0;
      lo = 0;
    } else if (n >= 64) {
      hi = headLo << (n - 64);
      lo = 0;
    } else {
      hi = (headHi << n) | (headLo >>> (64 - n));
      lo = headLo << n;
    }
    out[0] = hi | tailHi;
    out[1] = lo | tailLo;
    return V6;
  }

  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * Parses the block {@code s[from, to)} (an address, or {@code address/prefix}) into {@code out}
   * (length at least 4), without allocating: its first address in {@code out[0..1]} and its last
   * in {@code out[2..3]}, laid out as {@link #parse} lays out one address. An address alone is the
   * block of that one address.
   *
   * @return {@link #V4}, {@link #V6} or {@link #NOT_AN_ADDRESS} (also for a bad prefix length)
   */
  public static int parseBlock(CharSequence s, int from, int to, long[] out) {
    int slash = -1;
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == '/') {
        slash = i;
        break;
      }
    }
    int family = parse(s, from, slash < 0 ? to : slash, out);
    if (family == NOT_AN_ADDRESS) {
      return NOT_AN_ADDRESS;
    }
    int bits = family == V4 ? 32 : 128;
    int prefix = slash < 0 ? bits : prefixLength(s, slash + 1, to);
    if (prefix < 0 || prefix > bits) {
      return NOT_AN_ADDRESS;
    }
    int host = bits - prefix; // host bits, counted from the right of the 128 (or 32) bits
    long hostHi = host <= 64 ? 0 : host == 128 ? -1L : (1L << (host - 64)) - 1;
    long hostLo = host == 0 ? 0 : host >= 64 ? -1L : (1L << host) - 1;
    if (family == V4) {
      hostLo &= 0xffff_ffffL;
    }
    out[0] &= ~hostHi;
    out[1] &= ~hostLo;
    out[2] = out[0] | hostHi;
    out[3] = out[1] | hostLo;
    return family;
  }

  /** Parses the whole of {@code s} as a block; see {@link #parseBlock(CharSequence, int, int, long[])}. */
  public static int parseBlock(CharSequence s, long[] out) {
    return parseBlock(s, 0, s.length(), out);
  }

  /** Whether {@code s} is an address or a CIDR block of either family. */
  public static boolean isBlock(CharSequence s) {
    return parseBlock(s, new long[4]) != NOT_AN_ADDRESS;
  }

  /** The decimal {@code s[from, to)} without sign or leading zero, at most 999; -1 otherwise. */
  private static int prefixLength(CharSequence s, int from, int to) {
    if (from == to || to - from > 3 || (to - from > 1 && s.charAt(from) == '0')) {
      return -1;
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  // ---- why text is refused (error paths only: these allocate)

  /**
   * Why {@code s} is not an address, or null when it is one. The reason reads after "is", for
   * example {@code not a valid IPv4 address: octet "256" must be 0..255} or {@code not a valid IPv6
   * address: more than one '::'}; untrusted parts are quoted.
   */
  public static @Nullable String problem(CharSequence s) {
    if (parse(s, new long[2]) != NOT_AN_ADDRESS) {
      return null;
    }
    String text = s.toString();
    if (text.isEmpty()) {
      return "not an IP address: it is empty";
    }
    if (text.indexOf(':') >= 0) {
      return "not a valid IPv6 address: " + ipv6Reason(text);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < '0' || c > '9') && c != '.') {
        return "not an IPv4 or IPv6 address: " + describe(c) + " at index " + i + " is not allowed";
      }
    }
    return "not a valid IPv4 address: " + ipv4Reason(text);
  }

  /**
   * Why {@code s} is not an address or block, or null when it is one: the address's {@link
   * #problem}, or what is wrong with the prefix length (for example {@code prefix length 33 out of
   * range 0-32 for an IPv4 address}).
   */
  public static @Nullable String blockProblem(CharSequence s) {
    String text = s.toString();
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    String problem = problem(address);
    if (problem != null || slash < 0) {
      return problem;
    }
    String prefix = text.substring(slash + 1);
    int bits = family(address) == V4 ? 32 : 128;
    if (prefix.isEmpty()) {
      return "empty prefix length";
    }
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (c < '0' || c > '9') {
        return "prefix length " + Quote.quote(prefix) + " is not a number";
      }
    }
    if (prefix.length() > 1 && prefix.charAt(0) == '0') {
      return "prefix length " + Quote.quote(prefix) + " has a leading zero";
    }
    int value = prefixLength(prefix, 0, prefix.length());
    if (value < 0 || value > bits) {
      return "prefix length " + prefix + " out of range 0-" + bits + " for an IPv"
          + (bits == 32 ? 4 : 6) + " address";
    }
    return null;
  }

  /** Why a dotted quad (digits and dots only) is not a valid IPv4 address. */
  private static String ipv4Reason(String text) {
    String[] octets = text.split("\\.", -1);
    if (octets.length != 4) {
      return "expected four octets such as 127.0.0.1";
    }
    for (String octet : octets) {
      if (octet.isEmpty() || octet.length() > 3 || Integer.parseInt(octet) > 255) {
        return "octet " + Quote.quote(octet) + " must be 0..255";
      }
      if (octet.length() > 1 && octet.charAt(0) == '0') {
        // 010 is 10 to some parsers and 8 (octal) to others: refuse to guess
        return "octet " + Quote.quote(octet) + " has a leading zero";
      }
    }
    return "expected four octets such as 127.0.0.1";
  }

  /** Why a text with a ':' is not a valid IPv6 address. */
  private static String ipv6Reason(String text) {
    if (text.indexOf('%') >= 0) {
      return "a zone id (%...) is not supported";
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (hexValue(c) < 0 && c != ':' && c != '.') {
        return describe(c) + " at index " + i + " is not allowed";
      }
    }
    if (text.contains(":::")) {
      return "':::' is not allowed";
    }
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return "more than one '::'";
    }
    if ((text.startsWith(":") && gap != 0) || (text.endsWith(":") && gap != text.length() - 2)) {
      return "a single ':' at the start or end";
    }
    String[] pieces = (gap < 0 ? text : text.substring(0, gap) + ":" + text.substring(gap + 2)).split(":", -1);
    int groups = 0;
    for (int i = 0; i < pieces.length; i++) {
      String piece = pieces[i];
      if (piece.isEmpty()) {
        continue; // the side of a :: at either end
      }
      if (piece.indexOf('.') >= 0) {
        if (i != pieces.length - 1) {
          return "an embedded IPv4 address (" + Quote.quote(piece) + ") must be the last 32 bits";
        }
        if (ipv4(piece, 0, piece.length()) < 0) {
          return "embedded IPv4 address " + Quote.quote(piece) + ": " + ipv4Reason(piece);
        }
        groups += 2;
      } else if (piece.length() > 4) {
        return "group " + Quote.quote(piece) + " has more than four hex digits";
      } else {
        groups++;
      }
    }
    if (gap < 0) {
      return groups + " groups; expected 8, or '::' for a run of zero groups";
    }
    return groups + " groups and '::', which must stand for at least one zero group";
  }

  private static String describe(char c) {
    if (c >= 0x21 && c <= 0x7e) {
      return "character '" + c + "'";
    }
    return String.format("character U+%04X", (int) c);
  }
}
