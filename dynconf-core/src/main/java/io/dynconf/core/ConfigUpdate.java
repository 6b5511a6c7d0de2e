package io.dynconf.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one applied batch (or several consecutive ones, merged while the listeners were busy)
 * changed: the snapshot before, the snapshot after, and the served items that changed per type.
 * Delivered to {@link ConfigRegistry.Listener}s in publication order.
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

  /**
   * Consecutive updates as one: the first one's previous snapshot, the last one's current, and per
   * type the changes of all of them in order (an item changed twice appears twice, in order).
   */
  static ConfigUpdate merge(List<ConfigUpdate> updates) {
    if (updates.size() == 1) {
      return updates.get(0);
    }
    Map<String, List<StoreChange<?>>> changes = new LinkedHashMap<>();
    for (ConfigUpdate u : updates) {
      u.changes.forEach((type, list) -> changes.computeIfAbsent(type, t -> new ArrayList<>()).addAll(list));
    }
    changes.replaceAll((type, list) -> List.copyOf(list));
    return new ConfigUpdate(updates.get(0).previous, updates.get(updates.size() - 1).current, changes);
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
