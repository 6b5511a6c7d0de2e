package io.dynconf.examples.gateway;

import io.dynconf.core.match.IpAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The address a server listens on, as given by a command-line flag such as {@code --listen}.
 *
 * <p>{@link #parse} accepts these forms:
 *
 * <ul>
 *   <li>{@code 127.0.0.1:9080}: an IPv4 address and a port;
 *   <li>{@code localhost:9080}: a host name and a port;
 *   <li>{@code [::1]:9080}: an IPv6 address, which must be in brackets, and a port;
 *   <li>{@code :9080}: a port alone; the host defaults to {@value #DEFAULT_HOST}, the IPv4
 *       loopback address, so an example is never exposed to the network by accident. Write
 *       {@code 0.0.0.0:9080} or {@code [::]:9080} to listen on every interface.
 * </ul>
 *
 * <p>The port is {@code 0..65535}, where {@link #ANY_PORT 0} asks the operating system for any
 * free port (useful in tests; the server then reports the port it was given).
 *
 * <p>Every instance is valid: the host is a dotted-quad IPv4 address, an IPv6 address (stored
 * without brackets and without a zone id; both read by dynconf-core's {@link IpAddress}) or an RFC
 * 1123 host name, and nothing is resolved; a host name is only looked up when the server binds. {@link #toString()} gives the {@code
 * host:port} form that {@link #parse} reads back.
 *
 * @param host the host to bind, for example {@code 127.0.0.1}, {@code ::1} or {@code localhost}
 * @param port the port to bind, {@code 0..65535}; {@code 0} means any free port
 */
public record ListenAddress(String host, int port) {

  /** The host used when the flag gives only a port, as in {@code --listen :9080}. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The port that asks the operating system for any free port. */
  public static final int ANY_PORT = 0;

  /** The largest valid port. */
  public static final int MAX_PORT = 65535;

  private static final String FORMS = "expected host:port, :port or [ipv6]:port";
  private static final String PORT_RANGE = "port must be 0.." + MAX_PORT;
  private static final int MAX_HOST_NAME_LENGTH = 253;
  private static final int MAX_LABEL_LENGTH = 63;
  /** Longest part of a rejected value that is echoed in an error message. */
  private static final int MAX_QUOTED_LENGTH = 100;

  /**
   * Validates the host and the port.
   *
   * @throws IllegalArgumentException if the host is not an IPv4 address, an IPv6 address
   *     (without brackets) or a host name, or if the port is outside {@code 0..65535}; the message
   *     names the value and the reason
   * @throws NullPointerException if {@code host} is null
   */
  public ListenAddress {
    Objects.requireNonNull(host, "host");
    String problem = hostProblem(host);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException("port " + port + " must be 0.." + MAX_PORT);
    }
  }

  /**
   * Returns the address {@code host:port}.
   *
   * @throws IllegalArgumentException if the host or the port is invalid (see the constructor)
   */
  public static ListenAddress of(String host, int port) {
    return new ListenAddress(host, port);
  }

  /**
   * Parses the value of a command-line flag in one of the forms listed in the class
   * documentation.
   *
   * @param flagName the flag's name, for example {@code --listen}; used only in error messages
   * @param value the flag's value, for example {@code 127.0.0.1:9080} or {@code :9080}
   * @return the address; a missing host becomes {@value #DEFAULT_HOST}
   * @throws IllegalArgumentException if the value is malformed or names an invalid host or port.
   *     The message names the flag, the value and the reason, for example {@code --listen
   *     "127.0.0.1:99999": port must be 0..65535}
   */
  public static ListenAddress parse(String flagName, String value) {
    Objects.requireNonNull(flagName, "flagName");
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw invalid(flagName, value, "the value is empty; " + FORMS);
    }
    String host;
    String portText;
    if (value.charAt(0) == '[') {
      int close = value.indexOf(']');
      if (close < 0) {
        throw invalid(flagName, value, "missing ']' after the IPv6 address");
      }
      host = value.substring(1, close);
      if (host.isEmpty()) {
        throw invalid(flagName, value, "the brackets hold no IPv6 address");
      }
      if (host.indexOf(':') < 0) {
        throw invalid(
            flagName,
            value,
            "brackets are only for IPv6 addresses; write " + quote(host) + " without them");
      }
      if (close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw invalid(flagName, value, "expected ':' and a port after ']'");
      }
      portText = value.substring(close + 2);
    } else {
      int colon = value.lastIndexOf(':');
      if (colon < 0) {
        if (isDecimal(value)) {
          throw invalid(
              flagName,
              value,
              "missing ':' before the port; write \":" + value + "\" to listen on " + DEFAULT_HOST);
        }
        throw invalid(flagName, value, "missing ':' and port; " + FORMS);
      }
      if (value.indexOf(':') != colon) {
        throw invalid(
            flagName, value, "an IPv6 address must be in brackets, for example [::1]:9080");
      }
      host = colon == 0 ? DEFAULT_HOST : value.substring(0, colon);
      portText = value.substring(colon + 1);
    }
    String problem = hostProblem(host);
    if (problem != null) {
      throw invalid(flagName, value, problem);
    }
    return new ListenAddress(host, parsePort(flagName, value, portText));
  }

  /** Returns whether the host is an IPv6 address (and is written in brackets by toString). */
  public boolean isIpv6() {
    return host.indexOf(':') >= 0;
  }

  /**
   * Returns {@code host:port}, with the host in brackets if it is an IPv6 address, for example
   * {@code 127.0.0.1:9080} or {@code [::1]:9080}. {@link #parse} reads it back to an equal value.
   */
  @Override
  public String toString() {
    return isIpv6() ? "[" + host + "]:" + port : host + ":" + port;
  }

  private static boolean isDecimal(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return !text.isEmpty();
  }

  private static int parsePort(String flagName, String value, String portText) {
    if (portText.isEmpty()) {
      throw invalid(flagName, value, "missing port after ':'");
    }
    if (!isDecimal(portText)) {
      throw invalid(flagName, value, "port " + quote(portText) + " is not a decimal number");
    }
    int port = 0;
    for (int i = 0; i < portText.length(); i++) {
      char c = portText.charAt(i);
      if (port <= MAX_PORT) {
        // Stops growing once out of range, so that long digit strings cannot overflow.
        port = port * 10 + (c - '0');
      }
    }
    if (port > MAX_PORT) {
      throw invalid(flagName, value, PORT_RANGE);
    }
    return port;
  }

  /**
   * Returns why {@code host} is not a valid host, or null if it is valid. IP literals (a host with a
   * ':', or of digits and dots only) are read by dynconf-core's {@link IpAddress}; anything else is
   * a host name.
   */
  private static @Nullable String hostProblem(String host) {
    if (host.isEmpty()) {
      return "host must not be empty";
    }
    boolean literal = true;
    for (int i = 0; i < host.length() && literal; i++) {
      char c = host.charAt(i);
      literal = (c >= '0' && c <= '9') || c == '.';
    }
    if (literal || host.indexOf(':') >= 0) {
      String problem = IpAddress.problem(host);
      return problem == null ? null : "host " + quote(host) + " is " + problem;
    }
    return hostNameProblem(host);
  }

  private static @Nullable String hostNameProblem(String host) {
    if (host.length() > MAX_HOST_NAME_LENGTH) {
      return "host name "
          + quote(host)
          + " is "
          + host.length()
          + " characters long; at most "
          + MAX_HOST_NAME_LENGTH
          + " are allowed";
    }
    int labelStart = 0;
    for (int i = 0; i <= host.length(); i++) {
      char c = i < host.length() ? host.charAt(i) : '.';
      if (c == '.') {
        String problem = labelProblem(host, labelStart, i);
        if (problem != null) {
          return problem;
        }
        labelStart = i + 1;
      } else if (!isHostNameCharacter(c)) {
        return "host name "
            + quote(host)
            + " is not valid: "
            + describe(c)
            + " at index "
            + i
            + " is not allowed";
      }
    }
    return null;
  }

  private static boolean isHostNameCharacter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }

  private static @Nullable String labelProblem(String host, int start, int end) {
    if (start == end) {
      return "host name " + quote(host) + " is not valid: it has an empty label";
    }
    String label = host.substring(start, end);
    if (label.length() > MAX_LABEL_LENGTH) {
      return "host name "
          + quote(host)
          + " is not valid: label "
          + quote(label)
          + " is longer than "
          + MAX_LABEL_LENGTH
          + " characters";
    }
    if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
      return "host name "
          + quote(host)
          + " is not valid: label "
          + quote(label)
          + " starts or ends with '-'";
    }
    return null;
  }

  private static IllegalArgumentException invalid(String flagName, String value, String reason) {
    return new IllegalArgumentException(flagName + " " + quote(value) + ": " + reason);
  }

  private static String describe(char c) {
    if (c >= 0x21 && c <= 0x7e) {
      return "character '" + c + "'";
    }
    return String.format("character U+%04X", (int) c);
  }

  /**
   * Quotes a value for an error message: control and non-ASCII characters are escaped and very
   * long values are shortened.
   */
  private static String quote(String value) {
    int shown = Math.min(value.length(), MAX_QUOTED_LENGTH);
    StringBuilder sb = new StringBuilder(shown + 2).append('"');
    for (int i = 0; i < shown; i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
    if (shown < value.length()) {
      sb.append("... (").append(value.length()).append(" characters)");
    }
    return sb.toString();
  }
}
