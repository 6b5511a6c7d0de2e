package io.dynconf.radix.balance;

/**
 * The result of one probe. Immutable.
 *
 * @param outcome {@link Outcome#RESPONSE} when the node answered (or, for a TCP probe, accepted
 *     the connection), {@link Outcome#FAILURE} (refused, reset, TLS handshake failed) or {@link
 *     Outcome#TIMEOUT} otherwise; {@link Outcome#CANCELLED} when the probe was not run (the prober
 *     is closed or saturated): no verdict on the node
 * @param status the HTTP status of a response; 0 for a TCP probe, no response, or a response whose
 *     status line could not be read (which an HTTP check counts as an HTTP failure, as
 *     lua-resty-healthcheck does)
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

  /** The probe was not run: no verdict, the node's health is unchanged. */
  public static ProbeResult skipped() {
    return new ProbeResult(Outcome.CANCELLED, 0);
  }

  @Override
  public String toString() {
    return switch (outcome) {
      case RESPONSE -> status == 0 ? "connected" : "status " + status;
      case FAILURE -> "failed";
      case TIMEOUT -> "timed out";
      case CANCELLED -> "skipped";
    };
  }
}
