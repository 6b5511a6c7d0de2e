package io.dynconf.etcd;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What an operator needs to see about an {@link EtcdSource}.
 *
 * @param state the watch's connection state; before any watch runs, {@code RECONNECTING} while the
 *     source's requests fail (etcd down at start) and {@code IDLE} otherwise
 * @param appliedRevision the newest revision of the events handed to the watch listener (a progress notification does not move it: etcd up to 3.4.23 sends one at its current revision while a watcher still catches up)
 * @param etcdRevision the newest store revision etcd reported in any response
 * @param sinceLastActivity time since the last event or progress notification
 * @param reconnects how many times the watch stream was re-established
 * @param lastError the newest error, of the watch or of a request (a failed listing at start, a
 *     client that cannot be built), or null when none happened
 * @param lastContact when etcd last answered anything (a request or a watch response); null when
 *     it never did
 */
public record EtcdStatus(
    State state,
    long appliedRevision,
    long etcdRevision,
    Duration sinceLastActivity,
    long reconnects,
    @Nullable String lastError,
    @Nullable Instant lastContact) {
  /** The watch's connection state. */
  public enum State {
    /** No watch is running, and the last request to etcd (if any) succeeded. */
    IDLE,
    /** The stream is up and answered within the progress interval. */
    CONNECTED,
    /**
     * Not connected: backing off, re-establishing the stream or building a new client; or, before
     * any watch runs, the last request to etcd failed.
     */
    RECONNECTING,
    CLOSED
  }

  /** The status without a last-contact time (the form before 0.1.0's health fields). */
  public EtcdStatus(State state, long appliedRevision, long etcdRevision, Duration sinceLastActivity, long reconnects, @Nullable String lastError) {
    this(state, appliedRevision, etcdRevision, sinceLastActivity, reconnects, lastError, null);
  }

  /** How many revisions etcd is ahead of what was handed over. */
  public long lag() {
    return Math.max(0, etcdRevision - appliedRevision);
  }
}
