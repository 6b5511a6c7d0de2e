package io.dynconf.core.internal;

import java.util.regex.Pattern;

/**
 * IP literal and CIDR syntax as APISIX checks it ({@code inet_pton} and lua-resty-ipmatcher):
 * dotted-quad IPv4 without leading zeros, IPv6 in any RFC 4291 text form (no zone id), and
 * {@code address/prefix} with a prefix of at most 32 or 128 bits. Pure syntax: never resolves a
 * name.
 */
public final class StdAddresses {
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern HEXTET = Pattern.compile("[0-9A-Fa-f]{1,4}");
  private static final Pattern PREFIX = Pattern.compile("0|[1-9]\\d{0,2}");

  private StdAddresses() {}

  private static boolean isIpv4(String s) {
    return IPV4.matcher(s).matches();
  }

  /** An IPv6 literal without brackets; an embedded IPv4 is allowed as the last 32 bits. */
  public static boolean isIpv6(String s) {
    int gap = s.indexOf("::");
    if (s.isEmpty() || (gap >= 0 && s.indexOf("::", gap + 1) >= 0)) {
      return false;
    }
    String[] head = gap < 0 ? s.split(":", -1) : split(s.substring(0, gap));
    String[] tail = gap < 0 ? new String[0] : split(s.substring(gap + 2));
    int words = 0;
    int groups = head.length + tail.length;
    for (int i = 0; i < groups; i++) {
      String group = i < head.length ? head[i] : tail[i - head.length];
      if (i == groups - 1 && !s.endsWith(":") && isIpv4(group)) {
        words += 2;
      } else if (HEXTET.matcher(group).matches()) {
        words++;
      } else {
        return false;
      }
    }
    return gap < 0 ? words == 8 : words < 8;
  }

  private static String[] split(String part) {
    return part.isEmpty() ? new String[0] : part.split(":", -1);
  }

  /** An IPv4 or IPv6 address, or a CIDR block of either. */
  public static boolean isIpOrCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return isIpv4(s) || isIpv6(s);
    }
    String address = s.substring(0, slash);
    String prefix = s.substring(slash + 1);
    if (!PREFIX.matcher(prefix).matches()) {
      return false;
    }
    int bits = Integer.parseInt(prefix);
    return isIpv4(address) ? bits <= 32 : isIpv6(address) && bits <= 128;
  }
}
