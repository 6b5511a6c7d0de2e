package io.dynconf.core.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.internal.JsonTree;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JSONPath after {@code post_arg.} in a route's vars is checked as APISIX's admin API checks it
 * (issue 15: APISIX refuses {@code post_arg.messages[.content[*].type}); what lua-jsonpath parses
 * is accepted.
 */
class JsonPathSyntaxTest {

  @ParameterizedTest
  @ValueSource(strings = {"$.model", "$.messages[*].content", "$.messages[0].role", "$..type", "$.a.b.c", "$.a[-1:]",
      "$.a[1,2]", "$.a['x','y z']", "$.a[\"k\"]", "$.a[::2]", "$.a[1:3]", "$.a[?(@.price < 10)]", "$.a[?(@.isbn)]",
      "$.a[(@.length-1)]", "$..[0]", "$.*", "$.a..b[*]", "$.a[ 1 , 2 ]", "$.a[?(@.t == 'x)')]", "$.a[?(@.b[0] > 1)]", "$.0",
      "$.under_score9"})
  void acceptsWhatLuaJsonpathParses(String path) {
    assertThat(JsonPathSyntax.problem(path)).as(path).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"$.messages[.content[*].type", "$.", "$.a[", "$.a[]", "$.a]", "$.a[1", "$.a['x]", "$.a..", "$.a.[0]",
      "$.model-name", "$.a[?()]", "$.a[?(@.b]", "$.a[(1]", "$.a b", "$.a[x]", "$.a[1:2:]", "$.é", "$.a[?(@.b))]"})
  void refusesWhatItCannotParse(String path) {
    assertThat(JsonPathSyntax.problem(path)).as(path).isNotNull().contains("at character");
  }

  @Test
  void aRouteWithAMalformedPostArgPathIsRefusedNamingIt() {
    assertThatThrownBy(() -> parse("[[\"post_arg.messages[.content[*].type\", \"has\", \"image_url\"]]"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("/vars/0/0")
        .hasMessageContaining("failed to validate the 'vars' expression: invalid expression")
        .hasMessageContaining("$.messages[.content[*].type");
    assertThatThrownBy(() -> parse("[\"AND\", [\"arg_a\", \"==\", \"1\"], [\"post_arg.a[\", \"==\", \"1\"]]"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("/vars/2/0");
    // well-formed paths, and a two-element rule (APISIX checks rules of three or more), are accepted
    assertThat(parse("[[\"post_arg.messages[*].content\", \"has\", \"x\"], [\"post_arg.model\", \"==\", \"gpt\"]]").isAlways()).isFalse();
    assertThat(parse("[[\"post_arg.a[\", \"x\"]]").isAlways()).isFalse();
  }

  private static VarsExpression parse(String json) {
    try {
      return VarsExpression.parse((List<?>) JsonTree.of(new ObjectMapper().readTree(json)), "/vars");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
