package io.dynconf.core.match;

import java.util.List;

/**
 * A set of IPv4 and IPv6 addresses and CIDR blocks, with lua-resty-ipmatcher 0.6.1's {@code match}
 * semantics (the matcher behind lua-resty-expr's {@code ipmatch}): an address is tested against
 * the blocks of its own family only (so {@code ::ffff:10.0.0.1} is not in {@code 10.0.0.0/8});
 * {@code /0} holds every address of its family; host bits set in a block ({@code 10.1.2.3/8}) are
 * ignored. Addresses and blocks are read by {@link IpAddress} (glibc's {@code inet_pton}); a
 * looked-up IPv6 address may be wrapped in brackets ({@code [::1]}). Immutable; {@link #contains}
 * allocates nothing and scans the blocks linearly (vars rules hold a handful).
 */
final class IpSet {
  /** Parse scratch per thread, so that {@link #contains} allocates nothing. */
  private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[4]);

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
   * @throws IllegalArgumentException naming the first block that is neither, and why
   */
  static IpSet of(List<String> blocks) {
    long[] block = new long[4];
    int v4 = 0;
    for (String b : blocks) {
      int family = IpAddress.parseBlock(b, block);
      if (family == IpAddress.NOT_AN_ADDRESS) {
        throw new IllegalArgumentException("not an IP address or CIDR block: " + b + " ("
            + IpAddress.blockProblem(b) + ")");
      }
      v4 += family == IpAddress.V4 ? 1 : 0;
    }
    IpSet set = new IpSet(v4, blocks.size() - v4);
    int i4 = 0;
    int i6 = 0;
    for (String b : blocks) {
      // first and last address of the block: the mask is where they agree
      if (IpAddress.parseBlock(b, block) == IpAddress.V4) {
        set.v4Net[i4] = (int) block[1];
        set.v4Mask[i4++] = ~(int) (block[1] ^ block[3]);
      } else {
        set.v6NetHi[i6] = block[0];
        set.v6NetLo[i6] = block[1];
        set.v6MaskHi[i6] = ~(block[0] ^ block[2]);
        set.v6MaskLo[i6++] = ~(block[1] ^ block[3]);
      }
    }
    return set;
  }

  /**
   * Whether {@code ip} is an address in this set; false when it is not an address at all
   * (ipmatcher's {@code match} answers {@code false, "invalid ip address"} then).
   */
  boolean contains(String ip) {
    int n = ip.length();
    long a4 = IpAddress.ipv4(ip, 0, n);
    if (a4 >= 0) {
      for (int i = 0; i < v4Net.length; i++) {
        if (((int) a4 & v4Mask[i]) == v4Net[i]) {
          return true;
        }
      }
      return false;
    }
    if (v6NetHi.length == 0) {
      return false;
    }
    int from = 0;
    int to = n;
    if (n >= 2 && ip.charAt(0) == '[' && ip.charAt(n - 1) == ']') {
      from = 1;
      to = n - 1;
    }
    long[] address = SCRATCH.get();
    if (IpAddress.parse(ip, from, to, address) != IpAddress.V6) {
      return false;
    }
    long hi = address[0];
    long lo = address[1];
    for (int i = 0; i < v6NetHi.length; i++) {
      if ((hi & v6MaskHi[i]) == v6NetHi[i] && (lo & v6MaskLo[i]) == v6NetLo[i]) {
        return true;
      }
    }
    return false;
  }
}
