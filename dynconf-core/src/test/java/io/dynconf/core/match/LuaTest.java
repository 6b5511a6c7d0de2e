package io.dynconf.core.match;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** LuaJIT's tonumber (lj_strscan.c) and tostring (%.14g, lj_strfmt_num.c), as {@link Lua} mirrors them. */
class LuaTest {

  @ParameterizedTest(name = "tonumber(\"{0}\") = {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "0            | 0.0",
      "`  12  `     | 12.0",
      "-7           | -7.0",
      "+7           | 7.0",
      "007          | 7.0",
      "1.5          | 1.5",
      ".5           | 0.5",
      "5.           | 5.0",
      "1e3          | 1000.0",
      "1E-2         | 0.01",
      "0x1F         | 31.0",
      "-0x10        | -16.0",
      "0X1.8p1      | 3.0",
      "0x.8         | 0.5",
      "0b101        | 5.0",
      "inf          | Infinity",
      "-Infinity    | -Infinity",
      "123456789012345678901 | 1.2345678901234568E20",
      "9007199254740993 | 9.007199254740992E15",
      "`\t\n42\r`   | 42.0",
  })
  void readsLuaNumbers(String s, double expected) {
    assertThat(Lua.toNumber(s)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "tonumber(\"{0}\") = nil")
  @ValueSource(strings = {"", " ", "abc", "1a", "1 2", "- 1", "1e", "1e+", "0x", "0x1.8q1", "0b102", "0b1.1", ".", "..1",
      "1..", "1.2.3", "12L", "12LL", "12u", "12i", "infinit", "1\u00002", "١", "1e1048576", "0x1e", "--1"})
  void refusesWhatLuaJitRefuses(String s) {
    // 0x1e is a hex number (30), not an exponent; it must not be refused
    if (s.equals("0x1e")) {
      assertThat(Lua.toNumber(s)).isEqualTo(30.0);
      return;
    }
    assertThat(Lua.toNumber(s)).as(s).isNaN();
  }

  @Test
  void decimalsAgreeWithJavasCorrectlyRoundedParser() {
    java.util.Random random = new java.util.Random(11);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder(random.nextBoolean() ? "-" : "");
      int digits = 1 + random.nextInt(20);
      int point = random.nextInt(digits + 1);
      for (int d = 0; d < digits; d++) {
        if (d == point) {
          sb.append('.');
        }
        sb.append((char) ('0' + random.nextInt(10)));
      }
      if (random.nextBoolean()) {
        sb.append('e').append(random.nextInt(60) - 30);
      }
      String s = sb.toString();
      assertThat(Lua.toNumber(s)).as(s).isEqualTo(Double.parseDouble(s));
    }
  }

  @Test
  void nanIsANumberThatComparesFalseLikeNil() {
    assertThat(Lua.toNumber("nan")).isNaN();
    assertThat(Lua.toNumber(" -NaN ")).isNaN();
    assertThat(Lua.toNumber((Object) null)).isNaN();
    assertThat(Lua.toNumber((Object) Boolean.TRUE)).isNaN();
  }

  @ParameterizedTest(name = "tostring({0}) = {1}")
  @CsvSource(delimiter = '|', value = {
      "18.0                  | 18",
      "-3.0                  | -3",
      "0.1                   | 0.1",
      "1.5                   | 1.5",
      "-0.0                  | -0",
      "1e15                  | 1e+15",
      "123456789012345.0     | 1.2345678901234e+14",
      "99999999999999.0      | 99999999999999",
      "0.0001                | 0.0001",
      "0.00001               | 1e-05",
      "3.14159265358979      | 3.1415926535898",
      "1e300                 | 1e+300",
      "-2.5e-300             | -2.5e-300",
      "9.99999999999999e14   | 1e+15",
      "Infinity              | inf",
      "-Infinity             | -inf",
      "NaN                   | nan",
  })
  void printsNumbersAsLua(double d, String expected) {
    assertThat(Lua.toString(d)).isEqualTo(expected);
  }

  @Test
  void caseMappingIsAsciiOnly() {
    assertThat(Lua.lower("AbC-ÉÍ")).isEqualTo("abc-ÉÍ");
    assertThat(Lua.upper("!and-ı")).isEqualTo("!AND-ı");
    String unchanged = "abc";
    assertThat(Lua.lower(unchanged)).isSameAs(unchanged);
  }
}
