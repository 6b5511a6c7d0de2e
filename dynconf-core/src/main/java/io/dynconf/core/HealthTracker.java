package io.dynconf.core;

import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.SourceConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Combines the source's connection, the time of the last contact and the apply loop's state into
 * one {@link Health}. The apply loop reports contacts (a listing, a drained watch signal) and
 * observes the source at least once a second; {@link #health} observes it too. Thread-safe.
 */
final class HealthTracker {
  /**
   * A step running on the apply or notifier thread since {@code sinceNanos} (monotonic clock): one
   * that runs past the stale threshold means the snapshot, or what the listeners have seen, is
   * behind, however well the source is reached.
   */
  record Busy(String what, long sinceNanos) {
    long millis() {
      return Math.max(0, (System.nanoTime() - sinceNanos) / 1_000_000);
    }
  }

  /** Threshold when the source has no progress interval and none was configured. */
  static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(10);

  private final ConfigSource source;
  private final Clock clock;
  private final @Nullable Duration staleAfter;
  private volatile long lastContactMillis; // 0: never
  private volatile ConfigRegistry.State state = ConfigRegistry.State.STARTING;
  private volatile long stateSinceMillis;

  HealthTracker(ConfigSource source, Clock clock, @Nullable Duration staleAfter) {
    this.source = source;
    this.clock = clock;
    this.staleAfter = staleAfter;
    this.stateSinceMillis = clock.millis();
  }

  /** The source was heard from just now. */
  void contact() {
    lastContactMillis = Math.max(lastContactMillis, clock.millis());
  }

  /** The apply loop entered {@code next}; the time is kept when the state changes. */
  void state(ConfigRegistry.State next) {
    if (state != next) {
      state = next;
      stateSinceMillis = clock.millis();
    }
  }

  ConfigRegistry.State state() {
    return state;
  }

  /** Reads the source's connection and remembers its contact time. Never throws. */
  SourceConnection observe() {
    SourceConnection c;
    try {
      c = source.connection();
    } catch (RuntimeException | Error e) { // a broken source must not break health
      return new SourceConnection(false, null, null, "the source cannot report its connection: " + e);
    }
    if (c.connected()) {
      Instant at = c.lastContact();
      long millis = at == null ? clock.millis() : at.toEpochMilli();
      lastContactMillis = Math.max(lastContactMillis, millis);
    }
    return c;
  }

  Duration threshold(SourceConnection c) {
    if (staleAfter != null) {
      return staleAfter;
    }
    Duration progress = c.progressInterval();
    return progress == null ? DEFAULT_STALE_AFTER : progress.multipliedBy(2);
  }

  Health health(@Nullable String lastError, ConfigSnapshot snapshot, long appliedRevision, Notifier notifier, @Nullable Busy applying) {
    SourceConnection c = observe();
    long now = clock.millis();
    long contact = lastContactMillis;
    Instant lastContact = contact == 0 ? null : Instant.ofEpochMilli(contact);
    ConfigRegistry.State s = state;
    Instant stateSince = Instant.ofEpochMilli(stateSinceMillis);
    Health.Status status;
    Instant since;
    String reason;
    switch (s) {
      case STARTING -> {
        status = Health.Status.DOWN;
        since = stateSince;
        reason = "nothing loaded yet" + (lastError == null ? "" : ": " + lastError);
      }
      case FAILED -> {
        status = Health.Status.DOWN;
        since = stateSince;
        reason = "the apply loop failed: " + lastError;
      }
      case CLOSED -> {
        status = Health.Status.DOWN;
        since = stateSince;
        reason = "closed";
      }
      case RECOVERING -> {
        status = Health.Status.STALE;
        since = stateSince;
        reason = "resyncing with the source" + (lastError == null ? "" : ": " + lastError);
      }
      case LAST_KNOWN_GOOD -> {
        status = Health.Status.STALE;
        since = stateSince;
        reason = "serving the last-known-good file; the source is not reached" + (lastError == null ? "" : ": " + lastError);
      }
      default -> { // LIVE
        long threshold = threshold(c).toMillis();
        long quiet = contact == 0 ? now - stateSinceMillis : now - contact;
        Busy delivering = notifier.delivering();
        if (applying != null && applying.millis() > threshold) {
          status = Health.Status.STALE;
          since = Instant.ofEpochMilli(now - applying.millis());
          reason = "the apply thread has been " + applying.what() + " for " + applying.millis() + " ms (threshold " + threshold
              + " ms): newer changes wait";
        } else if (delivering != null && delivering.millis() > threshold) {
          status = Health.Status.STALE;
          since = Instant.ofEpochMilli(now - delivering.millis());
          reason = delivering.what() + " has not returned for " + delivering.millis() + " ms (threshold " + threshold
              + " ms): the listeners see no newer change";
        } else if (quiet > threshold) {
          status = Health.Status.STALE;
          since = contact == 0 ? stateSince : lastContact;
          reason = "the source was not reached for " + quiet + " ms (threshold " + threshold + " ms)"
              + (c.connected() ? "" : "; it is not connected") + (c.detail() == null ? "" : ": " + c.detail());
        } else {
          status = Health.Status.UP;
          since = lastContact;
          reason = null;
        }
      }
    }
    return new Health(status, since, reason, s, appliedRevision, snapshot.rejections().size(), snapshot.pending().size(),
        c.connected(), lastContact, c.detail(), notifier.failures(), notifier.lastFailure());
  }
}
