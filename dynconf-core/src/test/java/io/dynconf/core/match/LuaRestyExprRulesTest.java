package io.dynconf.core.match;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.internal.JsonTree;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One comparison {@code [ "v", op, value ]} against one looked-up value of {@code v}, with the
 * answer derived by reading lua-resty-expr v1.3.2 ({@code lib/resty/expr/v1.lua}, cited as
 * {@code :line}), lua-resty-core's regex.lua and lua-resty-ipmatcher 0.6.1. The value of {@code v}
 * is JSON ({@code null}: absent).
 */
class LuaRestyExprRulesTest {

  @ParameterizedTest(name = "{0} with v={1} -> {2}: {3}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // == (:72-80): r a number -> tonumber(l) == r; otherwise raw equality, no coercion
      "[\"v\",\"==\",18]          | \"18\"          | true  | tonumber(\"18\") == 18",
      "[\"v\",\"==\",18]          | \"18.0\"        | true  | tonumber(\"18.0\") == 18",
      "[\"v\",\"==\",18]          | \" 0x12 \"      | true  | LuaJIT tonumber reads hex and skips white space",
      "[\"v\",\"==\",18]          | \"18abc\"       | false | tonumber(\"18abc\") is nil -> false",
      "[\"v\",\"==\",18]          | 18              | true  | a number l is its own tonumber",
      "[\"v\",\"==\",18]          | true            | false | tonumber(true) is nil",
      "[\"v\",\"==\",\"18\"]      | 18              | false | r a string: raw ==, number ~= string",
      "[\"v\",\"==\",\"18\"]      | \"18.0\"        | false | raw string equality",
      "[\"v\",\"==\",\"18\"]      | \"18\"          | true  | raw string equality",
      "[\"v\",\"==\",true]        | true            | true  | booleans compare raw",
      "[\"v\",\"==\",true]        | \"true\"        | false | a string is not a boolean",
      "[\"v\",\"==\",null]        | null            | true  | ngx.null -> nil (:151); nil == nil",
      "[\"v\",\"==\",null]        | \"\"            | false | \"\" is not nil",
      "[\"v\",\"==\",[\"a\"]]     | [\"a\"]         | false | tables are equal only to themselves",
      // ~= (:81-89)
      "[\"v\",\"~=\",18]          | \"abc\"         | true  | r a number, tonumber(l) nil -> true",
      "[\"v\",\"~=\",18]          | null            | true  | tonumber(nil) is nil -> true",
      "[\"v\",\"~=\",18]          | \"1.8e1\"       | false | 18 ~= 18 is false",
      "[\"v\",\"~=\",\"18\"]      | 18              | true  | raw: number ~= string",
      "[\"v\",\"~=\",null]        | null            | false | nil ~= nil is false",
      "[\"v\",\"~=\",null]        | \"x\"           | true  | header present",
      // > >= < <= (:90-121): tonumber both sides, false if either is nil
      "[\"v\",\">\",\"10\"]       | \"9\"           | false | numeric, not string, order: 9 > 10",
      "[\"v\",\">\",\"10\"]       | \"11\"          | true  | tonumber(r) of a numeric string",
      "[\"v\",\">\",10]           | \"abc\"         | false | tonumber(l) nil -> false",
      "[\"v\",\"<\",10]           | \"abc\"         | false | tonumber(l) nil -> false, for < too",
      "[\"v\",\">\",\"ten\"]      | \"11\"          | false | tonumber(r) nil -> false",
      "[\"v\",\">\",10]           | \"inf\"         | true  | LuaJIT tonumber(\"inf\") is infinity",
      "[\"v\",\">=\",10]          | \"nan\"         | false | nan compares false",
      "[\"v\",\"<=\",10]          | \" 10 \"        | true  | white space around a number",
      "[\"v\",\">=\",10]          | \"0b1010\"      | true  | LuaJIT 2.1 reads binary 0b",
      "[\"v\",\"<\",1]            | \"5e-1\"        | true  | exponents",
      "[\"v\",\"<\",1]            | \"0x.8\"        | true  | hex fraction 0.5",
      "[\"v\",\">\",0]            | \"1L\"          | false | suffixes are not for tonumber",
      "[\"v\",\">\",0]            | [\"5\"]         | false | tonumber(table) is nil",
      // ~~ ~* (:122-143): nil/false -> false; else re.find(tostring(l)) (resty.core.regex)
      "[\"v\",\"~~\",\"^1\\\\.5$\"] | 1.5             | true  | tostring(1.5) == \"1.5\"",
      "[\"v\",\"~~\",\"^18$\"]    | 18.0            | true  | tostring(18.0) == \"18\" (%.14g)",
      "[\"v\",\"~~\",\"e\\\\+15\"]  | 1000000000000000 | true | tostring(1e15) == \"1e+15\"",
      "[\"v\",\"~~\",\"^true$\"]  | true            | true  | tostring(true)",
      "[\"v\",\"~~\",\".*\"]      | false           | false | not l -> false",
      "[\"v\",\"!\",\"~~\",\".*\"] | null           | true  | not l -> false, then negated",
      "[\"v\",\"~~\",\"b\"]       | \"abc\"         | true  | find, not a full match",
      "[\"v\",\"~*\",\"^ABC\"]    | \"abcd\"        | true  | option i",
      "[\"v\",\"~~\",\"^ABC\"]    | \"abcd\"        | false | no option i",
      // in (:38-47): r an array holding an element raw-equal to l
      "[\"v\",\"in\",[\"1\",\"2\"]] | 1             | false | raw: 1 ~= \"1\"",
      "[\"v\",\"in\",[1,2]]       | 2               | true  | numbers",
      "[\"v\",\"in\",[1,2]]       | \"2\"           | false | raw: \"2\" ~= 2",
      "[\"v\",\"in\",[\"a\",null]] | null           | false | the null element is ngx.null, not nil",
      "[\"v\",\"in\",\"abc\"]     | \"abc\"         | false | r not a table",
      "[\"v\",\"in\",[[\"a\"]]]   | [\"a\"]         | false | tables are equal only to themselves",
      // has (:50-62): l an array holding an element raw-equal to r
      "[\"v\",\"has\",\"b\"]      | [\"a\",\"b\"]   | true  | found",
      "[\"v\",\"has\",\"b\"]      | \"ab\"          | false | l not a table",
      "[\"v\",\"has\",2]          | [\"2\"]         | false | raw: \"2\" ~= 2",
      "[\"v\",\"has\",\"b\"]      | [\"a\",null,\"b\"] | false | ipairs stops at the first nil",
      "[\"v\",\"has\",null]       | [\"a\",null]    | false | ipairs never yields nil",
      // ipmatch (:66-68 and ipmatcher.match)
      "[\"v\",\"ipmatch\",\"10.0.0.0/8\"] | \"10.1.2.3\" | true | CIDR",
      "[\"v\",\"ipmatch\",\"10.0.0.0/8\"] | \"010.1.2.3\" | false | inet_pton refuses leading zeros: not an address",
      "[\"v\",\"ipmatch\",\"10.0.0.0/8\"] | \"::ffff:10.1.2.3\" | false | families are separate",
      "[\"v\",\"ipmatch\",\"::1\"] | \"[::1]\"       | true  | brackets stripped",
      "[\"v\",\"ipmatch\",\"::1\"] | \"0:0:0:0:0:0:0:1\" | true | any text form",
      "[\"v\",\"!\",\"ipmatch\",\"::1\"] | null       | true  | match(nil) is false, then negated",
      "[\"v\",\"!\",\"ipmatch\",\"::1\"] | 1          | false | inet_pton(number) raises: the expression does not match",
  })
  void oneComparison(String rule, String value, boolean expected, String luaRule) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("v", json(value));
    VarsExpression expression = VarsExpression.parse(java.util.List.of(json(rule)));

    assertThat(expression.test(VarLookup.of(vars))).as(luaRule).isEqualTo(expected);
  }

  private static Object json(String json) {
    try {
      return JsonTree.of(new ObjectMapper().readTree(json));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
