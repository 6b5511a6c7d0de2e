package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpMethodTest {

  private static final String ALLOWED =
      "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, CONNECT, TRACE, PURGE";

  @Nested
  class Bits {

    @Test
    void coversExactlyTheMethodsApisixAllowsInDeclarationOrder() {
      assertThat(HttpMethod.values())
          .extracting(Enum::name)
          .containsExactly(
              "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
              "PURGE");
    }

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void giveEachMethodTheBitOfItsPosition(HttpMethod method) {
      assertThat(method.bit()).isEqualTo(1 << method.ordinal());
      assertThat(Integer.bitCount(method.bit())).isOne();
    }

    @Test
    void areDistinctAndTogetherMakeAny() {
      int union = 0;
      for (HttpMethod method : HttpMethod.values()) {
        assertThat(union & method.bit()).as("overlap with %s", method).isZero();
        union |= method.bit();
      }

      assertThat(union).isEqualTo(HttpMethod.ANY).isEqualTo(0x3ff);
    }
  }

  @Nested
  class Masks {

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void ofOneNameIsThatMethodsBit(HttpMethod method) {
      assertThat(HttpMethod.mask(List.of(method.name()))).isEqualTo(method.bit());
    }

    @Test
    void ofSeveralNamesIsTheUnionOfTheirBits() {
      int mask = HttpMethod.mask(List.of("GET", "POST", "PURGE"));

      assertThat(mask)
          .isEqualTo(HttpMethod.GET.bit() | HttpMethod.POST.bit() | HttpMethod.PURGE.bit());
      assertThat(HttpMethod.fromMask(mask))
          .containsExactly(HttpMethod.GET, HttpMethod.POST, HttpMethod.PURGE);
    }

    @Test
    void ofAnEmptyCollectionIsAny() {
      assertThat(HttpMethod.mask(List.of())).isEqualTo(HttpMethod.ANY);
      assertThat(HttpMethod.mask(Set.of())).isEqualTo(HttpMethod.ANY);
    }

    @Test
    void ofEveryNameIsAny() {
      List<String> all = Arrays.stream(HttpMethod.values()).map(Enum::name).toList();

      assertThat(HttpMethod.mask(all)).isEqualTo(HttpMethod.ANY);
    }

    @Test
    void ignoresDuplicateNames() {
      assertThat(HttpMethod.mask(List.of("GET", "GET", "HEAD", "GET")))
          .isEqualTo(HttpMethod.GET.bit() | HttpMethod.HEAD.bit());
    }

    @Test
    void rejectsAnUnknownNameAndListsTheAllowedOnes() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.mask(List.of("GET", "PROPFIND")))
          .withMessage("unknown HTTP method \"PROPFIND\": allowed are " + ALLOWED);
    }

    @Test
    void rejectsALowerCaseNameAndSuggestsTheUpperCaseOne() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.mask(List.of("get")))
          .withMessage(
              "unknown HTTP method \"get\": allowed are "
                  + ALLOWED
                  + " (names are case-sensitive; did you mean GET?)");
    }

    @Test
    void rejectsANameWithSurroundingWhitespace() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.mask(List.of(" GET")))
          .withMessageStartingWith("unknown HTTP method \" GET\": allowed are GET, POST");
    }

    @Test
    void rejectsAnEmptyName() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.mask(List.of("")))
          .withMessage("unknown HTTP method \"\": allowed are " + ALLOWED);
    }

    @Test
    void escapesControlCharactersInTheMessage() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.mask(List.of("GET\r\nX")))
          .withMessageStartingWith("unknown HTTP method \"GET\\u000d\\u000aX\": allowed are")
          .withMessageNotContaining("\n");
    }

    @Test
    void rejectsNullNames() {
      List<String> withNull = new ArrayList<>();
      withNull.add("GET");
      withNull.add(null);

      assertThatNullPointerException()
          .isThrownBy(() -> HttpMethod.mask(withNull))
          .withMessage("names must not contain null");
      assertThatNullPointerException().isThrownBy(() -> HttpMethod.mask(null));
    }
  }

  @Nested
  class Parsing {

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void returnsTheMethodForItsExactName(HttpMethod method) {
      assertThat(HttpMethod.parse(method.name())).isSameAs(method);
    }

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void acceptsAnyCharSequence(HttpMethod method) {
      assertThat(HttpMethod.parse(new StringBuilder(method.name()))).isSameAs(method);
      assertThat(HttpMethod.parse(CharBuffer.wrap(method.name().toCharArray())))
          .isSameAs(method);
    }

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void returnsNullForTheLowerCaseName(HttpMethod method) {
      assertThat(HttpMethod.parse(method.name().toLowerCase(Locale.ROOT))).isNull();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "",
          "G",
          "GE",
          "GETS",
          "Get",
          "GeT",
          "GET ",
          " GET",
          "PUX",
          "XET",
          "POSX",
          "HEAX",
          "PATCX",
          "PURGX",
          "PXTCH",
          "TRACX",
          "DELETX",
          "XELETE",
          "OPTIONX",
          "CONNECX",
          "XONNECT",
          "PROPFIND",
          "MKCOL",
          "LOCK",
          "BREW",
          "OPTIONSS",
        })
    void returnsNullForUnknownMethods(String name) {
      assertThat(HttpMethod.parse(name)).isNull();
    }

    @Test
    void rejectsNull() {
      assertThatThrownBy(() -> HttpMethod.parse(null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Nested
  class Matching {

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void admitsEveryMethodUnderAny(HttpMethod method) {
      assertThat(HttpMethod.matches(HttpMethod.ANY, method)).isTrue();
      assertThat(HttpMethod.matches(HttpMethod.mask(List.of()), method)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void admitsNoMethodUnderAnEmptyMask(HttpMethod method) {
      assertThat(HttpMethod.matches(0, method)).isFalse();
    }

    @Test
    void admitsExactlyTheMethodsInTheMask() {
      int mask = HttpMethod.mask(List.of("GET", "HEAD"));

      for (HttpMethod method : HttpMethod.values()) {
        assertThat(HttpMethod.matches(mask, method))
            .as("%s in GET|HEAD", method)
            .isEqualTo(method == HttpMethod.GET || method == HttpMethod.HEAD);
      }
    }

    @Test
    void ignoresBitsOutsideAny() {
      assertThat(HttpMethod.matches(~HttpMethod.ANY, HttpMethod.GET)).isFalse();
      assertThat(HttpMethod.matches(-1, HttpMethod.PURGE)).isTrue();
    }
  }

  @Nested
  class FromMask {

    @ParameterizedTest
    @EnumSource(HttpMethod.class)
    void roundTripsEveryMethodThroughItsNameAndMask(HttpMethod method) {
      int mask = HttpMethod.mask(List.of(method.name()));

      assertThat(HttpMethod.fromMask(mask)).containsExactly(method);
    }

    @Test
    void returnsEveryMethodInDeclarationOrderForAny() {
      assertThat(HttpMethod.fromMask(HttpMethod.ANY))
          .containsExactly(HttpMethod.values())
          .isEqualTo(EnumSet.allOf(HttpMethod.class));
    }

    @Test
    void returnsNoMethodForZero() {
      assertThat(HttpMethod.fromMask(0)).isEmpty();
    }

    @Test
    void roundTripsEverySubsetOfMethods() {
      for (int mask = 0; mask <= HttpMethod.ANY; mask++) {
        Set<HttpMethod> methods = HttpMethod.fromMask(mask);
        int rebuilt = 0;
        for (HttpMethod method : methods) {
          rebuilt |= method.bit();
        }
        assertThat(rebuilt).as("mask 0x%x", mask).isEqualTo(mask);
        assertThat(methods).hasSize(Integer.bitCount(mask));
      }
    }

    @Test
    void returnsAnUnmodifiableSet() {
      Set<HttpMethod> methods = HttpMethod.fromMask(HttpMethod.GET.bit());

      assertThatThrownBy(() -> methods.add(HttpMethod.POST))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThat(methods).containsExactly(HttpMethod.GET);
    }

    @Test
    void rejectsBitsThatNameNoMethod() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.fromMask(HttpMethod.GET.bit() | 1 << 10))
          .withMessage("mask 0x401 has bits set that name no HTTP method: 0x400 (valid bits: 0x3ff)");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> HttpMethod.fromMask(-1))
          .withMessage(
              "mask 0xffffffff has bits set that name no HTTP method: 0xfffffc00 (valid bits:"
                  + " 0x3ff)");
    }
  }
}
