package io.dynconf.core.match;

import org.jspecify.annotations.Nullable;

/**
 * The syntax of the JSONPath expressions APISIX accepts after {@code post_arg.} in a route's
 * {@code vars} (its admin API parses {@code "$." + rest} with lua-jsonpath, David Chester's grammar,
 * and refuses the route when that fails): names ({@code [A-Za-z_][A-Za-z0-9_]*}), integers and
 * {@code *} after {@code .} or {@code ..}; subscripts {@code [*]}, {@code [1,'a',"b"]}, slices {@code
 * [start:end:step]}, script {@code [(...)]} and filter {@code [?(...)]} expressions, also after
 * {@code ..}; blanks after tokens. The expression must be consumed whole. Inside a script or filter
 * expression only the balance of parentheses, brackets and quotes is checked (more lenient than
 * lua-jsonpath's expression grammar, never stricter).
 */
final class JsonPathSyntax {
  private final String s;
  private int i;

  private JsonPathSyntax(String s) {
    this.s = s;
  }

  /** Why {@code path} is not a JSONPath expression, or null when it is one. */
  static @Nullable String problem(String path) {
    try {
      new JsonPathSyntax(path).path();
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at character " + (i + 1) + " of " + s);
  }

  private boolean at(char c) {
    return i < s.length() && s.charAt(i) == c;
  }

  private boolean at(String t) {
    return s.startsWith(t, i);
  }

  private void blanks() {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n')) {
      i++;
    }
  }

  private void path() {
    blanks();
    if (at('$')) {
      i++; // then .name, ..name, ..[...] or [...] as after any step
    } else if (at('[')) {
      subscript();
    } else {
      name();
    }
    while (i < s.length()) {
      if (at("..")) {
        i += 2;
        if (at('[')) {
          subscript();
        } else {
          name();
        }
      } else if (at('.')) {
        i++;
        name();
      } else if (at('[')) {
        subscript();
      } else {
        blanks();
        if (i < s.length()) {
          throw error("unexpected '" + s.charAt(i) + "'");
        }
      }
    }
  }

  /** An integer, a name or {@code *}, then blanks. */
  private void name() {
    int start = i;
    if (at('*')) {
      i++;
    } else if (!integer()) {
      if (i < s.length() && (Character.isLetter(s.charAt(i)) && s.charAt(i) < 128 || s.charAt(i) == '_')) {
        while (i < s.length() && (s.charAt(i) < 128 && Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
          i++;
        }
      }
    }
    if (i == start) {
      throw error(i < s.length() ? "a name, an index or * expected, found '" + s.charAt(i) + "'" : "a name, an index or * expected");
    }
    blanks();
  }

  /** An optional sign and digits; false (nothing consumed) when there are none. */
  private boolean integer() {
    int start = i;
    if (at('+') || at('-')) {
      i++;
    }
    int digits = i;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    if (i == digits) {
      i = start;
      return false;
    }
    blanks();
    return true;
  }

  private void subscript() {
    i++; // [
    blanks();
    if (at('*')) {
      i++;
    } else if (at('(')) {
      expression();
    } else if (at('?')) {
      i++;
      blanks();
      if (at(']')) {
        throw error("an empty filter");
      }
      if (at('(')) {
        expression();
      }
      while (i < s.length() && !at(']')) {
        if (at('(') || at('[') || at('\'') || at('"')) {
          balanced();
        } else if (at(')')) {
          throw error("an unbalanced ')'");
        } else {
          i++;
        }
      }
    } else {
      while (true) {
        blanks();
        item();
        blanks();
        if (!at(',')) {
          break;
        }
        i++;
      }
    }
    blanks();
    if (!at(']')) {
      throw error(i < s.length() ? "']' expected, found '" + s.charAt(i) + "'" : "']' expected");
    }
    i++;
  }

  /** A union's item: a slice, a quoted string or an integer. */
  private void item() {
    if (at('\'') || at('"')) {
      quoted();
      return;
    }
    boolean start = integer();
    if (at(':')) {
      i++;
      blanks();
      integer();
      if (at(':')) {
        i++;
        blanks();
        if (!integer()) {
          throw error("a slice's step must be an integer");
        }
      }
      return;
    }
    if (!start) {
      throw error(i < s.length() ? "an index, a slice, a quoted name, *, a (script) or a ?(filter) expected, found '" + s.charAt(i) + "'"
          : "an index, a slice, a quoted name, *, a (script) or a ?(filter) expected");
    }
  }

  private void quoted() {
    char q = s.charAt(i++);
    while (i < s.length() && s.charAt(i) != q) {
      i += s.charAt(i) == '\\' ? 2 : 1;
    }
    if (i >= s.length()) {
      throw error("an unterminated string");
    }
    i++;
  }

  /** A parenthesised script or filter expression: balanced and not empty. */
  private void expression() {
    int open = i;
    balanced();
    if (s.substring(open + 1, s.lastIndexOf(')', i - 1)).isBlank()) {
      i = open;
      throw error("an empty expression");
    }
  }

  /** From an opening parenthesis or bracket to its match, quotes respected. */
  private void balanced() {
    StringBuilder open = new StringBuilder();
    do {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        quoted();
        continue;
      }
      if (c == '(' || c == '[') {
        open.append(c == '(' ? ')' : ']');
      } else if (c == ')' || c == ']') {
        if (open.charAt(open.length() - 1) != c) {
          throw error("an unbalanced '" + c + "'");
        }
        open.setLength(open.length() - 1);
      }
      i++;
    } while (open.length() > 0 && i < s.length());
    if (open.length() > 0) {
      throw error("an unclosed '" + (open.charAt(open.length() - 1) == ')' ? '(' : '[') + "'");
    }
    blanks();
  }
}
