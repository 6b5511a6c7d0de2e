package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpMatcherTest {

  @Test
  void singleIpv4AddressMatchesOnlyItself() {
    IpMatcher m = IpMatcher.of("10.0.0.1");
    assertThat(m.matches("10.0.0.1")).isTrue();
    assertThat(m.matches("10.0.0.2")).isFalse();
    assertThat(m.matches("10.0.0.0")).isFalse();
  }

  @Test
  void ipv4CidrMatchesItsWholeRangeAndNothingElse() {
    IpMatcher m = IpMatcher.of("192.168.1.0/24");
    assertThat(m.matches("192.168.1.0")).isTrue();
    assertThat(m.matches("192.168.1.77")).isTrue();
    assertThat(m.matches("192.168.1.255")).isTrue();
    assertThat(m.matches("192.168.0.255")).isFalse();
    assertThat(m.matches("192.168.2.0")).isFalse();
  }

  @Test
  void hostBitsBelowThePrefixAreIgnored() {
    IpMatcher m = IpMatcher.of("192.168.1.77/24", "2001:db8::1/32");
    assertThat(m.matches("192.168.1.1")).isTrue();
    assertThat(m.matches("2001:db8:ffff::")).isTrue();
  }

  @Test
  void zeroPrefixMatchesEveryAddressOfItsFamily() {
    assertThat(IpMatcher.of("0.0.0.0/0").matches("255.255.255.255")).isTrue();
    assertThat(IpMatcher.of("0.0.0.0/0").matches("0.0.0.0")).isTrue();
    assertThat(IpMatcher.of("::/0").matches("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(IpMatcher.of("::/0").matches("::")).isTrue();
  }

  @Test
  void fullLengthPrefixIsASingleAddress() {
    assertThat(IpMatcher.of("1.2.3.4/32").matches("1.2.3.4")).isTrue();
    assertThat(IpMatcher.of("1.2.3.4/32").matches("1.2.3.5")).isFalse();
    assertThat(IpMatcher.of("::1/128").matches("::1")).isTrue();
    assertThat(IpMatcher.of("::1/128").matches("::2")).isFalse();
  }

  @Test
  void ipv6AddressMatchesInAnySpelling() {
    IpMatcher m = IpMatcher.of("2001:db8::8a2e:370:7334");
    assertThat(m.matches("2001:0db8:0000:0000:0000:8a2e:0370:7334")).isTrue();
    assertThat(m.matches("2001:DB8::8A2E:370:7334")).isTrue();
    assertThat(m.matches("2001:db8:0:0:0:8a2e:370:7334")).isTrue();
    assertThat(m.matches("2001:db8::8a2e:370:7335")).isFalse();
  }

  @Test
  void ipv6CidrMatchesItsRange() {
    IpMatcher m = IpMatcher.of("2001:db8::/32");
    assertThat(m.matches("2001:db8::")).isTrue();
    assertThat(m.matches("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(m.matches("2001:db9::")).isFalse();
    assertThat(m.matches("2001:db7:ffff::")).isFalse();
  }

  @Test
  void ipv6PrefixesAcrossTheSixtyFourBitBoundary() {
    IpMatcher m = IpMatcher.of("2001:db8:1:2::/64", "2001:db8:9::/63", "2001:db8:7:0:8000::/65");
    assertThat(m.matches("2001:db8:1:2:ffff::1")).isTrue();
    assertThat(m.matches("2001:db8:1:3::")).isFalse();
    assertThat(m.matches("2001:db8:9:1::5")).isTrue();
    assertThat(m.matches("2001:db8:9:2::")).isFalse();
    assertThat(m.matches("2001:db8:7:0:8000::1")).isTrue();
    assertThat(m.matches("2001:db8:7:0:7fff::")).isFalse();
  }

  @Test
  void compressionAtStartMiddleAndEndIsUnderstood() {
    assertThat(IpMatcher.of("::1").matches("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(IpMatcher.of("1::").matches("1:0:0:0:0:0:0:0")).isTrue();
    assertThat(IpMatcher.of("1:2::7:8").matches("1:2:0:0:0:0:7:8")).isTrue();
    assertThat(IpMatcher.of("1:2:3:4:5:6:7::").matches("1:2:3:4:5:6:7:0")).isTrue();
    assertThat(IpMatcher.of("::2:3:4:5:6:7:8").matches("0:2:3:4:5:6:7:8")).isTrue();
    assertThat(IpMatcher.of("::").matches("0:0:0:0:0:0:0:0")).isTrue();
  }

  @Test
  void embeddedIpv4InIpv6IsUnderstood() {
    IpMatcher m = IpMatcher.of("64:ff9b::192.0.2.0/120");
    assertThat(m.matches("64:ff9b::c000:2ff")).isTrue();
    assertThat(m.matches("64:ff9b::192.0.2.33")).isTrue();
    assertThat(m.matches("64:ff9b::192.0.3.0")).isFalse();
  }

  @Test
  void ipv4MappedIpv6ClientMatchesIpv4Ranges() {
    IpMatcher m = IpMatcher.of("1.2.3.0/24");
    assertThat(m.matches("::ffff:1.2.3.4")).isTrue();
    assertThat(m.matches("::FFFF:102:304")).isTrue();
    assertThat(m.matches("0:0:0:0:0:ffff:1.2.3.4")).isTrue();
    assertThat(m.matches("::ffff:1.2.4.4")).isFalse();
    // Not mapped: IPv4-compatible and NAT64 forms do not count.
    assertThat(m.matches("::1.2.3.4")).isFalse();
    assertThat(m.matches("64:ff9b::1.2.3.4")).isFalse();
  }

  @Test
  void familiesDoNotCrossOtherwise() {
    assertThat(IpMatcher.of("::/0").matches("1.2.3.4")).isFalse();
    assertThat(IpMatcher.of("0.0.0.0/0").matches("::1")).isFalse();
    assertThat(IpMatcher.of("::ffff:0:0/96").matches("1.2.3.4")).isFalse();
    assertThat(IpMatcher.of("::ffff:0:0/96").matches("::ffff:1.2.3.4")).isTrue();
  }

  @Test
  void manyOverlappingAndNestedRangesMatchTheirUnion() {
    IpMatcher m = IpMatcher.of("10.0.0.0/8", "10.1.0.0/16", "10.255.255.255", "11.0.0.0/9",
        "11.128.0.0/9", "12.0.0.5", "12.0.0.7", "::1", "fe80::/10", "fe80::1");
    assertThat(m.matches("10.1.2.3")).isTrue();
    assertThat(m.matches("11.200.0.0")).isTrue();
    assertThat(m.matches("12.0.0.5")).isTrue();
    assertThat(m.matches("12.0.0.6")).isFalse();
    assertThat(m.matches("12.0.0.7")).isTrue();
    assertThat(m.matches("9.255.255.255")).isFalse();
    assertThat(m.matches("12.0.0.0")).isFalse();
    assertThat(m.matches("febf::1")).isTrue();
    assertThat(m.matches("fec0::")).isFalse();
    assertThat(m.matches("::2")).isFalse();
  }

  @Test
  void emptyMatcherMatchesNothing() {
    assertThat(IpMatcher.of(List.of()).matches("1.2.3.4")).isFalse();
    assertThat(IpMatcher.empty().matches("::1")).isFalse();
    assertThat(IpMatcher.empty().isEmpty()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4",
      "localhost", "example.com", "1.2.3.4:80", "[::1]", "[::1]:80", "::1%eth0", "fe80::1%1",
      "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", ":::", "12345::", "::ffff:1.2.3", "::1.2.3.4:5",
      "1.2.3.4/32", "g::1", "-1.2.3.4", "1.2.3.-4", "\u0661.2.3.4"})
  void unparsableClientAddressDoesNotMatch(String client) {
    IpMatcher m = IpMatcher.of("0.0.0.0/0", "::/0");
    assertThat(m.matches(client)).isFalse();
  }

  @Test
  void nullClientAddressDoesNotMatch() {
    assertThat(IpMatcher.of("0.0.0.0/0").matches(null)).isFalse();
  }

  @Test
  void matchingWithAScratchArrayGivesTheSameAnswer() {
    IpMatcher m = IpMatcher.of("10.0.0.0/8", "2001:db8::/32");
    long[] scratch = new long[2];
    assertThat(m.matches("10.9.9.9", scratch)).isTrue();
    assertThat(m.matches("2001:db8::1", scratch)).isTrue();
    assertThat(m.matches("11.0.0.0", scratch)).isFalse();
    assertThat(m.matches("nonsense", scratch)).isFalse();
  }

  // Rejections

  @ParameterizedTest
  @ValueSource(strings = {"256.0.0.1", "1.2.3.999", "1.2.3.1000", "01.2.3.4", "1.2.3.00",
      "300.1.1.1/8", "::ffff:1.2.3.256"})
  void badOctetIsRejected(String entry) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> IpMatcher.of(entry))
        .withMessageStartingWith("invalid IP address or CIDR range '" + entry + "': not a valid IPv")
        .withMessageContaining(" octet \"");
  }

  @ParameterizedTest
  @CsvSource({"1.2.3.0/33, 33, 32, 4", "::/129, 129, 128, 6", "10.0.0.0/999999999999, 999999999999, 32, 4"})
  void prefixLengthOutOfRangeIsRejected(String entry, String prefix, int max, int family) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> IpMatcher.of(entry))
        .withMessage("invalid IP address or CIDR range '" + entry + "': prefix length " + prefix
            + " out of range 0-" + max + " for an IPv" + family + " address");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.2.3.0/", "1.2.3.0/x", "1.2.3.0/-1", "1.2.3.0/+8", "1.2.3.0/08",
      "1.2.3.0/8/8", "::/ 8"})
  void malformedPrefixLengthIsRejected(String entry) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> IpMatcher.of(entry))
        .withMessageStartingWith("invalid IP address or CIDR range '" + entry + "': ")
        .withMessageContaining("prefix length");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "1.2.3", "1.2.3.4.5", " 1.2.3.4",
      "1.2.3.4 ", "::1%eth0", "[::1]", "1::2::3", "1:2:3:4:5:6:7:8:9", "/8", "g::", "1.2.3.4:80"})
  void notAnAddressIsRejected(String entry) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> IpMatcher.of(entry))
        .withMessageStartingWith("invalid IP address or CIDR range '" + entry + "': not ")
        .withMessageContaining(" address");
  }

  @Test
  void nullEntryIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> IpMatcher.of(Arrays.asList("1.2.3.4", null)))
        .withMessage("invalid IP address or CIDR range: null");
  }

  @Test
  void firstInvalidEntryIsNamedAmongValidOnes() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> IpMatcher.of("10.0.0.0/8", "::1", "10.0.0.300", "nope"))
        .withMessage("invalid IP address or CIDR range '10.0.0.300': not a valid IPv4 address: octet \"300\" must be 0..255");
  }
}
