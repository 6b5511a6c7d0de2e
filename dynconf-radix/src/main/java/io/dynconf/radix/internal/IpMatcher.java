package io.dynconf.radix.internal;

import io.dynconf.core.match.IpAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An immutable set of IPv4 and IPv6 addresses and CIDR ranges (APISIX's {@code remote_addrs},
 * lua-resty-ipmatcher) that answers whether a client address falls in any of them.
 *
 * <h2>Entries</h2>
 *
 * An entry is an address ({@code 10.0.0.1}, {@code ::1}) or a CIDR range ({@code 192.168.1.0/24},
 * {@code 2001:db8::/32}); the prefix length is 0-32 for IPv4 and 0-128 for IPv6, written in decimal
 * without sign or leading zeros. Bits set below the prefix ({@code 192.168.1.7/24}) are ignored, as
 * lua-resty-ipmatcher does. Entries and client addresses are read by dynconf-core's {@link
 * IpAddress}: literals only, never a DNS lookup. An invalid entry fails {@link #of} with an {@link IllegalArgumentException} naming the
 * entry and the reason.
 *
 * <h2>Families</h2>
 *
 * The client's family decides which ranges apply: an IPv4 client is tested against the IPv4
 * entries, an IPv6 client against the IPv6 entries, so {@code ::/0} does not match {@code 1.2.3.4}
 * and {@code 0.0.0.0/0} does not match {@code ::1}. One addition: an IPv4-mapped IPv6 client
 * ({@code ::ffff:1.2.3.4}, as a dual-stack socket reports an IPv4 peer) is also tested against the
 * IPv4 entries with its embedded address, so {@code 1.2.3.0/24} matches it. (It still matches IPv6
 * entries such as {@code ::ffff:0:0/96}; an IPv4 client does not.)
 *
 * <h2>Matching</h2>
 *
 * Ranges are kept per family as sorted, disjoint closed intervals of (high, low) longs (IPv4 in the
 * low 32 bits); ranges contained in another are dropped and overlapping ones merged at build time,
 * so a match is one parse of the client address into a two-long scratch array plus a binary search.
 * {@link #matches} returns false for a client address that does not parse (null, empty, a host
 * name, a zone id, brackets, a port).
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class IpMatcher {

  private static final IpMatcher EMPTY = new IpMatcher(new long[0], new long[0], new long[0],
      new long[0], new long[0], new long[0]);

  // IPv4 intervals: [v4Start[i], v4End[i]], sorted by start, disjoint and non-adjacent.
  private final long[] v4Start;
  private final long[] v4End;
  // IPv6 intervals as unsigned 128-bit (hi, lo) pairs, likewise.
  private final long[] v6StartHi;
  private final long[] v6StartLo;
  private final long[] v6EndHi;
  private final long[] v6EndLo;

  private IpMatcher(long[] v4Start, long[] v4End, long[] v6StartHi, long[] v6StartLo,
      long[] v6EndHi, long[] v6EndLo) {
    this.v4Start = v4Start;
    this.v4End = v4End;
    this.v6StartHi = v6StartHi;
    this.v6StartLo = v6StartLo;
    this.v6EndHi = v6EndHi;
    this.v6EndLo = v6EndLo;
  }

  /** A matcher that matches nothing. */
  public static IpMatcher empty() {
    return EMPTY;
  }

  /**
   * Compiles the entries.
   *
   * @throws IllegalArgumentException naming the first invalid entry and why it is invalid
   */
  public static IpMatcher of(Collection<String> entries) {
    Objects.requireNonNull(entries, "entries");
    List<long[]> v4 = new ArrayList<>();
    List<long[]> v6 = new ArrayList<>();
    for (String entry : entries) {
      if (entry == null) {
        throw new IllegalArgumentException("invalid IP address or CIDR range: null");
      }
      long[] block = new long[4]; // first address (hi, lo), last address (hi, lo)
      int family = IpAddress.parseBlock(entry, block);
      if (family == IpAddress.NOT_AN_ADDRESS) {
        throw new IllegalArgumentException(
            "invalid IP address or CIDR range '" + entry + "': " + IpAddress.blockProblem(entry));
      }
      (family == IpAddress.V4 ? v4 : v6).add(block);
    }
    if (v4.isEmpty() && v6.isEmpty()) {
      return EMPTY;
    }
    long[][] v4m = merge(v4);
    long[][] v6m = merge(v6);
    return new IpMatcher(v4m[1], v4m[3], v6m[0], v6m[1], v6m[2], v6m[3]);
  }

  /** Compiles the entries; see {@link #of(Collection)}. */
  public static IpMatcher of(String... entries) {
    return of(List.of(entries));
  }

  /**
   * Sorts intervals {startHi, startLo, endHi, endLo} by start and merges overlapping or adjacent
   * ones; returns four parallel arrays.
   */
  private static long[][] merge(List<long[]> intervals) {
    intervals.sort(Comparator.<long[]>comparingLong(r -> r[0] ^ Long.MIN_VALUE)
        .thenComparingLong(r -> r[1] ^ Long.MIN_VALUE));
    List<long[]> out = new ArrayList<>();
    for (long[] r : intervals) {
      if (!out.isEmpty()) {
        long[] last = out.get(out.size() - 1);
        // Adjacent or overlapping: r.start <= last.end + 1 (last.end is not the maximum here
        // unless r is inside last, which compare() covers).
        if (compare(r[0], r[1], last[2], last[3]) <= 0 || isSuccessor(r[0], r[1], last[2], last[3])) {
          if (compare(r[2], r[3], last[2], last[3]) > 0) {
            last[2] = r[2];
            last[3] = r[3];
          }
          continue;
        }
      }
      out.add(r.clone());
    }
    long[][] cols = new long[4][out.size()];
    for (int i = 0; i < out.size(); i++) {
      for (int c = 0; c < 4; c++) {
        cols[c][i] = out.get(i)[c];
      }
    }
    return cols;
  }

  /** Whether (hi, lo) == (prevHi, prevLo) + 1, as unsigned 128-bit numbers. */
  private static boolean isSuccessor(long hi, long lo, long prevHi, long prevLo) {
    long nextLo = prevLo + 1;
    long nextHi = nextLo == 0 ? prevHi + 1 : prevHi;
    if (nextLo == 0 && nextHi == 0) {
      return false; // prev was the maximum
    }
    return hi == nextHi && lo == nextLo;
  }

  private static int compare(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  /** Whether the matcher has no entries. */
  public boolean isEmpty() {
    return v4Start.length == 0 && v6StartHi.length == 0;
  }

  /**
   * Whether the client address is in one of the ranges; false for an address that does not parse.
   * Allocates only a two-long scratch array (see {@link #matches(String, long[])} to reuse one).
   */
  public boolean matches(String clientAddress) {
    return matches(clientAddress, new long[2]);
  }

  /**
   * Like {@link #matches(String)}, parsing into the caller's {@code scratch} (length at least 2),
   * so nothing is allocated.
   */
  public boolean matches(String clientAddress, long[] scratch) {
    if (clientAddress == null || isEmpty()) {
      return false;
    }
    int family = IpAddress.parse(clientAddress, 0, clientAddress.length(), scratch);
    if (family == IpAddress.V4) {
      return containsV4(scratch[1]);
    }
    if (family == IpAddress.V6) {
      long hi = scratch[0];
      long lo = scratch[1];
      if (containsV6(hi, lo)) {
        return true;
      }
      // IPv4-mapped IPv6 (::ffff:a.b.c.d) also matches the IPv4 ranges.
      return hi == 0 && (lo >>> 32) == 0xffffL && containsV4(lo & 0xffff_ffffL);
    }
    return false;
  }

  private boolean containsV4(long a) {
    // Last interval whose start <= a.
    int lo = 0;
    int hi = v4Start.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (v4Start[mid] <= a) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && a <= v4End[found];
  }

  private boolean containsV6(long aHi, long aLo) {
    int lo = 0;
    int hi = v6StartHi.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(v6StartHi[mid], v6StartLo[mid], aHi, aLo) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compare(aHi, aLo, v6EndHi[found], v6EndLo[found]) <= 0;
  }

  @Override
  public String toString() {
    return "IpMatcher[" + v4Start.length + " IPv4 and " + v6StartHi.length + " IPv6 intervals]";
  }
}
