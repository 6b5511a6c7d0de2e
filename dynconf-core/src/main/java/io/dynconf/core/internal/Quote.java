package io.dynconf.core.internal;

/** Quoting of untrusted values for error messages. */
public final class Quote {
  private static final int MAX_SHOWN = 100;

  private Quote() {}

  /**
   * {@code value} in double quotes, with quotes and backslashes escaped and control and non-ASCII
   * characters as {@code \\uXXXX} (so a hostile key or file cannot forge log lines), shortened
   * after 100 characters with the full length noted.
   */
  public static String quote(String value) {
    int shown = Math.min(value.length(), MAX_SHOWN);
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
