package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressTest {

  private static final String FLAG = "--listen";

  private static void assertRejected(String value, String reason) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ListenAddress.parse(FLAG, value))
        .withMessage("--listen \"" + value + "\": " + reason);
  }

  @Nested
  class ParsingEachForm {

    @Test
    void readsAnIpv4AddressAndPort() {
      ListenAddress address = ListenAddress.parse(FLAG, "127.0.0.1:9080");

      assertThat(address.host()).isEqualTo("127.0.0.1");
      assertThat(address.port()).isEqualTo(9080);
      assertThat(address.isIpv6()).isFalse();
    }

    @Test
    void defaultsTheHostToIpv4LoopbackWhenOnlyAPortIsGiven() {
      ListenAddress address = ListenAddress.parse(FLAG, ":9080");

      assertThat(address).isEqualTo(ListenAddress.of("127.0.0.1", 9080));
      assertThat(address.host()).isEqualTo(ListenAddress.DEFAULT_HOST);
    }

    @Test
    void readsABracketedIpv6AddressAndStoresItWithoutBrackets() {
      ListenAddress address = ListenAddress.parse(FLAG, "[::1]:9080");

      assertThat(address.host()).isEqualTo("::1");
      assertThat(address.port()).isEqualTo(9080);
      assertThat(address.isIpv6()).isTrue();
    }

    @Test
    void readsAHostName() {
      assertThat(ListenAddress.parse(FLAG, "localhost:9080"))
          .isEqualTo(ListenAddress.of("localhost", 9080));
      assertThat(ListenAddress.parse(FLAG, "gw-1.example.internal:443"))
          .isEqualTo(ListenAddress.of("gw-1.example.internal", 443));
    }

    @Test
    void readsTheWildcardAddresses() {
      assertThat(ListenAddress.parse(FLAG, "0.0.0.0:80")).isEqualTo(ListenAddress.of("0.0.0.0", 80));
      assertThat(ListenAddress.parse(FLAG, "[::]:80")).isEqualTo(ListenAddress.of("::", 80));
    }

    @Test
    void acceptsPortZeroMeaningAnyFreePort() {
      ListenAddress address = ListenAddress.parse(FLAG, "127.0.0.1:0");

      assertThat(address.port()).isZero().isEqualTo(ListenAddress.ANY_PORT);
      assertThat(ListenAddress.parse(FLAG, ":0").port()).isZero();
    }

    @Test
    void acceptsTheHighestPort() {
      assertThat(ListenAddress.parse(FLAG, ":65535").port()).isEqualTo(65535);
    }

    @Test
    void readsAPortWithLeadingZeros() {
      assertThat(ListenAddress.parse(FLAG, ":08080").port()).isEqualTo(8080);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "::",
          "::1",
          "1::",
          "fe80::1",
          "2001:db8::8a2e:370:7334",
          "2001:0db8:0000:0000:0000:ff00:0042:8329",
          "2001:DB8::1",
          "::ffff:192.0.2.1",
          "64:ff9b::192.0.2.33",
          "1:2:3:4:5:6:7::",
          "::2:3:4:5:6:7:8",
          "1:2:3:4:5:6:1.2.3.4",
        })
    void acceptsTheIpv6TextForms(String ipv6) {
      ListenAddress address = ListenAddress.parse(FLAG, "[" + ipv6 + "]:1");

      assertThat(address.host()).isEqualTo(ipv6);
    }
  }

  @Nested
  class Formatting {

    @Test
    void printsHostColonPort() {
      assertThat(ListenAddress.of("127.0.0.1", 9080)).hasToString("127.0.0.1:9080");
      assertThat(ListenAddress.of("localhost", 0)).hasToString("localhost:0");
    }

    @Test
    void printsIpv6InBrackets() {
      assertThat(ListenAddress.of("::1", 9080)).hasToString("[::1]:9080");
    }

    @Test
    void printsTheDefaultHostExplicitly() {
      assertThat(ListenAddress.parse(FLAG, ":9080")).hasToString("127.0.0.1:9080");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "127.0.0.1:9080",
          "0.0.0.0:0",
          "[::1]:9080",
          "[2001:db8::1]:65535",
          "[::ffff:10.0.0.1]:80",
          "localhost:9080",
          "a.b-c.d:1",
        })
    void roundTripsThroughParse(String value) {
      ListenAddress address = ListenAddress.parse(FLAG, value);

      assertThat(address).hasToString(value);
      assertThat(ListenAddress.parse(FLAG, address.toString())).isEqualTo(address);
    }
  }

  @Nested
  class RejectingTheShape {

    @Test
    void rejectsAnEmptyValue() {
      assertRejected("", "the value is empty; expected host:port, :port or [ipv6]:port");
    }

    @Test
    void rejectsAHostWithoutPort() {
      assertRejected("localhost", "missing ':' and port; expected host:port, :port or [ipv6]:port");
    }

    @Test
    void rejectsABarePortAndSuggestsTheColonForm() {
      assertRejected("9080", "missing ':' before the port; write \":9080\" to listen on 127.0.0.1");
    }

    @Test
    void rejectsAnUnbracketedIpv6Address() {
      assertRejected("::1:9080", "an IPv6 address must be in brackets, for example [::1]:9080");
    }

    @Test
    void rejectsAMissingClosingBracket() {
      assertRejected("[::1:9080", "missing ']' after the IPv6 address");
    }

    @Test
    void rejectsEmptyBrackets() {
      assertRejected("[]:9080", "the brackets hold no IPv6 address");
    }

    @Test
    void rejectsBracketsAroundAnIpv4Address() {
      assertRejected(
          "[127.0.0.1]:9080",
          "brackets are only for IPv6 addresses; write \"127.0.0.1\" without them");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::1]", "[::1]9080", "[::1]]:9080"})
    void rejectsBracketsNotFollowedByColonAndPort(String value) {
      assertRejected(value, "expected ':' and a port after ']'");
    }

    @Test
    void rejectsAMissingPortAfterTheColon() {
      assertRejected("127.0.0.1:", "missing port after ':'");
      assertRejected("[::1]:", "missing port after ':'");
      assertRejected(":", "missing port after ':'");
    }

    @Test
    void quotesTheValueWithControlCharactersEscaped() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ListenAddress.parse(FLAG, "localhost\n:80"))
          .withMessage(
              "--listen \"localhost\\u000a:80\": host name \"localhost\\u000a\" is not valid:"
                  + " character U+000A at index 9 is not allowed");
    }

    @Test
    void usesTheGivenFlagName() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ListenAddress.parse("--admin-listen", "127.0.0.1:99999"))
          .withMessage("--admin-listen \"127.0.0.1:99999\": port must be 0..65535");
    }

    @Test
    void rejectsNullArguments() {
      assertThatNullPointerException().isThrownBy(() -> ListenAddress.parse(null, ":80"));
      assertThatNullPointerException().isThrownBy(() -> ListenAddress.parse(FLAG, null));
    }
  }

  @Nested
  class RejectingThePort {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:99999", "127.0.0.1:65536", ":123456789012345678901234567890"})
    void rejectsAPortAbove65535(String value) {
      assertRejected(value, "port must be 0..65535");
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "127.0.0.1:http  | http",
          "127.0.0.1:-1    | -1",
          "127.0.0.1:+80   | +80",
          "127.0.0.1:8 0   | 8 0",
          "[::1]:0x50      | 0x50",
        })
    void rejectsAPortThatIsNotADecimalNumber(String value, String port) {
      assertRejected(value, "port \"" + port + "\" is not a decimal number");
    }
  }

  @Nested
  class RejectingTheHost {

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "256.0.0.1:80  | octet \"256\" must be 0..255",
          "1.2.3.999:80  | octet \"999\" must be 0..255",
          "1.2.3.1000:80 | octet \"1000\" must be 0..255",
          "1..3.4:80     | octet \"\" must be 0..255",
          "010.0.0.1:80  | octet \"010\" has a leading zero",
        })
    void rejectsAnInvalidIpv4Octet(String value, String reason) {
      String host = value.substring(0, value.lastIndexOf(':'));

      assertRejected(value, "host \"" + host + "\" is not a valid IPv4 address: " + reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3:80", "1.2.3.4.5:80", "127.1:80", "9080.:80"})
    void rejectsAnIpv4AddressWithoutFourOctets(String value) {
      String host = value.substring(0, value.lastIndexOf(':'));

      assertRejected(
          value,
          "host \""
              + host
              + "\" is not a valid IPv4 address: expected four octets such as 127.0.0.1");
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          ":::                   | ':::' is not allowed",
          "1:::2                 | ':::' is not allowed",
          "1::2::3               | more than one '::'",
          ":1                    | a single ':' at the start or end",
          "1:                    | a single ':' at the start or end",
          "1:2:3:4:5:6:7         | 7 groups; expected 8, or '::' for a run of zero groups",
          "1:2:3:4:5:6:7:8:9     | 9 groups; expected 8, or '::' for a run of zero groups",
          "1:2:3:4:5:6:7:8::     | 8 groups and '::', which must stand for at least one zero group",
          "12345::1              | group \"12345\" has more than four hex digits",
          "::1.2.3.4:1           | an embedded IPv4 address (\"1.2.3.4\") must be the last 32 bits",
          "1.2.3.4::             | an embedded IPv4 address (\"1.2.3.4\") must be the last 32 bits",
          "::256.0.0.1           | embedded IPv4 address \"256.0.0.1\": octet \"256\" must be 0..255",
          "::1.2.3               | embedded IPv4 address \"1.2.3\": expected four octets such as 127.0.0.1",
          "1:2:3:4:5:6:7:1.2.3.4 | 9 groups; expected 8, or '::' for a run of zero groups",
        })
    void rejectsMalformedIpv6Addresses(String ipv6, String reason) {
      assertRejected(
          "[" + ipv6 + "]:80", "host \"" + ipv6 + "\" is not a valid IPv6 address: " + reason);
    }

    @Test
    void rejectsAForeignCharacterInAnIpv6Address() {
      assertRejected(
          "[::g]:80",
          "host \"::g\" is not a valid IPv6 address: character 'g' at index 2 is not allowed");
    }

    @Test
    void rejectsAnIpv6ZoneId() {
      assertRejected(
          "[fe80::1%eth0]:80",
          "host \"fe80::1%eth0\" is not a valid IPv6 address: a zone id (%...) is not supported");
    }

    @Test
    void rejectsAHostNameWithAForbiddenCharacter() {
      assertRejected(
          "local_host:80",
          "host name \"local_host\" is not valid: character '_' at index 5 is not allowed");
      assertRejected(
          " localhost:80",
          "host name \" localhost\" is not valid: character U+0020 at index 0 is not allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"example..com:80", "example.com.:80", ".example.com:80"})
    void rejectsAHostNameWithAnEmptyLabel(String value) {
      String host = value.substring(0, value.lastIndexOf(':'));

      assertRejected(value, "host name \"" + host + "\" is not valid: it has an empty label");
    }

    @Test
    void rejectsALabelThatStartsOrEndsWithAHyphen() {
      assertRejected(
          "-gw.example:80",
          "host name \"-gw.example\" is not valid: label \"-gw\" starts or ends with '-'");
      assertRejected(
          "gw-.example:80",
          "host name \"gw-.example\" is not valid: label \"gw-\" starts or ends with '-'");
    }

    @Test
    void acceptsALabelOf63CharactersButNot64() {
      String longest = "a".repeat(63);
      String tooLong = "a".repeat(64);

      assertThat(ListenAddress.parse(FLAG, longest + ".example:80").host())
          .isEqualTo(longest + ".example");
      assertRejected(
          tooLong + ".example:80",
          "host name \""
              + tooLong
              + ".example\" is not valid: label \""
              + tooLong
              + "\" is longer than 63 characters");
    }

    @Test
    void acceptsAHostNameOf253CharactersButNot254() {
      String longest = ("a".repeat(62) + ".").repeat(4) + "b"; // 4 * 63 + 1 = 253
      String tooLong = longest + "c";

      assertThat(longest).hasSize(253);
      assertThat(ListenAddress.parse(FLAG, longest + ":80").host()).isEqualTo(longest);
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ListenAddress.parse(FLAG, tooLong + ":80"))
          .withMessageStartingWith("--listen \"" + tooLong.substring(0, 100) + "\"... (257 characters)")
          .withMessageEndingWith("is 254 characters long; at most 253 are allowed");
    }
  }

  @Nested
  class Construction {

    @Test
    void acceptsAValidHostAndPort() {
      ListenAddress address = ListenAddress.of("::1", 0);

      assertThat(address.host()).isEqualTo("::1");
      assertThat(address.port()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void rejectsAPortOutsideTheRange(int port) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ListenAddress.of("127.0.0.1", port))
          .withMessage("port " + port + " must be 0..65535");
    }

    @Test
    void rejectsAnEmptyHost() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ListenAddress.of("", 80))
          .withMessage("host must not be empty");
    }

    @Test
    void rejectsABracketedHost() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ListenAddress.of("[::1]", 80))
          .withMessage(
              "host \"[::1]\" is not a valid IPv6 address: character '[' at index 0 is not"
                  + " allowed");
    }

    @Test
    void rejectsANullHost() {
      assertThatNullPointerException()
          .isThrownBy(() -> ListenAddress.of(null, 80))
          .withMessage("host");
    }
  }
}
