package io.dynconf.core.spi;

/** A source could not do what was asked (unreachable, timed out, refused). The message says which. */
public class SourceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SourceException(String message) {
    super(message);
  }

  public SourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
