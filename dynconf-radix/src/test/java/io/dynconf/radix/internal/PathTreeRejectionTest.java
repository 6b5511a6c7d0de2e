package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathTreeRejectionTest {

  private static void add(String pattern) {
    PathTree.<String>builder().add(pattern, "v", 0, 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", ":id", " /a", "**"}) // "*" alone is every path (APISIX accepts uri "*")
  void patternMustStartWithSlash(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> add(pattern))
        .withMessage("invalid path pattern '" + pattern + "': must start with '/'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a/*/b", "/*x/y", "/a*b", "/a/b*c", "/foo*/", "/**", "/a/*x*", "/:id*"})
  void starOnlyAtTheEnd(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> add(pattern))
        .withMessageStartingWith("invalid path pattern '" + pattern + "': ")
        .withMessageContaining("'*' is only allowed at the end of the pattern");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/:", "/a/:/b", "/a/:"})
  void emptyParameterName(String pattern) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> add(pattern))
        .withMessage("invalid path pattern '" + pattern + "': empty parameter name");
  }

  @ParameterizedTest
  @CsvSource({"/:a/:a, a", "/:id/x/*id, id", "/:x/:y/:x, x"})
  void duplicateParameterName(String pattern, String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> add(pattern))
        .withMessage("invalid path pattern '" + pattern + "': duplicate parameter name '" + name + "'");
  }

  @ParameterizedTest
  @CsvSource({"/:a:b, parameter name 'a:b'", "/x/*a:b, catch-all name 'a:b'"})
  void colonInsideAName(String pattern, String what) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> add(pattern))
        .withMessage("invalid path pattern '" + pattern + "': " + what + " must not contain ':'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/a", "/a/", "/a//b", "/a*", "/a/*", "/*", "/*rest", "/:a/:b/*c", "/a:b", "/:a/x*"})
  void validPatternsAreAccepted(String pattern) {
    assertThatNoException().isThrownBy(() -> add(pattern));
  }
}
