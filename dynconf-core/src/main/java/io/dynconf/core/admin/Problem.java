package io.dynconf.core.admin;

import java.util.Map;

/** An answer other than success, thrown inside the handler and turned into an error response. */
final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final Map<String, String> headers;
  final Map<String, String> extra;

  Problem(int status, String message) {
    this(status, message, Map.of(), Map.of());
  }

  Problem(int status, String message, Map<String, String> headers, Map<String, String> extra) {
    super(message, null, false, false);
    this.status = status;
    this.headers = headers;
    this.extra = extra;
  }

  static Problem badRequest(String message) {
    return new Problem(400, message);
  }
}
