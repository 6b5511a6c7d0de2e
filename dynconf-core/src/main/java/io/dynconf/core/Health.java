package io.dynconf.core;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One truthful answer to "is this node current?" ({@link ConfigRegistry#health()}).
 *
 * <ul>
 *   <li>{@link Status#UP}: the source is reached and the apply loop is applying.
 *   <li>{@link Status#STALE}: the last good configuration is served, but the source has not been
 *       reached for longer than the threshold, or the apply loop is resyncing (or serves the
 *       last-known-good file); {@code since} and {@code reason} say from when and why.
 *   <li>{@link Status#DOWN}: nothing is loaded yet, or the apply loop {@code FAILED}.
 * </ul>
 *
 * <p>Rejected and pending items are counts, not states: a node serving a rejected key's last good
 * value is still current.
 *
 * @param status UP, STALE or DOWN
 * @param since when this status began (for UP: when the source was last reached), or null
 * @param reason why STALE or DOWN; null when UP
 * @param state the apply loop's state
 * @param appliedRevision the newest revision applied
 * @param rejected how many keys hold a rejected value
 * @param pending how many items wait for a reference
 * @param sourceConnected whether the source reports its stream up
 * @param lastContact when the source was last heard from (a listing, an event, a progress
 *     notification, or the source's own report), or null when never
 * @param source the source's own state and last error, or null
 * @param listenerFailures how many times a listener threw since the start
 * @param lastListenerFailure the last of those failures, or null
 */
public record Health(
    Status status,
    @Nullable Instant since,
    @Nullable String reason,
    ConfigRegistry.State state,
    long appliedRevision,
    int rejected,
    int pending,
    boolean sourceConnected,
    @Nullable Instant lastContact,
    @Nullable String source,
    long listenerFailures,
    @Nullable String lastListenerFailure) {
  /** UP, STALE or DOWN. */
  public enum Status {
    UP,
    STALE,
    DOWN
  }

  /** True for UP and STALE: the node serves a configuration (a probe's 200). */
  public boolean serving() {
    return status != Status.DOWN;
  }
}
