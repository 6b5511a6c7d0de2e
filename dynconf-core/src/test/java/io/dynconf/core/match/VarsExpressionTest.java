package io.dynconf.core.match;

import static io.dynconf.core.match.VarsExpressionParseTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VarsExpressionTest {

  private static boolean test(String vars, Map<String, ?> lookup) {
    return parse(vars).test(VarLookup.of(lookup));
  }

  private static boolean test(String vars, String name, @Nullable Object value) {
    Map<String, @Nullable Object> map = new HashMap<>();
    map.put(name, value);
    return parse(vars).test(VarLookup.of(map));
  }

  /** A lookup that records the names asked for. */
  private static final class Recording implements VarLookup {
    final List<String> asked = new ArrayList<>();
    final Map<String, ?> vars;

    Recording(Map<String, ?> vars) {
      this.vars = vars;
    }

    @Override
    public @Nullable Object get(String name) {
      asked.add(name);
      return vars.get(name);
    }
  }

  @Test
  void theEmptyExpressionMatchesWithoutAskingAnything() {
    Recording lookup = new Recording(Map.of());

    assertThat(VarsExpression.ALWAYS.test(lookup)).isTrue();
    assertThat(VarsExpression.ALWAYS.test(VarLookup.EMPTY)).isTrue();
    assertThat(lookup.asked).isEmpty();
  }

  @ParameterizedTest(name = "{0} with v={1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "==      | abc        | abc           | true",
      "==      | abc        | abd           | false",
      "~=      | abc        | abd           | true",
      "~=      | abc        | abc           | false",
      ">       | 10         | 11            | true",
      ">       | 10         | 10            | false",
      ">=      | 10         | 10            | true",
      ">=      | 10         | 9.5           | false",
      "<       | 10         | 9.5           | true",
      "<       | 10         | 10            | false",
      "<=      | 10         | 10            | true",
      "<=      | 10         | 10.01         | false",
      "~~      | ^/api/v\\d | /api/v2/users | true",
      "~~      | ^/api/v\\d | /api/vx       | false",
      "~*      | ^/API/     | /api/v2       | true",
      "~*      | ^/API/$    | /api/v2       | false",
      "ipmatch | 10.0.0.0/8 | 10.9.8.7      | true",
      "ipmatch | 10.0.0.0/8 | 11.0.0.1      | false",
  })
  void everyComparisonOperatorOnAString(String op, String value, String actual, boolean expected) {
    List<?> rule = List.of("v", op, value);
    Map<String, String> vars = Map.of("v", actual);

    assertThat(VarsExpression.parse(List.of(rule)).test(VarLookup.of(vars))).isEqualTo(expected);
    assertThat(VarsExpression.parse(List.of(List.of("v", "!", op, value))).test(VarLookup.of(vars))).isEqualTo(!expected);
  }

  @Test
  void inAndHasWithListsOnEitherSide() {
    assertThat(test("[[\"arg_k\", \"in\", [\"a\", \"b\"]]]", "arg_k", "b")).isTrue();
    assertThat(test("[[\"arg_k\", \"in\", [\"a\", \"b\"]]]", "arg_k", "c")).isFalse();
    assertThat(test("[[\"arg_k\", \"!\", \"in\", [\"a\", \"b\"]]]", "arg_k", "c")).isTrue();
    assertThat(test("[[\"arg_k\", \"in\", [\"a\", \"b\"]]]", "arg_k", List.of("a"))).isFalse();
    assertThat(test("[[\"arg_k\", \"has\", \"b\"]]", "arg_k", List.of("a", "b"))).isTrue();
    assertThat(test("[[\"arg_k\", \"has\", \"c\"]]", "arg_k", List.of("a", "b"))).isFalse();
    assertThat(test("[[\"arg_k\", \"has\", 2]]", "arg_k", List.of(1, 2L))).isTrue();
    assertThat(test("[[\"arg_k\", \"!\", \"has\", \"c\"]]", "arg_k", List.of("a", "b"))).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "[[\"v\", \"==\", \"x\"]]           | false",
      "[[\"v\", \"==\", 1]]               | false",
      "[[\"v\", \"~=\", \"x\"]]           | true",
      "[[\"v\", \"~=\", 1]]               | true",
      "[[\"v\", \">\", 1]]                | false",
      "[[\"v\", \">=\", 1]]               | false",
      "[[\"v\", \"<\", 1]]                | false",
      "[[\"v\", \"<=\", 1]]               | false",
      "[[\"v\", \"~~\", \".*\"]]          | false",
      "[[\"v\", \"~*\", \".*\"]]          | false",
      "[[\"v\", \"in\", [\"a\", null]]]   | false",
      "[[\"v\", \"has\", \"a\"]]          | false",
      "[[\"v\", \"ipmatch\", \"0.0.0.0/0\"]] | false",
      "[[\"v\", \"==\", null]]            | true",
      "[[\"v\", \"!\", \"~~\", \".*\"]]   | true",
  })
  void anAbsentVariableIsNil(String vars, boolean expected) {
    assertThat(parse(vars).test(VarLookup.EMPTY)).isEqualTo(expected);
  }

  @Test
  void numbersCompareAsLuaNumbersWhateverTheirJavaType() {
    String rule = "[[\"v\", \"==\", 3]]";
    for (Object three : List.of(3, 3L, 3.0, 3.0f, (short) 3, new BigDecimal("3.000"), "3", "3.0", "0x3", "  3\t")) {
      assertThat(test(rule, "v", three)).as("%s (%s)", three, three.getClass().getSimpleName()).isTrue();
    }
    for (Object notThree : List.of(4, 3.5, "3a", "", "three", true, List.of(3))) {
      assertThat(test(rule, "v", notThree)).as("%s", notThree).isFalse();
    }
    assertThat(test("[[\"v\", \"in\", [3]]]", "v", 3.0f)).isTrue();
    assertThat(test("[[\"v\", \">\", 2.5]]", "v", new BigDecimal("2.6"))).isTrue();
  }

  @Test
  void comparisonsAcrossTypesDoNotCoerceExceptTheNumericOnes() {
    assertThat(test("[[\"server_port\", \"==\", \"80\"]]", "server_port", 80)).isFalse();
    assertThat(test("[[\"server_port\", \"==\", \"80\"]]", "server_port", "80")).isTrue();
    assertThat(test("[[\"server_port\", \"==\", 80]]", "server_port", "80")).isTrue();
    assertThat(test("[[\"server_port\", \">=\", \"80\"]]", "server_port", 80)).isTrue();
    assertThat(test("[[\"v\", \">\", 2]]", "v", "10")).isTrue(); // numeric, where strings would say "10" < "2"
    assertThat(test("[[\"v\", \">\", \"abc\"]]", "v", "abd")).isFalse(); // no string ordering at all
  }

  @Test
  void theTwoElementFormIsEqualityWithTheLowerCasedValue() {
    assertThat(test("[[\"http_x_env\", \"PROD\"]]", "http_x_env", "prod")).isTrue();
    assertThat(test("[[\"http_x_env\", \"PROD\"]]", "http_x_env", "PROD")).isFalse();
    assertThat(test("[[\"arg_id\", 5]]", "arg_id", "5")).isTrue();
    assertThat(test("[[\"arg_id\", 5]]", "arg_id", 5)).isFalse(); // the value became the string "5"
  }

  @Test
  void regexIsASearchWithPcreNewlinesAndAsciiCaseFolding() {
    assertThat(test("[[\"uri\", \"~~\", \"users\"]]", "uri", "/api/users/1")).isTrue();
    assertThat(test("[[\"uri\", \"~~\", \"^users$\"]]", "uri", "/api/users/1")).isFalse();
    assertThat(test("[[\"uri\", \"~~\", \"a$\"]]", "uri", "a\n")).isTrue(); // $ before a final \n
    assertThat(test("[[\"uri\", \"~~\", \"a$\"]]", "uri", "a\r")).isFalse(); // \r is not a newline in PCRE
    assertThat(test("[[\"uri\", \"~~\", \"a.b\"]]", "uri", "a\rb")).isTrue();
    assertThat(test("[[\"arg_address\", \"~*\", \"china.*\"]]", "arg_address", "in CHINA now")).isTrue();
    assertThat(test("[[\"arg_address\", \"~~\", \"china.*\"]]", "arg_address", "in CHINA now")).isFalse();
    assertThat(test("[[\"arg_address\", \"!\", \"~*\", \"china.*\"]]", "arg_address", "China")).isFalse();
    assertThat(test("[[\"v\", \"~*\", \"é\"]]", "v", "É")).isFalse(); // PCRE's default tables fold ASCII only
  }

  @Test
  void ipmatchOnIpv4Ipv6AndCidrBlocks() {
    String rule = "[[\"remote_addr\", \"ipmatch\", [\"127.0.0.1\", \"192.168.0.0/16\", \"2001:db8::/32\", \"::1\", \"fe80::/10\"]]]";
    for (String in : List.of("127.0.0.1", "192.168.255.1", "2001:db8:1::5", "2001:DB8::", "::1", "[::1]",
        "0::0:1", "fe80::1", "febf:ffff::")) {
      assertThat(test(rule, "remote_addr", in)).as(in).isTrue();
    }
    for (String out : List.of("127.0.0.2", "192.169.0.1", "2001:db9::1", "::2", "fec0::1", "::ffff:127.0.0.1",
        "localhost", "", "127.0.0.1/32", "fe80::1%eth0", " 127.0.0.1")) {
      assertThat(test(rule, "remote_addr", out)).as(out).isFalse();
    }
    assertThat(test("[[\"remote_addr\", \"ipmatch\", \"0.0.0.0/0\"]]", "remote_addr", "8.8.8.8")).isTrue();
    assertThat(test("[[\"remote_addr\", \"ipmatch\", \"0.0.0.0/0\"]]", "remote_addr", "::1")).isFalse();
    assertThat(test("[[\"remote_addr\", \"ipmatch\", \"::/0\"]]", "remote_addr", "2a00::1")).isTrue();
    assertThat(test("[[\"remote_addr\", \"!\", \"ipmatch\", \"10.0.0.0/8\"]]", "remote_addr", "11.0.0.1")).isTrue();
  }

  @Test
  void ipmatchOnANonStringFailsTheWholeExpressionAsLuaRaises() {
    String negated = "[[\"remote_addr\", \"!\", \"ipmatch\", \"10.0.0.0/8\"]]";
    assertThat(test(negated, "remote_addr", 167772161L)).isFalse();
    assertThat(test(negated, "remote_addr", true)).isFalse();
    assertThat(test(negated, "remote_addr", List.of("11.0.0.1"))).isFalse();
    assertThat(test(negated, "remote_addr", false)).isTrue(); // not ip -> false, negated
    // the error stops the evaluation: an OR does not go on to its next operand
    assertThat(test("[\"!OR\", [\"a\", \"ipmatch\", \"10.0.0.0/8\"], [\"b\", \"==\", \"1\"]]", Map.of("a", 1, "b", "2"))).isFalse();
    assertThat(test("[\"OR\", [\"b\", \"==\", \"1\"], [\"a\", \"ipmatch\", \"10.0.0.0/8\"]]", Map.of("a", 1, "b", "1"))).isTrue();
  }

  @Test
  void logicalOperatorsNestAndShortCircuitLeftToRight() {
    String vars = """
        ["OR", ["arg_a", "==", "1"], ["!AND", ["arg_b", "==", "2"], ["arg_c", "==", "3"]], ["!OR", ["arg_d", "==", "4"], ["arg_e", "==", "5"]]]""";
    Recording first = new Recording(Map.of("arg_a", "1"));
    assertThat(parse(vars).test(first)).isTrue();
    assertThat(first.asked).containsExactly("arg_a");

    Recording second = new Recording(Map.of("arg_b", "2"));
    assertThat(parse(vars).test(second)).isTrue(); // !AND of (true, false)
    assertThat(second.asked).containsExactly("arg_a", "arg_b", "arg_c");

    Recording none = new Recording(Map.of("arg_b", "2", "arg_c", "3", "arg_e", "5"));
    assertThat(parse(vars).test(none)).isFalse(); // !AND (true, true) false; !OR (false, true) false
    assertThat(none.asked).containsExactly("arg_a", "arg_b", "arg_c", "arg_d", "arg_e");

    Recording last = new Recording(Map.of("arg_b", "2", "arg_c", "3"));
    assertThat(parse(vars).test(last)).isTrue(); // !OR of (false, false)
  }

  @Test
  void aListOfRulesIsAnAndAndMayNest() {
    String vars = "[[\"arg_a\", \"==\", \"1\"], [[\"arg_b\", \"==\", \"2\"], [\"arg_c\", \"~=\", \"3\"]]]";
    assertThat(test(vars, Map.of("arg_a", "1", "arg_b", "2"))).isTrue();
    assertThat(test(vars, Map.of("arg_a", "1", "arg_b", "2", "arg_c", "3"))).isFalse();
    assertThat(test(vars, Map.of("arg_b", "2"))).isFalse();
    assertThat(test("[\"and\", [\"arg_a\", \"==\", \"1\"], [\"arg_b\", \"==\", \"2\"]]", Map.of("arg_a", "1", "arg_b", "2"))).isTrue();
    assertThat(test("[\"!and\", [\"arg_a\", \"==\", \"1\"], [\"arg_b\", \"==\", \"2\"]]", Map.of("arg_a", "1", "arg_b", "2"))).isFalse();
    assertThat(test("[\"Or\", [\"arg_a\", \"==\", \"1\"], [\"arg_b\", \"==\", \"2\"]]", Map.of("arg_b", "2"))).isTrue();
    assertThat(test("[\"!oR\", [\"arg_a\", \"==\", \"1\"], [\"arg_b\", \"==\", \"2\"]]", Map.of())).isTrue();
  }

  @Test
  void neverThrowsWhateverTheLookupReturns() {
    List<String> rules = List.of("[\"v\", \"==\", \"x\"]", "[\"v\", \"==\", 1]", "[\"v\", \"~=\", 1]", "[\"v\", \">\", 1]",
        "[\"v\", \"<=\", \"1\"]", "[\"v\", \"~~\", \"x\"]", "[\"v\", \"~*\", \"x\"]", "[\"v\", \"in\", [\"x\", 1, null]]",
        "[\"v\", \"has\", \"x\"]", "[\"v\", \"ipmatch\", \"::/0\"]", "[\"v\", \"!\", \"ipmatch\", \"::/0\"]");
    List<@Nullable Object> values = Arrays.asList(null, "", "x", "\u0000", "1\u00001", Double.NaN,
        Double.NEGATIVE_INFINITY, Long.MAX_VALUE, new BigDecimal("1e400"), true, false, List.of(), Arrays.asList("x", null),
        Map.of("x", 1), new Object(), 'x', new StringBuilder("x"), new int[] {1});
    for (String rule : rules) {
      VarsExpression e = parse("[" + rule + "]");
      for (Object value : values) {
        assertThatCode(() -> e.test(name -> value)).as("%s with %s", rule, value).doesNotThrowAnyException();
      }
    }
  }

  @Test
  void varLookupOfCopiesTheMap() {
    Map<String, Object> vars = new HashMap<>();
    vars.put("arg_a", "1");
    vars.put("arg_b", null);
    VarLookup lookup = VarLookup.of(vars);
    vars.put("arg_a", "2");

    assertThat(lookup.get("arg_a")).isEqualTo("1");
    assertThat(lookup.get("arg_b")).isNull();
    assertThat(lookup.get("arg_c")).isNull();
    assertThat(VarLookup.EMPTY.get("uri")).isNull();
  }
}
