package io.dynconf.core.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.internal.JsonTree;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VarsExpressionParseTest {

  static List<?> tree(String json) {
    try {
      return (List<?>) JsonTree.of(new ObjectMapper().readTree(json));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static VarsExpression parse(String json) {
    return VarsExpression.parse(tree(json), "/vars");
  }

  @Test
  void anEmptyExpressionIsAlways() {
    assertThat(parse("[]")).isSameAs(VarsExpression.ALWAYS);
    assertThat(VarsExpression.ALWAYS.isAlways()).isTrue();
    assertThat(VarsExpression.ALWAYS).hasToString("[]");
    assertThat(parse("[[\"arg_a\", \"==\", \"1\"]]").isAlways()).isFalse();
  }

  @Test
  void aListOfRulesIsTheirAnd() {
    assertThat(parse("[[\"arg_name\", \"==\", \"json\"], [\"arg_age\", \">\", 18]]"))
        .hasToString("[[\"arg_name\",\"==\",\"json\"],[\"arg_age\",\">\",18]]");
  }

  @Test
  void parsesNestedLogicalOperatorsInAnyCase() {
    assertThat(parse("""
        ["!AND", ["arg_name", "==", "json"], ["or", ["arg_weight", ">", 10], ["arg_height", "!", ">", 15]]]"""))
        .hasToString("[\"!AND\",[\"arg_name\",\"==\",\"json\"],[\"OR\",[\"arg_weight\",\">\",10],[\"arg_height\",\"!\",\">\",15]]]");
  }

  @Test
  void readsEveryOperatorInAnyCase() {
    String[] symbols = {"==", "~=", ">", ">=", "<", "<=", "~~", "~*", "IN", "Has", "IPMatch"};
    String[] normal = {"==", "~=", ">", ">=", "<", "<=", "~~", "~*", "in", "has", "ipmatch"};
    for (int i = 0; i < symbols.length; i++) {
      assertThat(parse("[[\"remote_addr\", \"" + symbols[i] + "\", \"10.0.0.1\"]]"))
          .hasToString("[[\"remote_addr\",\"" + normal[i] + "\",\"10.0.0.1\"]]");
    }
  }

  @Test
  void aTwoElementRuleMeansEqualsTheLowerCasedValueAsInLuaRestyExpr() {
    assertThat(parse("[[\"http_x_env\", \"PROD\"]]")).hasToString("[[\"http_x_env\",\"==\",\"prod\"]]");
    // str_lower of a number is its Lua string: "5", "1.5", "1e+20"
    assertThat(parse("[[\"arg_id\", 5]]")).hasToString("[[\"arg_id\",\"==\",\"5\"]]");
    assertThat(parse("[[\"arg_id\", 1e20]]")).hasToString("[[\"arg_id\",\"==\",\"1e+20\"]]");
    // Lua's string.lower is ASCII-only
    assertThat(parse("[[\"arg_x\", \"ÉCOLE\"]]")).hasToString("[[\"arg_x\",\"==\",\"École\"]]");
    // a known operator without a value is that operator with nil, not a == (v1.lua:182)
    assertThat(parse("[[\"arg_k\", \"in\"]]")).hasToString("[[\"arg_k\",\"in\",null]]");
  }

  @Test
  void keepsNullAndListValuesAndIgnoresElementsAfterTheValue() {
    assertThat(parse("[[\"http_test\", \"~=\", null]]")).hasToString("[[\"http_test\",\"~=\",null]]");
    assertThat(parse("[[\"arg_k\", \"in\", [\"a\", 1, 2.5, true, null]]]"))
        .hasToString("[[\"arg_k\",\"in\",[\"a\",1,2.5,true,null]]]");
    assertThat(parse("[[\"arg_k\", \"==\", \"v\", \"extra\", \"more\"]]")).hasToString("[[\"arg_k\",\"==\",\"v\"]]");
  }

  @Test
  void copiesOperandsBuiltInJava() {
    List<Object> values = new java.util.ArrayList<>(List.of("a", 1));
    VarsExpression e = VarsExpression.parse(List.of(List.of("arg_k", "in", values)));
    values.add("b");

    assertThat(e).hasToString("[[\"arg_k\",\"in\",[\"a\",1]]]");
    assertThat(e.test(VarLookup.of(java.util.Map.of("arg_k", "b")))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[[\"arg_name\", \"==\", \"json\"], [\"arg_age\", \">\", 18]]",
      "[\"!OR\", [\"a\", \"!\", \"~*\", \"x\\\"y\\\\z\"], [[\"b\", \"in\", [1, \"2\", {\"k\": null}]], [\"c\", \"ipmatch\", [\"::1\"]]]]",
      "[[\"http_x\", \"PROD\"], [\"arg_n\", \"<=\", -0.5]]",
  })
  void toStringParsesBackToAnEqualExpression(String json) {
    VarsExpression e = parse(json);
    VarsExpression again = VarsExpression.parse(tree(e.toString()));

    assertThat(again).isEqualTo(e).hasSameHashCodeAs(e).hasToString(e.toString());
    assertThat(again).isNotEqualTo(parse("[[\"arg_name\", \"==\", \"json\"]]"));
  }

  @Test
  void errorsOfTheOneArgumentParseAreRelativeToTheArray() {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
        () -> VarsExpression.parse(tree("[[\"arg_a\", \"==\", \"1\"], [\"arg_b\", \"=\", \"1\"]]")));

    assertThat(e.field()).isEqualTo("/1/1");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "[\"arg_name\", \"==\", \"json\"]                  | /vars/0     | rule should be wrapped inside brackets",
      "[\"OR\", [\"arg_a\", \"==\", \"1\"]]              | /vars       | rule too short: OR needs at least two rules",
      "[[\"AND\"], [\"arg_a\", \"==\", \"1\"]]           | /vars/0     | rule too short: AND needs at least two rules",
      "[[\"arg_a\", \"==\", \"1\"], []]                  | /vars/1     | rule too short: an empty rule",
      "[[\"arg_a\", \"==\", \"1\"], \"arg_b\"]           | /vars/1     | invalid expression: expected an array",
      "[[\"arg_a\"]]                                     | /vars/0     | invalid expression: expected [var, op, value]",
      "[[1, \"==\", \"1\"]]                              | /vars/0/0   | invalid expression: the variable name must be a string",
      "[[\"arg_a\", \"not\", \"==\", \"1\"]]             | /vars/0/1   | bad 'not' expression",
      "[[\"arg_a\", \"=\", \"1\"]]                       | /vars/0/1   | invalid operator '='",
      "[[\"arg_a\", \"!\", \"=~\", \"1\"]]               | /vars/0/2   | invalid operator '=~'",
      "[[\"arg_a\", true, \"1\"]]                        | /vars/0/1   | invalid operator: expected a string",
      "[[\"uri\", \"~~\", \"^/(api\"]]                   | /vars/0/2   | invalid regular expression \"^/(api\": Unclosed group",
      "[[\"uri\", \"~*\", \"[a-\"]]                      | /vars/0/2   | invalid regular expression \"[a-\"",
      "[[\"uri\", \"~~\"]]                               | /vars/0     | a regular expression (string) is required",
      "[[\"uri\", \"~~\", [\"a\"]]]                      | /vars/0/2   | a regular expression (string) is required",
      "[[\"uri\", \"~~\", 123]]                          | /vars/0/2   | a regular expression (string) is required",
      "[[\"remote_addr\", \"ipmatch\", \"\"]]            | /vars/0/2   | invalid ip address: ipmatch needs",
      "[[\"remote_addr\", \"ipmatch\", []]]              | /vars/0/2   | invalid ip address: ipmatch needs",
      "[[\"remote_addr\", \"ipmatch\"]]                  | /vars/0     | invalid ip address: ipmatch needs",
      "[[\"remote_addr\", \"ipmatch\", \"localhost\"]]   | /vars/0/2   | invalid ip address: \"localhost\" is not",
      "[[\"remote_addr\", \"ipmatch\", [\"::1\", \"10.0.0.0/40\"]]] | /vars/0/2/1 | invalid ip address: \"10.0.0.0/40\" is not",
      "[[\"remote_addr\", \"ipmatch\", [\"::1\", 7]]]    | /vars/0/2/1 | invalid ip address: 7 is not",
  })
  void rejectsMalformedExpressionsAtTheOffendingElement(String vars, String field, String reason) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(vars));

    assertThat(e).as(vars).isNotNull();
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).startsWith(reason);
  }
}
