package io.dynconf.radix.balance;

/**
 * The result of one probe. Immutable.
 *
 * @param outcome {@link Outcome#RESPONSE} when the node answered (or, for a TCP probe, accepted
 *     the connection), {@link Outcome#FAILURE} or {@link Outcome#TIMEOUT} otherwise
 * @param status the HTTP status of a response, 0 for a TCP probe or no response
 */
public record ProbeResult(Outcome outcome, int status) {
  /** An HTTP response with this status. */
  public static ProbeResult status(int status) {
    return new ProbeResult(Outcome.RESPONSE, status);
  }

  /** A TCP connection that was accepted. */
  public static ProbeResult connected() {
    return new ProbeResult(Outcome.RESPONSE, 0);
  }

  public static ProbeResult failed() {
    return new ProbeResult(Outcome.FAILURE, 0);
  }

  public static ProbeResult timedOut() {
    return new ProbeResult(Outcome.TIMEOUT, 0);
  }
}
