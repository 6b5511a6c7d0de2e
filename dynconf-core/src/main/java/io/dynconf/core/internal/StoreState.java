package io.dynconf.core.internal;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.ResourceType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One immutable version of one store. The next version is a copy of this one plus the batch's
 * changes ({@link #with}); the map is never written after construction, so any thread may read it
 * without a lock once the snapshot holding it is published through a volatile write.
 *
 * <p>The id-ordered lists are built on first use and cached; a racing first use may build them
 * twice, which is harmless because both results are equal immutable lists.
 */
public final class StoreState<T> implements ConfigStore<T> {
  private static final Comparator<ConfigItem<?>> BY_ID = Comparator.comparing(ConfigItem::id);

  private final ResourceType<T> type;
  private final Map<String, ConfigItem<T>> items;
  private final long version;
  private final long revision;
  private @Nullable List<ConfigItem<T>> sortedItems; // benign race: see class javadoc
  private @Nullable List<T> sortedValues;

  private StoreState(ResourceType<T> type, Map<String, ConfigItem<T>> items, long version, long revision) {
    this.type = type;
    this.items = items;
    this.version = version;
    this.revision = revision;
  }

  public static <T> StoreState<T> empty(ResourceType<T> type) {
    return new StoreState<>(type, Map.of(), 0, 0);
  }

  /**
   * This state with {@code changes} applied (an entry with a null item removes the id), as the
   * next version at {@code revision}.
   */
  public StoreState<T> with(Map<String, @Nullable ConfigItem<T>> changes, long revision) {
    Map<String, ConfigItem<T>> next = new HashMap<>(items);
    for (Map.Entry<String, @Nullable ConfigItem<T>> e : changes.entrySet()) {
      ConfigItem<T> item = e.getValue();
      if (item == null) {
        next.remove(e.getKey());
      } else {
        next.put(e.getKey(), item);
      }
    }
    return new StoreState<>(type, next, version + 1, revision);
  }

  @Override
  public ResourceType<T> type() {
    return type;
  }

  @Override
  public @Nullable T get(String id) {
    ConfigItem<T> item = items.get(id);
    return item == null ? null : item.value();
  }

  @Override
  public @Nullable ConfigItem<T> item(String id) {
    return items.get(id);
  }

  @Override
  public List<ConfigItem<T>> items() {
    List<ConfigItem<T>> sorted = sortedItems;
    if (sorted == null) {
      List<ConfigItem<T>> list = new ArrayList<>(items.values());
      list.sort(BY_ID);
      sorted = Collections.unmodifiableList(list);
      sortedItems = sorted;
    }
    return sorted;
  }

  @Override
  public List<T> values() {
    List<T> values = sortedValues;
    if (values == null) {
      List<ConfigItem<T>> sorted = items();
      List<T> list = new ArrayList<>(sorted.size());
      for (ConfigItem<T> item : sorted) {
        list.add(item.value());
      }
      values = Collections.unmodifiableList(list);
      sortedValues = values;
    }
    return values;
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public long version() {
    return version;
  }

  @Override
  public long revision() {
    return revision;
  }

  /** The ids served now (unordered, unmodifiable view). */
  public java.util.Set<String> ids() {
    return Collections.unmodifiableSet(items.keySet());
  }

  @Override
  public String toString() {
    return "ConfigStore[" + type.name() + ", " + items.size() + " items, version " + version + ", revision " + revision + "]";
  }
}
