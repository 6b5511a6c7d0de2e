package io.dynconf.core.match;

import java.util.List;

/**
 * A set of IPv4 and IPv6 addresses and CIDR blocks, with lua-resty-ipmatcher 0.6.1's {@code match}
 * semantics (the matcher behind lua-resty-expr's {@code ipmatch}): an address is tested against
 * the blocks of its own family only (so {@code ::ffff:10.0.0.1} is not in {@code 10.0.0.0/8});
 * {@code /0} holds every address of its family; host bits set in a block ({@code 10.1.2.3/8}) are
 * ignored. Addresses are read as glibc's {@code inet_pton} reads them: dotted-quad IPv4 without
 * leading zeros, IPv6 in any RFC 4291 text form (embedded IPv4 allowed, no zone id); a looked-up
 * IPv6 address may be wrapped in brackets ({@code [::1]}). Immutable; {@link #contains} allocates
 * nothing and scans the blocks linearly (vars rules hold a handful).
 */
final class IpSet {
  private static final int VALID = 0;
  private static final int HIGH = 1;
  private static final int LOW = 2;

  private final int[] v4Net;
  private final int[] v4Mask;
  private final long[] v6NetHi;
  private final long[] v6NetLo;
  private final long[] v6MaskHi;
  private final long[] v6MaskLo;

  private IpSet(int v4, int v6) {
    v4Net = new int[v4];
    v4Mask = new int[v4];
    v6NetHi = new long[v6];
    v6NetLo = new long[v6];
    v6MaskHi = new long[v6];
    v6MaskLo = new long[v6];
  }

  /**
   * The set of {@code blocks}, each an address or {@code address/prefix}.
   *
   * @throws IllegalArgumentException naming the first block that is neither
   */
  static IpSet of(List<String> blocks) {
    int v4 = 0;
    for (String block : blocks) {
      v4 += ipv4(block, 0, addressEnd(block)) >= 0 ? 1 : 0;
    }
    IpSet set = new IpSet(v4, blocks.size() - v4);
    int i4 = 0;
    int i6 = 0;
    for (String block : blocks) {
      int end = addressEnd(block);
      long a4 = ipv4(block, 0, end);
      boolean isV4 = a4 >= 0;
      if (!isV4 && ipv6(block, 0, end, VALID) == 0) {
        throw new IllegalArgumentException("not an IP address or CIDR block: " + block);
      }
      int bits = isV4 ? 32 : 128;
      if (end < block.length()) {
        String prefix = block.substring(end + 1);
        bits = prefix.matches("0|[1-9][0-9]{0,2}") ? Integer.parseInt(prefix) : -1;
        if (bits < 0 || bits > (isV4 ? 32 : 128)) {
          throw new IllegalArgumentException("not an IP address or CIDR block: " + block);
        }
      }
      if (isV4) {
        int mask = bits == 0 ? 0 : -1 << (32 - bits);
        set.v4Mask[i4] = mask;
        set.v4Net[i4++] = (int) a4 & mask;
      } else {
        long maskHi = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
        long maskLo = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
        set.v6MaskHi[i6] = maskHi;
        set.v6MaskLo[i6] = maskLo;
        set.v6NetHi[i6] = ipv6(block, 0, end, HIGH) & maskHi;
        set.v6NetLo[i6++] = ipv6(block, 0, end, LOW) & maskLo;
      }
    }
    return set;
  }

  private static int addressEnd(String block) {
    int slash = block.indexOf('/');
    return slash < 0 ? block.length() : slash;
  }

  /**
   * Whether {@code ip} is an address in this set; false when it is not an address at all
   * (ipmatcher's {@code match} answers {@code false, "invalid ip address"} then).
   */
  boolean contains(String ip) {
    int n = ip.length();
    long a4 = ipv4(ip, 0, n);
    if (a4 >= 0) {
      for (int i = 0; i < v4Net.length; i++) {
        if (((int) a4 & v4Mask[i]) == v4Net[i]) {
          return true;
        }
      }
      return false;
    }
    int from = 0;
    int to = n;
    if (n >= 2 && ip.charAt(0) == '[' && ip.charAt(n - 1) == ']') {
      from = 1;
      to = n - 1;
    }
    if (v6NetHi.length == 0 || ipv6(ip, from, to, VALID) == 0) {
      return false;
    }
    long hi = ipv6(ip, from, to, HIGH);
    long lo = ipv6(ip, from, to, LOW);
    for (int i = 0; i < v6NetHi.length; i++) {
      if ((hi & v6MaskHi[i]) == v6NetHi[i] && (lo & v6MaskLo[i]) == v6NetLo[i]) {
        return true;
      }
    }
    return false;
  }

  /**
   * glibc's {@code inet_pton(AF_INET)} of {@code s[from, to)}: the address as an unsigned 32-bit
   * value, or -1 when it is not four dot-separated decimal octets of at most 255 without leading
   * zeros.
   */
  static long ipv4(CharSequence s, int from, int to) {
    long address = 0;
    int octets = 0;
    int value = 0;
    int digits = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return -1;
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

  /**
   * glibc's {@code inet_pton(AF_INET6)} of {@code s[from, to)}, without allocating: for {@code
   * VALID} 1 if it is an IPv6 address and 0 if not, for {@code HIGH} and {@code LOW} the first and
   * last 64 bits of a valid address. Groups before {@code ::} fill the address from the left, those
   * after it from the right.
   */
  static long ipv6(CharSequence s, int from, int to, int part) {
    long headHi = 0;
    long headLo = 0;
    long tailHi = 0;
    long tailLo = 0;
    int groups = 0; // 16-bit groups written, both sides of ::
    boolean gap = false;
    int i = from;
    if (i == to) {
      return invalid(part);
    }
    if (s.charAt(i) == ':' && (++i == to || s.charAt(i) != ':')) {
      return invalid(part);
    }
    int token = i;
    int digits = 0;
    int value = 0;
    while (i < to) {
      char c = s.charAt(i++);
      int digit = c < 128 ? Character.digit(c, 16) : -1;
      if (digit >= 0) {
        if (digits == 4) {
          return invalid(part);
        }
        value = value << 4 | digit;
        digits++;
        continue;
      }
      if (c == ':') {
        token = i;
        if (digits == 0) {
          if (gap) {
            return invalid(part);
          }
          gap = true;
          continue;
        }
        if (i == to || groups == 8) {
          return invalid(part);
        }
      } else if (c == '.' && groups <= 6) {
        long v4 = ipv4(s, token, to);
        if (v4 < 0) {
          return invalid(part);
        }
        value = (int) (v4 >>> 16);
        digits = 0;
        i = to;
        // the first half of the IPv4 address is a group of its own; the second is written below
      } else {
        return invalid(part);
      }
      if (gap) {
        tailHi = tailHi << 16 | tailLo >>> 48;
        tailLo = tailLo << 16 | value;
      } else if (groups < 4) {
        headHi |= (long) value << (16 * (3 - groups));
      } else {
        headLo |= (long) value << (16 * (7 - groups));
      }
      groups++;
      if (c == '.') {
        value = (int) (ipv4(s, token, to) & 0xffff);
        digits = 1;
      } else {
        value = 0;
        digits = 0;
      }
    }
    if (digits > 0) {
      if (groups == 8) {
        return invalid(part);
      }
      if (gap) {
        tailHi = tailHi << 16 | tailLo >>> 48;
        tailLo = tailLo << 16 | value;
      } else if (groups < 4) {
        headHi |= (long) value << (16 * (3 - groups));
      } else {
        headLo |= (long) value << (16 * (7 - groups));
      }
      groups++;
    }
    if (gap ? groups == 8 : groups != 8) {
      return invalid(part);
    }
    switch (part) {
      case HIGH: return headHi | tailHi;
      case LOW: return headLo | tailLo;
      default: return 1;
    }
  }

  private static long invalid(int part) {
    if (part != VALID) {
      throw new IllegalStateException("not an IPv6 address");
    }
    return 0;
  }
}
