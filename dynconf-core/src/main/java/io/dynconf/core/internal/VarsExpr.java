package io.dynconf.core.internal;

import io.dynconf.core.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * A route's {@code vars}: an expression of lua-resty-expr v1.3.2 (the version APISIX 3.18 uses),
 * parsed from its {@link JsonTree} form and checked as {@code expr.new} checks it, plus the
 * checks APISIX leaves to request time: regular expressions must compile (as {@code
 * java.util.regex}) and {@code ipmatch} operands must be IP addresses or CIDR blocks.
 *
 * <p>The grammar: an empty array is always true. Otherwise the array is either a list of rules
 * (joined by AND) or a logical operator ({@code AND}, {@code OR}, {@code !AND}, {@code !OR}, any
 * case) followed by at least two rules; a rule is such an array again or a comparison {@code [var,
 * op, value]}, {@code [var, "!", op, value]} (negated) or {@code [var, value]} (meaning {@code ==};
 * like lua-resty-expr, the value is then lower-cased). Operators, any case: {@code == ~= > >= < <=
 * ~~ ~* in has ipmatch}. Errors name the offending element as a JSON pointer.
 */
public sealed interface VarsExpr {

  /** The expression of an empty {@code vars}: matches every request. */
  VarsExpr ALWAYS = new Logic(LogicOp.AND, List.of());

  /** Logical operators; the {@code NOT_} forms negate the result. */
  enum LogicOp {
    AND, OR, NOT_AND, NOT_OR
  }

  /** Comparison operators. */
  enum Op {
    EQ("=="), NE("~="), GT(">"), GE(">="), LT("<"), LE("<="), REGEX("~~"), REGEX_CI("~*"), IN("in"),
    HAS("has"), IPMATCH("ipmatch");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    static @Nullable Op of(String symbol) {
      for (Op op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      return null;
    }
  }

  /** {@code op} applied to the operands' results; an AND of no operands is true. */
  record Logic(LogicOp op, List<VarsExpr> operands) implements VarsExpr {
    public Logic {
      operands = List.copyOf(operands);
    }
  }

  /**
   * {@code var op value}, negated when {@code negated}. {@code value} is a {@link JsonTree} value
   * ({@code null} for JSON null or no value); for {@link Op#IPMATCH} it is a non-empty {@code
   * List<String>} of addresses and CIDR blocks; for {@link Op#REGEX} and {@link Op#REGEX_CI} it is
   * the pattern text and {@code regex} its compiled form (null for the other operators).
   */
  record Compare(String var, Op op, boolean negated, @Nullable Object value, @Nullable Pattern regex)
      implements VarsExpr {
    public Compare {
      Objects.requireNonNull(var, "var");
      Objects.requireNonNull(op, "op");
    }
  }

  /**
   * Parses {@code vars}; {@code pointer} is where it sits in the resource ({@code /vars}).
   *
   * @throws InvalidConfigException naming the offending element and the reason
   */
  static VarsExpr parse(List<?> vars, String pointer) {
    if (vars.isEmpty()) {
      return ALWAYS;
    }
    if (!(vars.get(0) instanceof List) && logicOp(vars.get(0)) == null) {
      throw new InvalidConfigException(pointer + "/0", "rule should be wrapped inside brackets: expected "
          + "[[var, op, value], ...] or [\"AND\"|\"OR\"|\"!AND\"|\"!OR\", rule, rule, ...]");
    }
    return rule(vars, pointer);
  }

  private static VarsExpr rule(@Nullable Object node, String pointer) {
    if (!(node instanceof List)) {
      throw new InvalidConfigException(pointer, "invalid expression: expected an array");
    }
    List<?> rule = (List<?>) node;
    if (rule.isEmpty()) {
      throw new InvalidConfigException(pointer, "rule too short: an empty rule");
    }
    if (rule.get(0) instanceof List) {
      return new Logic(LogicOp.AND, operands(rule, 0, pointer));
    }
    LogicOp op = logicOp(rule.get(0));
    if (op == null) {
      return compare(rule, pointer);
    }
    if (rule.size() <= 2) {
      throw new InvalidConfigException(pointer, "rule too short: " + rule.get(0) + " needs at least two rules");
    }
    return new Logic(op, operands(rule, 1, pointer));
  }

  private static List<VarsExpr> operands(List<?> rule, int from, String pointer) {
    List<VarsExpr> operands = new ArrayList<>(rule.size() - from);
    for (int i = from; i < rule.size(); i++) {
      operands.add(rule(rule.get(i), pointer + "/" + i));
    }
    return operands;
  }

  private static @Nullable LogicOp logicOp(@Nullable Object first) {
    if (!(first instanceof String)) {
      return null;
    }
    switch (((String) first).toUpperCase(Locale.ROOT)) {
      case "AND": return LogicOp.AND;
      case "OR": return LogicOp.OR;
      case "!AND": return LogicOp.NOT_AND;
      case "!OR": return LogicOp.NOT_OR;
      default: return null;
    }
  }

  private static Compare compare(List<?> rule, String pointer) {
    boolean negated = rule.size() == 4;
    if (negated && !"!".equals(rule.get(1))) {
      throw new InvalidConfigException(pointer + "/1", "bad 'not' expression: a rule of four elements is [var, \"!\", op, value]");
    }
    if (!(rule.get(0) instanceof String)) {
      throw new InvalidConfigException(pointer + "/0", "invalid expression: the variable name must be a string");
    }
    int opIndex = negated ? 2 : 1;
    if (rule.size() <= opIndex) {
      throw new InvalidConfigException(pointer, "invalid expression: expected [var, op, value] or [var, value]");
    }
    Object rawOp = rule.get(opIndex);
    String symbol = rawOp instanceof String ? ((String) rawOp).toLowerCase(Locale.ROOT)
        : rawOp instanceof Number ? rawOp.toString() : null;
    if (symbol == null) {
      throw new InvalidConfigException(pointer + "/" + opIndex, "invalid operator: expected a string");
    }
    int valueIndex = opIndex + 1;
    boolean hasValue = rule.size() > valueIndex;
    Object value = hasValue ? rule.get(valueIndex) : null;
    Op op = Op.of(symbol);
    if (op == null && !hasValue) {
      op = Op.EQ; // [var, value]: lua-resty-expr compares with the lower-cased value
      value = symbol;
    }
    if (op == null) {
      throw new InvalidConfigException(pointer + "/" + opIndex,
          "invalid operator '" + symbol + "'; expected one of == ~= > >= < <= ~~ ~* in has ipmatch");
    }
    String valuePointer = hasValue ? pointer + "/" + valueIndex : pointer;
    String var = (String) rule.get(0);
    switch (op) {
      case REGEX:
      case REGEX_CI:
        return new Compare(var, op, negated, value, regex(value, op == Op.REGEX_CI, valuePointer));
      case IPMATCH:
        return new Compare(var, op, negated, addresses(value, valuePointer), null);
      default:
        return new Compare(var, op, negated, value, null);
    }
  }

  private static Pattern regex(@Nullable Object value, boolean caseInsensitive, String pointer) {
    if (!(value instanceof String) && !(value instanceof Number)) {
      throw new InvalidConfigException(pointer, "a regular expression (string) is required");
    }
    try {
      return Pattern.compile(value.toString(), caseInsensitive ? Pattern.CASE_INSENSITIVE : 0);
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(pointer, "invalid regular expression \"" + value + "\": "
          + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
    }
  }

  private static List<String> addresses(@Nullable Object value, String pointer) {
    List<?> list = value instanceof List ? (List<?>) value : value == null || "".equals(value) ? List.of() : List.of(value);
    if (list.isEmpty()) {
      throw new InvalidConfigException(pointer, "invalid ip address: ipmatch needs an IP, a CIDR block or a list of them");
    }
    List<String> addresses = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Object a = list.get(i);
      if (!(a instanceof String) || !StdAddresses.isIpOrCidr((String) a)) {
        throw new InvalidConfigException(value instanceof List ? pointer + "/" + i : pointer,
            "invalid ip address: " + (a instanceof String ? "\"" + a + "\"" : a) + " is not an IP address or CIDR block");
      }
      addresses.add((String) a);
    }
    return List.copyOf(addresses);
  }
}
