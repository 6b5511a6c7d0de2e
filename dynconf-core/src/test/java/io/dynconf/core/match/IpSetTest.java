package io.dynconf.core.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IpSetTest {

  // the parser's own cases (inet_pton's rules, the cross-check against Guava and the JDK) are in IpAddressTest

  @Test
  void ipv6AgreesWithTheJdkOnRandomAddresses() throws UnknownHostException {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("IpSetTest.ipv6AgreesWithTheJdkOnRandomAddresses: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = new byte[16];
      random.nextBytes(bytes);
      for (int z = random.nextInt(16); z < 16 && random.nextBoolean(); z++) {
        bytes[z] = 0; // runs of zeros, so that :: appears
      }
      String text = InetAddress.getByAddress(bytes).getHostAddress(); // full form, no ::
      String compressed = compress(text);
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long hi = b.getLong();
      long lo = b.getLong();
      long[] out = new long[2];
      for (String s : List.of(text, compressed)) {
        assertThat(IpAddress.parse(s, out)).as("%s (seed %d)", s, seed).isEqualTo(IpAddress.V6);
        assertThat(out[0]).as("%s (seed %d)", s, seed).isEqualTo(hi);
        assertThat(out[1]).as("%s (seed %d)", s, seed).isEqualTo(lo);
        assertThat(IpSet.of(List.of(s)).contains(s)).as("%s (seed %d)", s, seed).isTrue();
        assertThat(IpSet.of(List.of(s)).contains("[" + s + "]")).as("[%s] (seed %d)", s, seed).isTrue();
      }
    }
  }

  /** The longest run of two or more zero groups written as ::. */
  private static String compress(String full) {
    String[] groups = full.split(":");
    int best = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; i++) {
      int j = i;
      while (j < 8 && Integer.parseInt(groups[j], 16) == 0) {
        j++;
      }
      if (j - i > bestLength) {
        best = i;
        bestLength = j - i;
      }
    }
    if (best < 0) {
      return full;
    }
    return String.join(":", List.of(groups).subList(0, best)) + "::" + String.join(":", List.of(groups).subList(best + bestLength, 8));
  }

  @Test
  void matchesCidrBlocksAgainstANaiveReference() {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("IpSetTest.matchesCidrBlocksAgainstANaiveReference: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 2000; i++) {
      int network = random.nextInt();
      int prefix = random.nextInt(33);
      int address = random.nextBoolean() ? network ^ (random.nextInt() >>> prefix) : random.nextInt();
      String block = v4(network) + "/" + prefix;
      boolean expected = prefix == 0 || (network >>> (32 - prefix)) == (address >>> (32 - prefix));

      assertThat(IpSet.of(List.of(block)).contains(v4(address))).as("%s in %s (seed %d)", v4(address), block, seed).isEqualTo(expected);
    }
  }

  private static String v4(int a) {
    return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255);
  }

  @Test
  void ipv6PrefixesAtEveryLength() {
    for (int prefix = 0; prefix <= 128; prefix++) {
      IpSet set = IpSet.of(List.of("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/" + prefix));
      assertThat(set.contains("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
      // flipping the bit just after the prefix keeps the address inside; the last prefix bit takes it out
      if (prefix < 128) {
        assertThat(set.contains(flip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", prefix))).as("/%d", prefix).isTrue();
      }
      if (prefix > 0) {
        assertThat(set.contains(flip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", prefix - 1))).as("/%d", prefix).isFalse();
      }
    }
  }

  private static String flip(String address, int bit) {
    try {
      byte[] b = InetAddress.getByName(address).getAddress();
      b[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
      return InetAddress.getByAddress(b).getHostAddress();
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void refusesBadBlocks() {
    assertThatIllegalArgumentException().isThrownBy(() -> IpSet.of(List.of("10.0.0.0/33")));
    assertThatIllegalArgumentException().isThrownBy(() -> IpSet.of(List.of("::/129")));
    assertThatIllegalArgumentException().isThrownBy(() -> IpSet.of(List.of("10.0.0.0/08")));
    assertThatIllegalArgumentException().isThrownBy(() -> IpSet.of(List.of("host")));
  }
}
