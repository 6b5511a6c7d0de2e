package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link IpMatcher} with a BigInteger reference over random range sets and client
 * addresses written in random spellings (compression, embedded IPv4, case, leading zeros). The
 * reference takes the client's value from the generator, not from the text, so the parser is
 * checked too.
 */
class IpMatcherRandomizedTest {

  private static final int CASES = 30_000;
  private static final BigInteger MAPPED_PREFIX = BigInteger.valueOf(0xffffL).shiftLeft(32);

  /** One range: family (32 or 128 bits), network, prefix length. */
  private record Range(int bits, BigInteger network, int prefix) {
    boolean contains(int family, BigInteger address) {
      if (family != bits) {
        return false;
      }
      int host = bits - prefix;
      return address.shiftRight(host).equals(network.shiftRight(host));
    }
  }

  private static boolean reference(List<Range> ranges, int family, BigInteger address) {
    for (Range r : ranges) {
      if (r.contains(family, address)) {
        return true;
      }
      // An IPv4-mapped IPv6 client also matches IPv4 ranges.
      if (family == 128 && address.shiftRight(32).equals(BigInteger.valueOf(0xffffL))
          && r.contains(32, address.subtract(MAPPED_PREFIX))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void agreesWithBigIntegerReference() {
    long seed = Long.getLong("dynconf.seed", System.nanoTime());
    Random rnd = new Random(seed);
    int done = 0;
    int hits = 0;
    while (done < CASES) {
      List<Range> ranges = new ArrayList<>();
      List<String> entries = new ArrayList<>();
      int n = 1 + rnd.nextInt(8);
      for (int i = 0; i < n; i++) {
        int bits = rnd.nextInt(3) == 0 ? 128 : 32;
        BigInteger base = randomAddress(rnd, bits);
        if (bits == 128 && rnd.nextInt(4) == 0) {
          base = MAPPED_PREFIX.or(randomAddress(rnd, 32)); // ::ffff:0:0/96 neighbourhood
        }
        int prefix = rnd.nextInt(bits + 1);
        ranges.add(new Range(bits, base, prefix));
        String text = format(rnd, bits, base);
        entries.add(rnd.nextInt(5) == 0 && prefix == bits ? text : text + "/" + prefix);
      }
      IpMatcher matcher = IpMatcher.of(entries);
      for (int q = 0; q < 50 && done < CASES; q++, done++) {
        int family;
        BigInteger address;
        int kind = rnd.nextInt(4);
        if (kind == 0) {
          family = rnd.nextBoolean() ? 128 : 32;
          address = randomAddress(rnd, family);
        } else if (kind == 1) {
          // An IPv4-mapped client near an IPv4 range (or anywhere).
          family = 128;
          Range r = ranges.get(rnd.nextInt(ranges.size()));
          BigInteger v4 = r.bits == 32 ? near(rnd, r, 32) : randomAddress(rnd, 32);
          address = MAPPED_PREFIX.or(v4);
        } else {
          Range r = ranges.get(rnd.nextInt(ranges.size()));
          family = r.bits;
          address = near(rnd, r, family);
        }
        String client = format(rnd, family, address);
        boolean expected = reference(ranges, family, address);
        hits += expected ? 1 : 0;
        assertThat(matcher.matches(client))
            .as("seed %d (rerun with -Ddynconf.seed=%d): entries %s, client %s", seed, seed,
                entries, client)
            .isEqualTo(expected);
      }
    }
    // The generator must exercise both outcomes substantially.
    assertThat(hits).as("seed %d: hits", seed).isBetween(CASES / 5, CASES * 4 / 5);
  }

  /** An address in or just around the range: its network with random low bits, off by -1/0/+1. */
  private static BigInteger near(Random rnd, Range r, int bits) {
    int host = bits - r.prefix;
    BigInteger low = host == 0 ? BigInteger.ZERO : new BigInteger(host, rnd);
    BigInteger a = r.network.shiftRight(host).shiftLeft(host).or(low);
    int wiggle = rnd.nextInt(10);
    BigInteger max = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
    if (wiggle == 0) {
      a = r.network.shiftRight(host).shiftLeft(host).subtract(BigInteger.ONE);
    } else if (wiggle == 1) {
      a = r.network.shiftRight(host).add(BigInteger.ONE).shiftLeft(host);
    }
    if (a.signum() < 0 || a.compareTo(max) > 0) {
      a = randomAddress(rnd, bits);
    }
    return a;
  }

  private static BigInteger randomAddress(Random rnd, int bits) {
    if (bits == 128 && rnd.nextBoolean()) {
      // Many zero groups so that '::' compression is exercised.
      BigInteger a = BigInteger.ZERO;
      for (int g = 0; g < 8; g++) {
        a = a.shiftLeft(16).or(BigInteger.valueOf(rnd.nextInt(3) == 0 ? rnd.nextInt(0x10000) : 0));
      }
      return a;
    }
    return new BigInteger(bits, rnd);
  }

  private static String format(Random rnd, int bits, BigInteger a) {
    if (bits == 32) {
      long v = a.longValue();
      return (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = a.shiftRight(16 * (7 - i)).intValue() & 0xffff;
    }
    boolean embedV4 = rnd.nextInt(4) == 0;
    int groups = embedV4 ? 6 : 8;
    // Choose a run of zero groups to compress, if any, at random.
    List<int[]> runs = new ArrayList<>();
    for (int i = 0; i < groups; i++) {
      if (g[i] == 0) {
        int j = i;
        while (j < groups && g[j] == 0) {
          j++;
        }
        runs.add(new int[] {i, j});
        i = j;
      }
    }
    int[] run = runs.isEmpty() || rnd.nextInt(4) == 0 ? null : runs.get(rnd.nextInt(runs.size()));
    if (run != null && rnd.nextBoolean()) {
      // compress only part of the run
      run = new int[] {run[0], run[0] + 1 + rnd.nextInt(run[1] - run[0])};
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < groups; i++) {
      if (run != null && i == run[0]) {
        sb.append("::");
        i = run[1] - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      String hex = Integer.toHexString(g[i]);
      if (rnd.nextInt(4) == 0) {
        hex = "0".repeat(4 - hex.length()) + hex;
      }
      if (rnd.nextBoolean()) {
        hex = hex.toUpperCase(java.util.Locale.ROOT);
      }
      sb.append(hex);
    }
    if (embedV4) {
      if (sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(g[6] >>> 8).append('.').append(g[6] & 0xff).append('.')
          .append(g[7] >>> 8).append('.').append(g[7] & 0xff);
    }
    return sb.toString();
  }
}
