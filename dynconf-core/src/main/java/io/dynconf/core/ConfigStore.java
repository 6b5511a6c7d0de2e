package io.dynconf.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The served items of one resource type. A store taken from a {@link ConfigSnapshot} is immutable;
 * the live store from {@link ConfigRegistry#store(ResourceType)} reads the newest snapshot on every
 * call (take a snapshot to read several stores consistently). Reads never lock.
 */
public interface ConfigStore<T> {
  ResourceType<T> type();

  /** The value with this id, or null. */
  @Nullable T get(String id);

  /** The item (value, compiled form, revisions) with this id, or null. */
  @Nullable ConfigItem<T> item(String id);

  /** Every value, ordered by id; immutable. */
  List<T> values();

  /** Every item, ordered by id; immutable. */
  List<ConfigItem<T>> items();

  int size();

  /** Moves by exactly one for each applied batch that changed this store; 0 before any. */
  long version();

  /** The revision of this store's last change; 0 before any. */
  long revision();
}
