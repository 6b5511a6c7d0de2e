package io.dynconf.core.spi;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Whether a {@link ConfigSource} currently reaches its backing store, for health reporting.
 *
 * @param connected true while the source's change stream is up (always true for sources held in
 *     memory or read from a local file)
 * @param lastContact when the source last heard from its store (a response, an event or a progress
 *     notification); null when unknown or not applicable
 * @param progressInterval how often a healthy, idle stream is expected to make contact; null when
 *     the source has no such interval (in-memory, file)
 * @param detail the source's own state and last error, for operators; null when there is nothing
 *     to say
 */
public record SourceConnection(
    boolean connected, @Nullable Instant lastContact, @Nullable Duration progressInterval, @Nullable String detail) {
  /** A source that cannot lose its store: in memory, or a local file. */
  public static final SourceConnection ALWAYS = new SourceConnection(true, null, null, null);
}
