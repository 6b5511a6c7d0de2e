package io.dynconf.core;

import java.util.Objects;

/**
 * A value that cannot be applied, with the field (a JSON pointer such as {@code /upstream/nodes},
 * or empty for the whole value) and the reason. Thrown by schema checks, decoders, checkers and
 * compile steps; the registry turns it into a {@link Rejection} that also names the key and the
 * revision.
 */
public final class InvalidConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String reason;

  public InvalidConfigException(String field, String reason) {
    super(format(field, reason));
    this.field = Objects.requireNonNull(field, "field");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public InvalidConfigException(String field, String reason, Throwable cause) {
    super(format(field, reason), cause);
    this.field = Objects.requireNonNull(field, "field");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The JSON pointer of the offending field ({@code ""} for the whole value). */
  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }

  /** The same problem one level down, for example when a checker of a nested object throws. */
  public InvalidConfigException under(String parentPointer) {
    return new InvalidConfigException(parentPointer + field, reason, this);
  }

  private static String format(String field, String reason) {
    return field.isEmpty() ? reason : field + ": " + reason;
  }
}
