package io.dynconf.core.match;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "255.255.255.255", "10.0.0.1", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
      "::2:3:4:5:6:7:8", "1::8", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "ABCD:ef01::", "0000:0::0"})
  void readsWhatInetPtonReads(String address) {
    assertThat(IpAddress.parse(address, new long[2])).as(address).isNotEqualTo(IpAddress.NOT_AN_ADDRESS);
    assertThat(IpAddress.problem(address)).as(address).isNull();
    assertThat(IpAddress.isBlock(address)).as(address).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1.2.3.", ".1.2.3", "1..2.3", " 1.2.3.4",
      ":", ":1", "1:", "1:2", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::01.2.3.4", "::1.2.3.4:5", "fe80::1%eth0", "g::", "[::1]", "::1 "})
  void refusesWhatInetPtonRefuses(String address) {
    assertThat(IpAddress.parse(address, new long[2])).as(address).isEqualTo(IpAddress.NOT_AN_ADDRESS);
    assertThat(IpAddress.problem(address)).as(address).isNotBlank();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''               | not an IP address: it is empty",
      "localhost        | not an IPv4 or IPv6 address: character 'l' at index 0 is not allowed",
      "' 1.2.3.4'       | not an IPv4 or IPv6 address: character U+0020 at index 0 is not allowed",
      "1.2.3            | not a valid IPv4 address: expected four octets such as 127.0.0.1",
      "1.2.3.4.5        | not a valid IPv4 address: expected four octets such as 127.0.0.1",
      "256.0.0.1        | not a valid IPv4 address: octet \"256\" must be 0..255",
      "1..3.4           | not a valid IPv4 address: octet \"\" must be 0..255",
      "1.2.3.1000       | not a valid IPv4 address: octet \"1000\" must be 0..255",
      "010.0.0.1        | not a valid IPv4 address: octet \"010\" has a leading zero",
      "fe80::1%eth0     | not a valid IPv6 address: a zone id (%...) is not supported",
      "::g              | not a valid IPv6 address: character 'g' at index 2 is not allowed",
      "[::1]            | not a valid IPv6 address: character '[' at index 0 is not allowed",
      "1:::2            | not a valid IPv6 address: ':::' is not allowed",
      "1::2::3          | not a valid IPv6 address: more than one '::'",
      ":1               | not a valid IPv6 address: a single ':' at the start or end",
      "1:               | not a valid IPv6 address: a single ':' at the start or end",
      "12345::1         | not a valid IPv6 address: group \"12345\" has more than four hex digits",
      "1:2:3:4:5:6:7    | not a valid IPv6 address: 7 groups; expected 8, or '::' for a run of zero groups",
      "1:2:3:4:5:6:7:8:9 | not a valid IPv6 address: 9 groups; expected 8, or '::' for a run of zero groups",
      "1:2:3:4:5:6:7:8:: | not a valid IPv6 address: 8 groups and '::', which must stand for at least one zero group",
      "::1.2.3.4:1      | not a valid IPv6 address: an embedded IPv4 address (\"1.2.3.4\") must be the last 32 bits",
      "::256.0.0.1      | not a valid IPv6 address: embedded IPv4 address \"256.0.0.1\": octet \"256\" must be 0..255",
      "::1.2.3          | not a valid IPv6 address: embedded IPv4 address \"1.2.3\": expected four octets such as 127.0.0.1",
  })
  void namesWhatIsWrong(String address, String reason) {
    assertThat(IpAddress.problem(address)).isEqualTo(reason);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10.0.0.0/33      | prefix length 33 out of range 0-32 for an IPv4 address",
      "::/129           | prefix length 129 out of range 0-128 for an IPv6 address",
      "10.0.0.0/08      | prefix length \"08\" has a leading zero",
      "10.0.0.0/        | empty prefix length",
      "10.0.0.0/+8      | prefix length \"+8\" is not a number",
      "10.0.0.0/8/8     | prefix length \"8/8\" is not a number",
      "host/8           | not an IPv4 or IPv6 address: character 'h' at index 0 is not allowed",
  })
  void namesWhatIsWrongWithABlock(String block, String reason) {
    assertThat(IpAddress.parseBlock(block, new long[4])).isEqualTo(IpAddress.NOT_AN_ADDRESS);
    assertThat(IpAddress.blockProblem(block)).isEqualTo(reason);
  }

  /**
   * Random addresses in many spellings, and near-misses made from them, against Guava's {@code
   * InetAddresses} (which never resolves a name) for validity and value, and against the JDK's
   * {@code InetAddress} for the value of every address both accept.
   */
  @Test
  void agreesWithGuavaAndTheJdkOnValidAndNearValidText() throws UnknownHostException {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("IpAddressTest.agreesWithGuavaAndTheJdkOnValidAndNearValidText: seed " + seed
        + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    long[] out = new long[2];
    int valid = 0;
    int invalid = 0;
    for (int i = 0; i < 5000; i++) {
      String address = random.nextBoolean() ? randomV4(random) : randomV6(random);
      for (String s : List.of(address, nearMiss(address, random))) {
        String as = s + " (seed " + seed + ")";
        boolean expected = s.indexOf('%') < 0 && InetAddresses.isInetAddress(s); // Guava reads zone ids; we refuse them
        int family = IpAddress.parse(s, out);
        assertThat(family != IpAddress.NOT_AN_ADDRESS).as(as).isEqualTo(expected);
        assertThat(IpAddress.problem(s) == null).as(as).isEqualTo(expected);
        if (!expected) {
          invalid++;
          continue;
        }
        valid++;
        assertThat(family).as(as).isEqualTo(s.indexOf(':') >= 0 ? IpAddress.V6 : IpAddress.V4);
        byte[] bytes = bytes(family, out);
        assertThat(bytes).as("Guava's value of %s", as).isEqualTo(widen(family, InetAddresses.forString(s).getAddress()));
        // safe: a literal that Guava accepts never reaches a resolver
        assertThat(bytes).as("the JDK's value of %s", as).isEqualTo(widen(family, InetAddress.getByName(s).getAddress()));
      }
    }
    assertThat(valid).as("valid strings tried").isGreaterThan(2000);
    assertThat(invalid).as("invalid strings tried").isGreaterThan(2000);
  }

  /** CIDR blocks: the first and last address against a BigInteger reference. */
  @Test
  void blocksSpanWhatTheirPrefixSays() {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("IpAddressTest.blocksSpanWhatTheirPrefixSays: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    long[] out = new long[4];
    for (int i = 0; i < 2000; i++) {
      boolean v4 = random.nextBoolean();
      String address = v4 ? randomV4(random) : randomV6(random);
      int bits = v4 ? 32 : 128;
      int prefix = random.nextInt(bits + 1);
      String block = address + "/" + prefix;
      assertThat(IpAddress.parseBlock(block, out)).as(block).isEqualTo(v4 ? IpAddress.V4 : IpAddress.V6);
      BigInteger value = new BigInteger(1, InetAddresses.forString(address).getAddress());
      if (!v4 && InetAddresses.forString(address).getAddress().length == 4) {
        value = value.or(BigInteger.valueOf(0xffff).shiftLeft(32)); // Guava gives ::ffff:a.b.c.d as IPv4
      }
      BigInteger host = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
      BigInteger first = value.andNot(host);
      BigInteger last = first.or(host);
      assertThat(toBig(out[0], out[1])).as("first of %s (seed %d)", block, seed).isEqualTo(first);
      assertThat(toBig(out[2], out[3])).as("last of %s (seed %d)", block, seed).isEqualTo(last);
      assertThat(IpAddress.blockProblem(block)).as(block).isNull();
    }
  }

  private static BigInteger toBig(long hi, long lo) {
    return new BigInteger(1, ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
  }

  private static byte[] bytes(int family, long[] out) {
    if (family == IpAddress.V4) {
      return ByteBuffer.allocate(4).putInt((int) out[1]).array();
    }
    return ByteBuffer.allocate(16).putLong(out[0]).putLong(out[1]).array();
  }

  /** Guava and the JDK give an IPv4-mapped IPv6 address as its IPv4 address; we keep the family. */
  private static byte[] widen(int family, byte[] address) {
    if (family == IpAddress.V4 || address.length == 16) {
      return address;
    }
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(address, 0, mapped, 12, 4);
    return mapped;
  }

  private static String randomV4(Random random) {
    return octet(random) + "." + octet(random) + "." + octet(random) + "." + octet(random);
  }

  private static int octet(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> 0;
      case 1 -> 255;
      default -> random.nextInt(256);
    };
  }

  /** An IPv6 address in one of its spellings: full, with leading zeros, compressed, upper case, mapped, embedded IPv4. */
  private static String randomV6(Random random) {
    int[] groups = new int[8];
    for (int g = 0; g < 8; g++) {
      groups[g] = random.nextInt(3) == 0 ? 0 : random.nextInt(0x10000); // runs of zeros, so that :: appears
    }
    int form = random.nextInt(6);
    if (form == 0) {
      return "::ffff:" + randomV4(random); // IPv4-mapped
    }
    boolean embedded = form == 1;
    List<String> parts = new ArrayList<>();
    for (int g = 0; g < (embedded ? 6 : 8); g++) {
      parts.add(form == 2 ? String.format("%04x", groups[g]) : Integer.toHexString(groups[g]));
    }
    String text = compress(parts, random.nextBoolean() || form == 3);
    if (embedded) {
      text = text + (text.endsWith(":") ? "" : ":") + randomV4(random);
    }
    return form == 4 ? text.toUpperCase(Locale.ROOT) : text;
  }

  /** Joins groups with ':', replacing the longest run of zero groups by '::' when {@code compress}. */
  private static String compress(List<String> parts, boolean compress) {
    int best = -1;
    int bestLength = 0;
    for (int i = 0; compress && i < parts.size(); i++) {
      int j = i;
      while (j < parts.size() && Integer.parseInt(parts.get(j), 16) == 0) {
        j++;
      }
      if (j - i > bestLength) {
        best = i;
        bestLength = j - i;
      }
    }
    if (best < 0) {
      return String.join(":", parts);
    }
    return String.join(":", parts.subList(0, best)) + "::" + String.join(":", parts.subList(best + bestLength, parts.size()));
  }

  /** A small change that usually (not always) makes the text invalid. */
  private static String nearMiss(String s, Random random) {
    int at = random.nextInt(s.length() + 1);
    return switch (random.nextInt(14)) {
      case 0 -> s + "%eth0"; // zone id
      case 1 -> "[" + s + "]";
      case 2 -> s.replaceFirst("(^|[.:])(\\d{1,2})(?=[.]|$)", "$10$2"); // a leading zero in an octet
      case 3 -> s.replaceFirst("(^|[.:])\\d{1,3}(?=[.]|$)", "$1" + (256 + random.nextInt(744))); // octet > 255
      case 4 -> s + ":1"; // one group too many (or a port)
      case 5 -> "1:" + s;
      case 6 -> s.replaceFirst(":[0-9a-fA-F]*", ""); // one group fewer
      case 7 -> s.contains("::") ? s.replace("::", ":::") : s.replaceFirst(":", "::");
      case 8 -> s + "::" + Integer.toHexString(random.nextInt(0x10000));
      case 9 -> s.substring(0, at) + " " + s.substring(at);
      case 10 -> s.substring(0, at) + "g" + s.substring(Math.min(at + 1, s.length()));
      case 11 -> s.replaceFirst("[0-9a-fA-F]{1,4}", "1" + String.format("%04x", random.nextInt(0x10000))); // a 5-digit group
      case 12 -> s.isEmpty() ? s : s.substring(0, at == s.length() ? at - 1 : at) + s.substring(at == s.length() ? at : at + 1);
      default -> s.replaceFirst("\\.", ""); // an octet fewer
    };
  }
}
