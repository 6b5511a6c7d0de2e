package io.dynconf.core.admin;

/** What an API key may do. */
public enum AdminRole {
  /** Every method. */
  ADMIN,
  /** {@code GET} only; a write answers 403. */
  VIEWER
}
