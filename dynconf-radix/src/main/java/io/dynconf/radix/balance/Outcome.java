package io.dynconf.radix.balance;

/** How one attempt at a node ended, as the host server reports it to {@link Picker#finish}. */
public enum Outcome {
  /** A response arrived; its HTTP status (or 0 for a non-HTTP protocol) decides healthy or not. */
  RESPONSE,
  /** The connection failed or broke before a response (APISIX's {@code tcp_failure}). */
  FAILURE,
  /** The node did not answer in time. */
  TIMEOUT,
  /** The attempt was abandoned (client gone, request cancelled): no verdict on the node. */
  CANCELLED
}
