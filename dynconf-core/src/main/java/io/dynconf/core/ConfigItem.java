package io.dynconf.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One applied resource: its key, the decoded immutable value, the form its type compiled it to
 * (when the type has a compile step), and etcd's revisions.
 *
 * @param key the resource key ({@code /apisix/routes/1})
 * @param value the decoded value
 * @param compiled the compiled form, or null when the type has no compile step
 * @param createRevision the revision that created the key
 * @param modRevision the revision of this value
 */
public record ConfigItem<T>(ResourceKey key, T value, @Nullable Object compiled, long createRevision, long modRevision) {
  public ConfigItem {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  public String id() {
    return key.id();
  }

  /** The compiled form as {@code type}; fails when there is none or it has another type. */
  public <C> C compiled(Class<C> type) {
    if (compiled == null) {
      throw new IllegalStateException(key.toKey() + " has no compiled form");
    }
    return type.cast(compiled);
  }
}
