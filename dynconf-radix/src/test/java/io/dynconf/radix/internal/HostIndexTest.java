package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostIndexTest {

  private static HostIndex<String> index(String... patternsAndValues) {
    HostIndex.Builder<String> b = HostIndex.builder();
    for (int i = 0; i < patternsAndValues.length; i += 2) {
      b.add(patternsAndValues[i], patternsAndValues[i + 1]);
    }
    return b.build();
  }

  @Test
  void exactHostMatchesOnlyThatHost() {
    HostIndex<String> idx = index("api.example.com", "A");
    assertThat(idx.candidates("api.example.com")).containsExactly("A");
    assertThat(idx.candidates("www.example.com")).isEmpty();
    assertThat(idx.candidates("x.api.example.com")).isEmpty();
    assertThat(idx.candidates("example.com")).isEmpty();
  }

  @Test
  void wildcardMatchesOneOrMoreLabelsInFrontOfTheSuffix() {
    HostIndex<String> idx = index("*.example.com", "W");
    assertThat(idx.candidates("a.example.com")).containsExactly("W");
    assertThat(idx.candidates("a.b.example.com")).containsExactly("W");
  }

  @Test
  void wildcardDoesNotMatchTheBareSuffix() {
    HostIndex<String> idx = index("*.example.com", "W");
    assertThat(idx.candidates("example.com")).isEmpty();
    assertThat(idx.candidates(".example.com")).isEmpty();
    assertThat(idx.candidates("notexample.com")).isEmpty();
    assertThat(idx.candidates("example.com.evil.org")).isEmpty();
  }

  @Test
  void matchingIsCaseInsensitiveForPatternsAndRequests() {
    HostIndex<String> idx = index("API.Example.COM", "A", "*.Example.com", "W");
    assertThat(idx.candidates("api.example.com")).containsExactly("A", "W");
    assertThat(idx.candidates("Api.EXAMPLE.com")).containsExactly("A", "W");
    assertThat(idx.candidates("X.EXAMPLE.COM")).containsExactly("W");
  }

  @Test
  void onlyAsciiLettersAreCaseFolded() {
    // U+212A KELVIN SIGN lower-cases to 'k' in Unicode; hosts are compared ASCII-only.
    HostIndex<String> idx = index("k.example.com", "K");
    assertThat(idx.candidates("\u212A.example.com")).isEmpty();
    assertThat(idx.candidates("K.example.com")).containsExactly("K");
  }

  @Test
  void portInRequestHostIsIgnored() {
    HostIndex<String> idx = index("api.example.com", "A", "*.example.com", "W");
    assertThat(idx.candidates("api.example.com:8080")).containsExactly("A", "W");
    assertThat(idx.candidates("API.example.com:443")).containsExactly("A", "W");
    assertThat(idx.candidates("b.example.com:")).containsExactly("W");
  }

  @Test
  void bracketedIpv6RequestHostWithPortMatchesBracketedPattern() {
    HostIndex<String> idx = index("[::1]", "L", "[2001:DB8::1]", "D");
    assertThat(idx.candidates("[::1]:8080")).containsExactly("L");
    assertThat(idx.candidates("[::1]")).containsExactly("L");
    assertThat(idx.candidates("[2001:db8::1]:80")).containsExactly("D");
    assertThat(idx.candidates("::1")).isEmpty(); // bare IPv6 is taken whole, not port-stripped
  }

  @Test
  void ipv4RequestHostWithPortMatchesExactPattern() {
    HostIndex<String> idx = index("10.0.0.1", "I");
    assertThat(idx.candidates("10.0.0.1:80")).containsExactly("I");
  }

  @Test
  void candidatesComeExactThenLongestWildcardThenHostless() {
    HostIndex<String> idx = index(
        null, "none1",
        "*.com", "w-com",
        "*.example.com", "w-example",
        "a.b.example.com", "exact",
        "*.b.example.com", "w-b",
        null, "none2",
        "other.example.com", "other");
    assertThat(idx.candidates("a.b.example.com"))
        .containsExactly("exact", "w-b", "w-example", "w-com", "none1", "none2");
    assertThat(idx.candidates("z.example.com")).containsExactly("w-example", "w-com", "none1", "none2");
    assertThat(idx.candidates("unrelated.org")).containsExactly("none1", "none2");
  }

  @Test
  void valuesUnderOnePatternKeepInsertionOrder() {
    HostIndex<String> idx = index("a.com", "1", "*.a.com", "w1", "A.com", "2", "*.A.COM", "w2");
    assertThat(idx.candidates("a.com")).containsExactly("1", "2");
    assertThat(idx.candidates("x.a.com")).containsExactly("w1", "w2");
  }

  @Test
  void missingRequestHostVisitsOnlyHostlessEntries() {
    HostIndex<String> idx = index("a.com", "A", "*.a.com", "W", null, "N");
    assertThat(idx.candidates(null)).containsExactly("N");
    assertThat(idx.candidates("")).containsExactly("N");
    assertThat(idx.candidates(":80")).containsExactly("N");
  }

  @Test
  void visitorStopsTheWalkByReturningFalse() {
    HostIndex<String> idx = index("a.b.c", "exact", "*.b.c", "w", null, "none");
    List<String> seen = new ArrayList<>();
    boolean completed = idx.forEach("a.b.c", v -> {
      seen.add(v);
      return !v.equals("w");
    });
    assertThat(completed).isFalse();
    assertThat(seen).containsExactly("exact", "w");
    assertThat(idx.forEach("a.b.c", v -> true)).isTrue();
  }

  @Test
  void firstReturnsTheFirstAcceptedCandidateOrNull() {
    HostIndex<String> idx = index("a.b.c", "exact", "*.b.c", "w", null, "none");
    assertThat(idx.first("a.b.c", v -> !v.equals("exact"))).isEqualTo("w");
    assertThat(idx.first("a.b.c", v -> v.startsWith("n"))).isEqualTo("none");
    assertThat(idx.first("a.b.c", v -> false)).isNull();
  }

  @Test
  void emptyIndexHasNoCandidates() {
    assertThat(HostIndex.<String>builder().build().candidates("a.com")).isEmpty();
  }

  @Test
  void builderCanBeReusedAfterBuild() {
    HostIndex.Builder<String> b = HostIndex.<String>builder().add("a.com", "1");
    HostIndex<String> first = b.build();
    b.add("a.com", "2");
    assertThat(first.candidates("a.com")).containsExactly("1");
    assertThat(b.build().candidates("a.com")).containsExactly("1", "2");
  }

  // Rejections

  @ParameterizedTest
  @ValueSource(strings = {"*", "a.*.com", "*a.com", "a*.com", "api.*", "**.com", "*.*.com", "a.com*"})
  void starOtherThanALeadingStarDotIsRejected(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add(pattern, "v"))
        .withMessage("invalid host pattern '" + pattern + "': '*' is only allowed as a leading '*.'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a..com", ".a.com", "a.com.", "*.", "*..com", "."})
  void emptyLabelIsRejected(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add(pattern, "v"))
        .withMessage("invalid host pattern '" + pattern + "': empty label");
  }

  @ParameterizedTest
  @ValueSource(strings = {" a.com", "a.com ", "a .com", "a.\tcom", "a.com\n"})
  void whitespaceIsRejected(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add(pattern, "v"))
        .withMessage("invalid host pattern '" + pattern
            + "': contains whitespace or a control character");
  }

  @Test
  void emptyPatternIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add("", "v"))
        .withMessage("invalid host pattern '': empty host");
  }

  @Test
  void portInPatternIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add("a.com:80", "v"))
        .withMessage("invalid host pattern 'a.com:80': a host pattern has no port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b.com", "a@b.com", "caf\u00e9.com", "a,b"})
  void otherCharactersAreRejected(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add(pattern, "v"))
        .withMessageStartingWith("invalid host pattern '" + pattern + "': invalid character '");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[", "[]", "[::1", "[1.2.3.4]", "[example.com]", "[::1]:80"})
  void badBracketedHostIsRejected(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostIndex.builder().add(pattern, "v"))
        .withMessage("invalid host pattern '" + pattern
            + "': a bracketed host must be an IPv6 address, like [::1]");
  }
}
