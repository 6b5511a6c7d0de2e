package io.dynconf.core.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change under the watched prefix: a put (with the new key-value) or a delete.
 *
 * @param type put or delete
 * @param key the full key
 * @param kv the new key-value of a put; {@code null} for a delete
 * @param modRevision the revision of the change (a delete's own revision)
 */
public record ChangeEvent(Type type, String key, @Nullable KeyValue kv, long modRevision) {
  /** What happened to the key. */
  public enum Type {
    PUT,
    DELETE
  }

  public ChangeEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    if (type == Type.PUT && (kv == null || !kv.key().equals(key) || kv.modRevision() != modRevision)) {
      throw new IllegalArgumentException("a put of " + key + " needs its key-value at revision " + modRevision);
    }
    if (type == Type.DELETE && kv != null) {
      throw new IllegalArgumentException("a delete of " + key + " carries no value");
    }
    if (modRevision < 1) {
      throw new IllegalArgumentException("event on " + key + ": revision must be positive, was " + modRevision);
    }
  }

  public static ChangeEvent put(KeyValue kv) {
    return new ChangeEvent(Type.PUT, kv.key(), kv, kv.modRevision());
  }

  public static ChangeEvent delete(String key, long revision) {
    return new ChangeEvent(Type.DELETE, key, null, revision);
  }
}
