package io.dynconf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.internal.JsonTree;
import io.dynconf.core.internal.VarsExpr;
import io.dynconf.core.internal.VarsExpr.Compare;
import io.dynconf.core.internal.VarsExpr.Logic;
import io.dynconf.core.internal.VarsExpr.LogicOp;
import io.dynconf.core.internal.VarsExpr.Op;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VarsTest {

  private static VarsExpr parse(String json) {
    try {
      return VarsExpr.parse((List<?>) JsonTree.of(new ObjectMapper().readTree(json)), "/vars");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static Compare compare(VarsExpr expr) {
    return (Compare) ((Logic) expr).operands().get(0);
  }

  @Test
  void anEmptyExpressionIsAlwaysTrue() {
    assertThat(parse("[]")).isSameAs(VarsExpr.ALWAYS);
  }

  @Test
  void aListOfRulesIsTheirAnd() {
    VarsExpr expr = parse("[[\"arg_name\", \"==\", \"json\"], [\"arg_age\", \">\", 18]]");

    assertThat(expr).isEqualTo(new Logic(LogicOp.AND, List.of(
        new Compare("arg_name", Op.EQ, false, "json", null),
        new Compare("arg_age", Op.GT, false, 18L, null))));
  }

  @Test
  void parsesNestedLogicalOperatorsInAnyCase() {
    VarsExpr expr = parse("""
        ["!AND", ["arg_name", "==", "json"], ["or", ["arg_weight", ">", 10], ["arg_height", "!", ">", 15]]]""");

    assertThat(expr).isEqualTo(new Logic(LogicOp.NOT_AND, List.of(
        new Compare("arg_name", Op.EQ, false, "json", null),
        new Logic(LogicOp.OR, List.of(
            new Compare("arg_weight", Op.GT, false, 10L, null),
            new Compare("arg_height", Op.GT, true, 15L, null))))));
  }

  @Test
  void readsEveryOperatorInAnyCase() {
    String[] symbols = {"==", "~=", ">", ">=", "<", "<=", "~~", "~*", "IN", "Has", "ipmatch"};
    Op[] ops = {Op.EQ, Op.NE, Op.GT, Op.GE, Op.LT, Op.LE, Op.REGEX, Op.REGEX_CI, Op.IN, Op.HAS, Op.IPMATCH};
    for (int i = 0; i < symbols.length; i++) {
      assertThat(compare(parse("[[\"remote_addr\", \"" + symbols[i] + "\", \"10.0.0.1\"]]")).op()).isEqualTo(ops[i]);
    }
  }

  @Test
  void aTwoElementRuleMeansEqualsTheLowerCasedValueAsInLuaRestyExpr() {
    assertThat(compare(parse("[[\"http_x_env\", \"PROD\"]]"))).isEqualTo(new Compare("http_x_env", Op.EQ, false, "prod", null));
    assertThat(compare(parse("[[\"arg_id\", 5]]"))).isEqualTo(new Compare("arg_id", Op.EQ, false, "5", null));
  }

  @Test
  void keepsNullAndListValues() {
    assertThat(compare(parse("[[\"http_test\", \"~=\", null]]")).value()).isNull();
    assertThat(compare(parse("[[\"arg_k\", \"in\", [\"a\", 1]]]")).value()).isEqualTo(List.of("a", 1L));
    assertThat(compare(parse("[[\"arg_k\", \"in\"]]"))).isEqualTo(new Compare("arg_k", Op.IN, false, null, null));
  }

  @Test
  void ignoresElementsAfterTheValueAsLuaRestyExprDoes() {
    assertThat(compare(parse("[[\"arg_k\", \"==\", \"v\", \"extra\", \"more\"]]")))
        .isEqualTo(new Compare("arg_k", Op.EQ, false, "v", null));
  }

  @Test
  void compilesRegexOperands() {
    Compare sensitive = compare(parse("[[\"arg_address\", \"~~\", \"China.*\"]]"));
    Compare insensitive = compare(parse("[[\"arg_address\", \"!\", \"~*\", \"china.*\"]]"));

    assertThat(sensitive.regex()).isNotNull();
    assertThat(sensitive.regex().matcher("in China now").find()).isTrue();
    assertThat(sensitive.regex().matcher("in CHINA now").find()).isFalse();
    assertThat(insensitive.negated()).isTrue();
    assertThat(insensitive.regex().flags() & Pattern.CASE_INSENSITIVE).isNotZero();
    assertThat(insensitive.regex().matcher("CHINA").find()).isTrue();
  }

  @Test
  void ipmatchTakesAnAddressOrAListOfAddressesAndCidrBlocks() {
    assertThat(compare(parse("[[\"remote_addr\", \"ipmatch\", \"127.0.0.1\"]]")).value()).isEqualTo(List.of("127.0.0.1"));
    assertThat(compare(parse("[[\"remote_addr\", \"ipmatch\", [\"10.0.0.0/8\", \"::1\", \"2001:db8::/32\"]]]")).value())
        .isEqualTo(List.of("10.0.0.0/8", "::1", "2001:db8::/32"));
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
      "[[\"remote_addr\", \"ipmatch\", \"\"]]            | /vars/0/2   | invalid ip address: ipmatch needs",
      "[[\"remote_addr\", \"ipmatch\", []]]              | /vars/0/2   | invalid ip address: ipmatch needs",
      "[[\"remote_addr\", \"ipmatch\"]]                  | /vars/0     | invalid ip address: ipmatch needs",
      "[[\"remote_addr\", \"ipmatch\", \"localhost\"]]   | /vars/0/2   | invalid ip address: \"localhost\" is not",
      "[[\"remote_addr\", \"ipmatch\", [\"::1\", \"10.0.0.0/40\"]]] | /vars/0/2/1 | invalid ip address: \"10.0.0.0/40\" is not",
  })
  void rejectsMalformedExpressionsAtTheOffendingElement(String vars, String field, String reason) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(vars));

    assertThat(e).as(vars).isNotNull();
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).startsWith(reason);
  }
}
