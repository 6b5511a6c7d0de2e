package io.dynconf.etcd;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What an operator needs to see about an {@link EtcdSource}.
 *
 * @param state the watch's connection state
 * @param appliedRevision the last revision handed to the watch listener (events or progress)
 * @param etcdRevision the newest store revision etcd reported in any response
 * @param sinceLastActivity time since the last event or progress notification
 * @param reconnects how many times the watch stream was re-established
 * @param lastError the last error, or null
 */
public record EtcdStatus(
    State state, long appliedRevision, long etcdRevision, Duration sinceLastActivity, long reconnects, @Nullable String lastError) {
  /** The watch's connection state. */
  public enum State {
    /** No watch is running. */
    IDLE,
    /** The stream is up and answered within the progress interval. */
    CONNECTED,
    /** Backing off or re-establishing the stream. */
    RECONNECTING,
    CLOSED
  }

  /** How many revisions etcd is ahead of what was handed over. */
  public long lag() {
    return Math.max(0, etcdRevision - appliedRevision);
  }
}
