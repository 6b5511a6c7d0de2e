package io.dynconf.core.match;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.internal.JsonTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.RandomAccess;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * A route's {@code vars}: an expression of lua-resty-expr v1.3.2 (the version APISIX 3.18 uses),
 * parsed once and then {@linkplain #test tested} against each request's variables. Line numbers
 * below ({@code v1.lua:N}) refer to {@code lib/resty/expr/v1.lua} at tag v1.3.2.
 *
 * <h2>Grammar</h2>
 *
 * An empty array is always true. Otherwise the array is either a list of rules (joined by AND) or
 * a logical operator ({@code AND}, {@code OR}, {@code !AND}, {@code !OR}, any case) followed by at
 * least two rules; a rule is such an array again or a comparison {@code [var, op, value]}, {@code
 * [var, "!", op, value]} (negated) or {@code [var, value]} (meaning {@code ==} with the value
 * converted to a string and lower-cased, v1.lua:178-190). Operators, any case: {@code == ~= > >= <
 * <= ~~ ~* in has ipmatch}. Elements after the value are ignored, as lua-resty-expr ignores them.
 * Beyond what {@code expr.new} checks, parsing also does the checks APISIX leaves to request time:
 * a regular expression must be a string (a number fails every request in OpenResty) that compiles
 * as {@link java.util.regex.Pattern}, and {@code ipmatch} operands must be IP addresses or CIDR
 * blocks. Errors name the offending element as a JSON pointer.
 *
 * <h2>Evaluation</h2>
 *
 * {@code l} is the variable's value from the {@link VarLookup} ({@code null} = nil), {@code r} the
 * configured value (JSON null = nil, v1.lua:151). "Equal" is Lua's raw equality: nil equals only
 * nil, values of different types are never equal (the string {@code "1"} is not the number {@code
 * 1}), numbers compare as doubles, and a list equals nothing. {@code tonumber} is LuaJIT's (see
 * {@code Lua.toNumber}: decimal, hex, binary, inf/nan, surrounding white space; booleans, lists and
 * nil are not numbers).
 *
 * <ul>
 *   <li>{@code ==} (v1.lua:72-80): if {@code r} is a JSON number, {@code tonumber(l) == r}, false
 *       when {@code l} is not a number; otherwise {@code l} equals {@code r} (so {@code [v, "==",
 *       null]} is true exactly when {@code v} is absent, and a string {@code r} never equals a
 *       number {@code l}).
 *   <li>{@code ~=} (v1.lua:81-89): if {@code r} is a number, true when {@code tonumber(l)} is not
 *       a number, else {@code tonumber(l) ~= r}; otherwise {@code l} does not equal {@code r}.
 *   <li>{@code > >= < <=} (v1.lua:90-121): {@code tonumber} on both sides ({@code r} may be a
 *       numeric string); false when either is not a number.
 *   <li>{@code ~~} and {@code ~*} (v1.lua:122-143): false when {@code l} is nil or {@code false};
 *       otherwise a regex <em>search</em> ({@code ngx.re.find}, not a full match) in {@code
 *       tostring(l)}: a string as is, {@code true} as {@code "true"}, a number as Lua prints it
 *       ({@code "%.14g"}: {@code 18}, {@code 1.5}, {@code 1e+15}; lua-resty-core's regex.lua casts
 *       the subject with {@code tostring}). {@code ~*} is case-insensitive.
 *   <li>{@code in} (v1.lua:38-47): {@code r} is an array containing an element equal to {@code l};
 *       false when {@code r} is not an array; JSON nulls in {@code r} equal nothing (they are
 *       {@code ngx.null}, not nil); a list {@code l} is never in anything.
 *   <li>{@code has} (v1.lua:50-62): {@code l} is a list with an element equal to {@code r}; false
 *       when {@code l} is not a list or {@code r} is nil; a {@code null} element ends {@code l}
 *       ({@code ipairs} stops at the first nil).
 *   <li>{@code ipmatch} (v1.lua:66-68, lua-resty-ipmatcher 0.6.1 {@code match}): {@code l} is a
 *       string IPv4 or IPv6 address ({@code [v6]} brackets allowed) inside one of the addresses or
 *       CIDR blocks of {@code r}, compared within its own family; false when {@code l} is nil,
 *       {@code false} or a string that is not an address.
 *   <li>{@code !} (v1.lua:321, 340): the comparison's result is inverted.
 *   <li>{@code AND}/{@code OR} (v1.lua:312-347) evaluate left to right and stop at the first false
 *       (AND) or true (OR) operand; {@code !AND}/{@code !OR} (v1.lua:359-365) invert the result.
 *       A list of rules is their AND; the empty expression is true without any lookup.
 * </ul>
 *
 * <p>Where lua-resty-expr raises a Lua error instead of answering (APISIX then fails the request
 * with status 500), {@code test} returns false for the whole expression: no match, whatever
 * negations surround the failing comparison. The only such case is {@code ipmatch} on a number,
 * {@code true}, a list or another non-string value (the address reaches {@code inet_pton} through
 * the FFI, which refuses it). One deliberate difference: {@code ~~}/{@code ~*} on a list or an
 * unknown object is false; Lua would search the text {@code table: 0x...}, the table's address.
 *
 * <h2>Regular expressions</h2>
 *
 * APISIX uses PCRE without UTF mode (options {@code "jo"}, {@code "joi"}); here patterns are
 * {@link java.util.regex.Pattern}s compiled once at parse time with {@link Pattern#UNIX_LINES} (PCRE
 * newline is {@code \n}) and, for {@code ~*}, {@link Pattern#CASE_INSENSITIVE} (ASCII-only, as
 * PCRE's default tables). Differences remain: PCRE matches UTF-8 bytes where Java matches UTF-16
 * chars (so {@code .} and {@code \x{..}} differ on non-ASCII text), PCRE-only syntax ({@code \K},
 * recursion, {@code (?|...)}) is rejected at parse time, and Java-only syntax (class intersections
 * {@code [a&&b]}, {@code \p{javaLowerCase}}) is accepted though PCRE would read it differently.
 *
 * <p>Instances are immutable and thread-safe. {@link #test} compiles nothing; its only
 * allocations are a {@link java.util.regex.Matcher} per regex comparison it evaluates and the
 * string of a number searched by a regex. Two expressions are equal when their {@link #toString}
 * forms are.
 */
public final class VarsExpression {
  private static final int FALSE = 0;
  private static final int TRUE = 1;
  /** lua-resty-expr raises a Lua error: the evaluation stops and the expression does not match. */
  private static final int ERROR = -1;

  /** The expression of an empty {@code vars}: matches every request. */
  public static final VarsExpression ALWAYS = new VarsExpression(null);

  private final @Nullable Logic root;
  private final String text;

  private VarsExpression(@Nullable Logic root) {
    this.root = root;
    StringBuilder sb = new StringBuilder();
    if (root == null) {
      sb.append("[]");
    } else {
      root.render(sb);
    }
    this.text = sb.toString();
  }

  /**
   * Parses {@code vars}, a JSON array as a {@code java.util} tree (lists, maps, strings, numbers,
   * booleans and nulls, such as {@code Route.vars()}); errors name elements relative to it ({@code
   * /0/2}). The operand values are copied.
   *
   * @throws InvalidConfigException naming the offending element and the reason
   */
  public static VarsExpression parse(List<?> vars) {
    return parse(vars, "");
  }

  /**
   * Parses {@code vars}; {@code pointer} is where it sits in the resource (such as {@code /vars})
   * and prefixes the pointers of errors.
   *
   * @throws InvalidConfigException naming the offending element and the reason
   */
  public static VarsExpression parse(List<?> vars, String pointer) {
    if (vars.isEmpty()) {
      return ALWAYS;
    }
    if (!(vars.get(0) instanceof List) && logicOp(vars.get(0)) == null) { // v1.lua:293-298
      throw new InvalidConfigException(pointer + "/0", "rule should be wrapped inside brackets: expected "
          + "[[var, op, value], ...] or [\"AND\"|\"OR\"|\"!AND\"|\"!OR\", rule, rule, ...]");
    }
    return new VarsExpression((Logic) rule(vars, pointer));
  }

  /**
   * Whether the request whose variables {@code lookup} answers matches. Never throws on any value
   * the lookup returns (see the class documentation); exceptions of the lookup itself propagate.
   */
  public boolean test(VarLookup lookup) {
    return root == null || root.eval(lookup) == TRUE;
  }

  /** Whether this is the empty expression, which matches every request without any lookup. */
  public boolean isAlways() {
    return root == null;
  }

  /**
   * The expression as compact JSON in normal form (logical operators upper-cased, comparison
   * operators lower-cased, {@code [var, value]} written as {@code [var, "==", value]}); parsing it
   * gives an equal expression.
   */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof VarsExpression && ((VarsExpression) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  // ---------------------------------------------------------------- parsing

  private static Node rule(@Nullable Object node, String pointer) {
    if (!(node instanceof List)) {
      throw new InvalidConfigException(pointer, "invalid expression: expected an array");
    }
    List<?> rule = (List<?>) node;
    if (rule.isEmpty()) {
      throw new InvalidConfigException(pointer, "rule too short: an empty rule");
    }
    if (rule.get(0) instanceof List) { // v1.lua:248-258
      return new Logic(null, operands(rule, 0, pointer));
    }
    String op = logicOp(rule.get(0));
    if (op == null) {
      return compare(rule, pointer);
    }
    if (rule.size() <= 2) { // v1.lua:263
      throw new InvalidConfigException(pointer, "rule too short: " + rule.get(0) + " needs at least two rules");
    }
    return new Logic(op, operands(rule, 1, pointer));
  }

  private static Node[] operands(List<?> rule, int from, String pointer) {
    Node[] operands = new Node[rule.size() - from];
    for (int i = from; i < rule.size(); i++) {
      operands[i - from] = rule(rule.get(i), pointer + "/" + i);
    }
    return operands;
  }

  private static @Nullable String logicOp(@Nullable Object first) {
    if (!(first instanceof String)) {
      return null;
    }
    String op = Lua.upper((String) first);
    return op.equals("AND") || op.equals("OR") || op.equals("!AND") || op.equals("!OR") ? op : null;
  }

  private static Compare compare(List<?> rule, String pointer) {
    boolean negated = rule.size() == 4; // v1.lua:167-173
    if (negated && !"!".equals(rule.get(1))) {
      throw new InvalidConfigException(pointer + "/1", "bad 'not' expression: a rule of four elements is [var, \"!\", op, value]");
    }
    if (!(rule.get(0) instanceof String)) {
      throw new InvalidConfigException(pointer + "/0", "invalid expression: the variable name must be a string");
    }
    String name = (String) rule.get(0);
    if (rule.size() >= 3 && name.startsWith("post_arg.")) { // APISIX's admin parses the JSONPath (admin/routes.lua)
      String problem = JsonPathSyntax.problem("$." + name.substring("post_arg.".length()));
      if (problem != null) {
        throw new InvalidConfigException(pointer + "/0", "failed to validate the 'vars' expression: invalid expression: JSONPath " + problem);
      }
    }
    int opIndex = negated ? 2 : 1;
    if (rule.size() <= opIndex) {
      throw new InvalidConfigException(pointer, "invalid expression: expected [var, op, value] or [var, value]");
    }
    Object rawOp = rule.get(opIndex);
    String symbol = rawOp instanceof String ? Lua.lower((String) rawOp) // v1.lua:178-180
        : rawOp instanceof Number ? Lua.toString(((Number) rawOp).doubleValue()) : null;
    if (symbol == null) {
      throw new InvalidConfigException(pointer + "/" + opIndex, "invalid operator: expected a string");
    }
    int valueIndex = opIndex + 1;
    boolean hasValue = rule.size() > valueIndex;
    String valuePointer = hasValue ? pointer + "/" + valueIndex : pointer;
    Object value = hasValue ? json(rule.get(valueIndex), valuePointer) : null;
    Op op = Op.of(symbol);
    if (op == null && !hasValue) { // v1.lua:182-190: [var, value] compares with the lower-cased value
      op = Op.EQ;
      value = symbol;
    }
    if (op == null) {
      throw new InvalidConfigException(pointer + "/" + opIndex,
          "invalid operator '" + symbol + "'; expected one of == ~= > >= < <= ~~ ~* in has ipmatch");
    }
    String var = (String) rule.get(0);
    switch (op) {
      case REGEX:
      case REGEX_CI:
        return new Compare(var, op, negated, value, regex(value, op == Op.REGEX_CI, valuePointer), null);
      case IPMATCH:
        return new Compare(var, op, negated, value, null, addresses(value, valuePointer));
      default:
        return new Compare(var, op, negated, value, null, null);
    }
  }

  private static @Nullable Object json(@Nullable Object value, String pointer) {
    try {
      return JsonTree.freeze(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(pointer, "invalid value: " + e.getMessage());
    }
  }

  private static Pattern regex(@Nullable Object value, boolean caseInsensitive, String pointer) {
    if (!(value instanceof String)) {
      throw new InvalidConfigException(pointer, "a regular expression (string) is required");
    }
    try {
      return Pattern.compile((String) value, Pattern.UNIX_LINES | (caseInsensitive ? Pattern.CASE_INSENSITIVE : 0));
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(pointer, "invalid regular expression \"" + value + "\": "
          + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
    }
  }

  private static IpSet addresses(@Nullable Object value, String pointer) {
    // v1.lua:200-216: a single address is a list of one; nil, "" and [] are refused
    List<?> list = value instanceof List ? (List<?>) value : value == null || "".equals(value) ? List.of() : List.of(value);
    if (list.isEmpty()) {
      throw new InvalidConfigException(pointer, "invalid ip address: ipmatch needs an IP, a CIDR block or a list of them");
    }
    List<String> addresses = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Object a = list.get(i);
      if (!(a instanceof String) || !IpAddress.isBlock((String) a)) {
        throw new InvalidConfigException(value instanceof List ? pointer + "/" + i : pointer,
            "invalid ip address: " + (a instanceof String ? "\"" + a + "\"" : a) + " is not an IP address or CIDR block");
      }
      addresses.add((String) a);
    }
    try {
      return IpSet.of(addresses);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(pointer, "invalid ip address: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- evaluation

  /** Comparison operators. */
  private enum Op {
    EQ("=="), NE("~="), GT(">"), GE(">="), LT("<"), LE("<="), REGEX("~~"), REGEX_CI("~*"), IN("in"),
    HAS("has"), IPMATCH("ipmatch");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
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

  private abstract static class Node {
    /** {@link #TRUE}, {@link #FALSE} or {@link #ERROR}. */
    abstract int eval(VarLookup lookup);

    abstract void render(StringBuilder sb);
  }

  /** AND, OR, !AND or !OR of the operands; {@code name} null for a plain list of rules (AND). */
  private static final class Logic extends Node {
    private final @Nullable String name;
    private final boolean or;
    private final boolean not;
    private final Node[] operands;

    Logic(@Nullable String name, Node[] operands) {
      this.name = name;
      this.or = name != null && name.endsWith("OR");
      this.not = name != null && name.startsWith("!");
      this.operands = operands;
    }

    @Override
    int eval(VarLookup lookup) {
      for (Node operand : operands) {
        int r = operand.eval(lookup);
        if (r == ERROR) {
          return ERROR;
        }
        if ((r == TRUE) == or) { // AND stops at the first false, OR at the first true
          return or != not ? TRUE : FALSE;
        }
      }
      return or == not ? TRUE : FALSE;
    }

    @Override
    void render(StringBuilder sb) {
      sb.append('[');
      if (name != null) {
        sb.append('"').append(name).append("\",");
      }
      for (int i = 0; i < operands.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        operands[i].render(sb);
      }
      sb.append(']');
    }
  }

  /** {@code var op value}, negated when {@code negated}. */
  private static final class Compare extends Node {
    private final String var;
    private final Op op;
    private final boolean negated;
    private final @Nullable Object value;
    /** For == and ~= the number {@code value} is (NaN if it is none); otherwise tonumber(value). */
    private final double number;
    private final @Nullable Pattern regex;
    private final @Nullable IpSet ips;

    Compare(String var, Op op, boolean negated, @Nullable Object value, @Nullable Pattern regex, @Nullable IpSet ips) {
      this.var = var;
      this.op = op;
      this.negated = negated;
      this.value = value;
      this.number = Lua.toNumber(value);
      this.regex = regex;
      this.ips = ips;
    }

    @Override
    int eval(VarLookup lookup) {
      int r = compare(lookup.get(var));
      return r == ERROR ? ERROR : (r == TRUE) != negated ? TRUE : FALSE;
    }

    private int compare(@Nullable Object l) {
      switch (op) {
        case EQ:
          return bool(value instanceof Number ? Lua.toNumber(l) == number : Lua.rawEquals(l, value));
        case NE:
          return bool(value instanceof Number ? !(Lua.toNumber(l) == number) : !Lua.rawEquals(l, value));
        case GT:
          return bool(Lua.toNumber(l) > number);
        case GE:
          return bool(Lua.toNumber(l) >= number);
        case LT:
          return bool(Lua.toNumber(l) < number);
        case LE:
          return bool(Lua.toNumber(l) <= number);
        case REGEX:
        case REGEX_CI:
          return bool(find(l));
        case IN:
          return bool(in(l));
        case HAS:
          return bool(has(l));
        case IPMATCH:
          if (l == null || Boolean.FALSE.equals(l)) {
            return FALSE;
          }
          return l instanceof String ? bool(Objects.requireNonNull(ips).contains((String) l)) : ERROR;
        default:
          throw new AssertionError(op);
      }
    }

    private boolean find(@Nullable Object l) {
      CharSequence subject;
      if (l instanceof String) {
        subject = (String) l;
      } else if (l instanceof Number) {
        subject = Lua.toString(((Number) l).doubleValue());
      } else if (Boolean.TRUE.equals(l)) {
        subject = "true";
      } else {
        return false; // nil, false (v1.lua:123), and lists or unknown objects (see the class doc)
      }
      return Objects.requireNonNull(regex).matcher(subject).find();
    }

    private boolean in(@Nullable Object l) {
      if (value instanceof List) {
        List<?> list = (List<?>) value; // an immutable random-access copy: no iterator
        for (int i = 0; i < list.size(); i++) {
          Object element = list.get(i);
          if (element != null && Lua.rawEquals(element, l)) {
            return true;
          }
        }
      }
      return false;
    }

    private boolean has(@Nullable Object l) {
      if (l instanceof List && l instanceof RandomAccess) {
        List<?> list = (List<?>) l;
        for (int i = 0; i < list.size(); i++) {
          Object element = list.get(i);
          if (element == null) {
            return false;
          }
          if (Lua.rawEquals(element, value)) {
            return true;
          }
        }
      } else if (l instanceof List) {
        for (Object element : (List<?>) l) {
          if (element == null) {
            return false;
          }
          if (Lua.rawEquals(element, value)) {
            return true;
          }
        }
      }
      return false;
    }

    private static int bool(boolean b) {
      return b ? TRUE : FALSE;
    }

    @Override
    void render(StringBuilder sb) {
      sb.append('[');
      string(sb, var);
      sb.append(negated ? ",\"!\",\"" : ",\"").append(op.symbol).append("\",");
      json(sb, value);
      sb.append(']');
    }
  }

  private static void json(StringBuilder sb, @Nullable Object value) {
    if (value instanceof String) {
      string(sb, (String) value);
    } else if (value instanceof List) {
      sb.append('[');
      List<?> list = (List<?>) value;
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        json(sb, list.get(i));
      }
      sb.append(']');
    } else if (value instanceof Map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        string(sb, String.valueOf(e.getKey()));
        sb.append(':');
        json(sb, e.getValue());
      }
      sb.append('}');
    } else {
      sb.append(value); // Long, Double, Boolean or null
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
