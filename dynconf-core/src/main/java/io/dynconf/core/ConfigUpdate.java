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
   * Two consecutive updates as one: the first one's previous snapshot, the second one's current,
   * and per type one change per item (its state before the first, after the second), in the order
   * items first changed; an item that ends where it began (added, then removed) is left out. So a
   * merged update is never larger than the items it touches, however many updates it stands for.
   */
  static ConfigUpdate merge(ConfigUpdate first, ConfigUpdate second) {
    Map<String, List<StoreChange<?>>> changes = new LinkedHashMap<>();
    Set<String> types = new java.util.LinkedHashSet<>(first.changes.keySet());
    types.addAll(second.changes.keySet());
    for (String type : types) {
      Map<String, StoreChange<?>> byId = new LinkedHashMap<>();
      for (StoreChange<?> c : first.changes.getOrDefault(type, List.of())) {
        combine(byId, c);
      }
      for (StoreChange<?> c : second.changes.getOrDefault(type, List.of())) {
        combine(byId, c);
      }
      List<StoreChange<?>> list = new ArrayList<>(byId.size());
      for (StoreChange<?> c : byId.values()) {
        if (c.before() != c.after()) {
          list.add(c);
        }
      }
      if (!list.isEmpty()) {
        changes.put(type, List.copyOf(list));
      }
    }
    return new ConfigUpdate(first.previous, second.current, changes);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void combine(Map<String, StoreChange<?>> byId, StoreChange<?> c) {
    StoreChange<?> was = byId.get(c.id());
    byId.put(c.id(), was == null ? c : new StoreChange(c.id(), was.before(), c.after()));
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
