package io.dynconf.radix.internal;

/**
 * A small, allocation-free parser for textual IPv4 and IPv6 addresses. It never consults DNS or
 * any other resolver: text that is not an address literal is simply rejected.
 *
 * <p>IPv4: a dotted quad of four decimal octets, each 0-255 with one to three digits and no leading
 * zero (so {@code 010} is rejected rather than read as octal or decimal, as glibc's
 * {@code inet_pton} does). IPv6: eight groups of one to four hex digits (either case), at most one
 * {@code ::} standing for one or more zero groups, and optionally a trailing embedded dotted quad
 * ({@code ::ffff:1.2.3.4}) counting as two groups. Zone ids ({@code %eth0}), brackets, ports and
 * surrounding whitespace are not accepted.
 */
final class IpParser {

  /** Result: an IPv4 address; {@code out[0] == 0}, {@code out[1]} holds the 32-bit value. */
  static final int V4 = 4;

  /** Result: an IPv6 address; {@code out[0]} holds the high 64 bits, {@code out[1]} the low 64. */
  static final int V6 = 6;

  /** Result: the text is not an IPv4 or IPv6 address. */
  static final int NOT_AN_ADDRESS = -1;

  /** Result: the text has the shape of a dotted quad but an octet is out of range or malformed. */
  static final int BAD_OCTET = -2;

  private IpParser() {}

  /**
   * Parses {@code s[from, to)} into {@code out} (length at least 2).
   *
   * @return {@link #V4}, {@link #V6}, {@link #NOT_AN_ADDRESS} or {@link #BAD_OCTET}; on a negative
   *     result {@code out} holds unspecified values
   */
  static int parse(String s, int from, int to, long[] out) {
    if (from >= to) {
      return NOT_AN_ADDRESS;
    }
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ':') {
        return parseV6(s, from, to, out);
      }
    }
    long v4 = parseV4(s, from, to);
    if (v4 < 0) {
      return (int) v4;
    }
    out[0] = 0;
    out[1] = v4;
    return V4;
  }

  /** The 32-bit value of the dotted quad {@code s[from, to)}, or a negative result code. */
  private static long parseV4(String s, int from, int to) {
    long v = 0;
    int parts = 0;
    boolean badOctet = false;
    int i = from;
    while (true) {
      int start = i;
      int octet = 0;
      while (i < to && isDigit(s.charAt(i))) {
        if (i - start < 4) {
          octet = octet * 10 + (s.charAt(i) - '0');
        }
        i++;
      }
      int digits = i - start;
      if (digits == 0) {
        return NOT_AN_ADDRESS;
      }
      if (digits > 3 || octet > 255 || (digits > 1 && s.charAt(start) == '0')) {
        badOctet = true;
      }
      v = (v << 8) | (octet & 0xff);
      parts++;
      if (i == to) {
        break;
      }
      if (s.charAt(i) != '.' || parts == 4) {
        return NOT_AN_ADDRESS;
      }
      i++;
    }
    if (parts != 4) {
      return NOT_AN_ADDRESS;
    }
    return badOctet ? BAD_OCTET : v;
  }

  private static int parseV6(String s, int from, int to, long[] out) {
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
      while (i < to && hexValue(s.charAt(i)) >= 0) {
        if (i - start == 4) {
          return NOT_AN_ADDRESS;
        }
        group = (group << 4) | hexValue(s.charAt(i));
        i++;
      }
      if (i == start) {
        return NOT_AN_ADDRESS;
      }
      int groups;
      long bits;
      if (i < to && s.charAt(i) == '.') {
        long v4 = parseV4(s, start, to);
        if (v4 < 0) {
          return (int) v4;
        }
        groups = 2;
        bits = v4;
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

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
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
}
