package io.dynconf.core;

import java.time.Instant;
import java.util.Objects;

/**
 * A value that was not applied, and why. It stays until a later valid value or a delete of the
 * same key arrives; meanwhile the previous good value (if any) keeps serving.
 *
 * @param key the etcd key
 * @param modRevision the revision of the rejected value
 * @param field the JSON pointer of the offending field ({@code ""} for the whole value)
 * @param reason what is wrong
 * @param time when it was rejected
 */
public record Rejection(String key, long modRevision, String field, String reason, Instant time) {
  public Rejection {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(time, "time");
  }

  /** {@code /apisix/routes/1 (revision 12): /methods/0: GETX is not a valid enum value}. */
  public String message() {
    return key + " (revision " + modRevision + "): " + (field.isEmpty() ? "" : field + ": ") + reason;
  }
}
