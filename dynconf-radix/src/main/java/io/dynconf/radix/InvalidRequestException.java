package io.dynconf.radix;

/**
 * A request that must be answered 400 before it is routed: a request target or a {@code Host}
 * that {@link RequestTarget} refuses. The message names the part and the reason, e.g. {@code
 * request target "/a%00b": %00 (NUL) is not allowed in a path}.
 */
public final class InvalidRequestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
