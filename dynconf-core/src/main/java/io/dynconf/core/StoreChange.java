package io.dynconf.core;

import org.jspecify.annotations.Nullable;

/**
 * One served item that changed in an applied batch: added ({@code before} null), replaced, or
 * removed ({@code after} null). Removal also covers an item that became pending.
 */
public record StoreChange<T>(String id, @Nullable ConfigItem<T> before, @Nullable ConfigItem<T> after) {
  public boolean isAdd() {
    return before == null;
  }

  public boolean isRemove() {
    return after == null;
  }
}
