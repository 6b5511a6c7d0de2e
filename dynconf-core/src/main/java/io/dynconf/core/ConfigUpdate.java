package io.dynconf.core;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one applied batch changed: the snapshot before, the snapshot after, and the served items
 * that changed per type. Delivered to {@link ConfigRegistry.Listener}s in publication order.
 */
public final class ConfigUpdate {
  private final ConfigSnapshot previous;
  private final ConfigSnapshot current;
  private final Map<String, List<StoreChange<?>>> changes;

  ConfigUpdate(ConfigSnapshot previous, ConfigSnapshot current, Map<String, List<StoreChange<?>>> changes) {
    this.previous = previous;
    this.current = current;
    this.changes = Map.copyOf(changes);
  }

  public ConfigSnapshot previous() {
    return previous;
  }

  public ConfigSnapshot current() {
    return current;
  }

  /** Names of the types whose served items changed. */
  public Set<String> changedTypes() {
    return changes.keySet();
  }

  /** The changes to {@code type}'s served items (empty when none). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <T> List<StoreChange<T>> changes(ResourceType<T> type) {
    return (List) changes.getOrDefault(type.name(), List.of());
  }
}
