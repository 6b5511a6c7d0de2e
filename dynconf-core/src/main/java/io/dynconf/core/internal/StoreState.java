package io.dynconf.core.internal;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.ResourceType;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One immutable version of one store. The next version shares everything with this one except
 * what the batch changed ({@link #with}): the items live in shards (hash maps by the id's hash),
 * and a batch copies the array of shards and only the shards it touches, so a change to one item
 * of a store of thousands costs a few dozen entries, not a copy of the whole map. A shard is never
 * written after construction, so any thread may read it without a lock once the snapshot holding
 * it is published through a volatile write.
 *
 * <p>The id-ordered lists are built on first use and cached; a racing first use may build them
 * twice, which is harmless because both results are equal immutable lists.
 */
public final class StoreState<T> implements ConfigStore<T> {
  private static final Comparator<ConfigItem<?>> BY_ID = Comparator.comparing(ConfigItem::id);
  /** Items per shard aimed at; the shard count is a power of two between 1 and {@link #MAX_SHARDS}. */
  private static final int PER_SHARD = 16;
  private static final int MAX_SHARDS = 4096;
  @SuppressWarnings("rawtypes")
  private static final HashMap[] NO_SHARDS = new HashMap[1];

  private final ResourceType<T> type;
  /** A null shard is empty. Never written after construction. */
  private final @Nullable HashMap<String, ConfigItem<T>>[] shards;
  private final int size;
  private final long version;
  private final long revision;
  private @Nullable List<ConfigItem<T>> sortedItems; // benign race: see class javadoc
  private @Nullable List<T> sortedValues;
  private @Nullable Set<String> ids;

  private StoreState(ResourceType<T> type, @Nullable HashMap<String, ConfigItem<T>>[] shards, int size, long version, long revision) {
    this.type = type;
    this.shards = shards;
    this.size = size;
    this.version = version;
    this.revision = revision;
  }

  @SuppressWarnings("unchecked")
  public static <T> StoreState<T> empty(ResourceType<T> type) {
    return new StoreState<>(type, NO_SHARDS, 0, 0, 0);
  }

  /**
   * This state with {@code changes} applied (an entry with a null item removes the id), as the
   * next version at {@code revision}. Copies only the shards the changes fall in.
   */
  public StoreState<T> with(Map<String, @Nullable ConfigItem<T>> changes, long revision) {
    @Nullable HashMap<String, ConfigItem<T>>[] next = shards.clone();
    boolean[] copied = new boolean[next.length];
    int n = size;
    for (Map.Entry<String, @Nullable ConfigItem<T>> e : changes.entrySet()) {
      String id = e.getKey();
      ConfigItem<T> item = e.getValue();
      int i = index(id, next.length);
      HashMap<String, ConfigItem<T>> shard = next[i];
      if (item == null && (shard == null || !shard.containsKey(id))) {
        continue;
      }
      if (!copied[i]) {
        shard = shard == null ? new HashMap<>() : new HashMap<>(shard);
        next[i] = shard;
        copied[i] = true;
      }
      if (item == null) {
        shard.remove(id);
        n--;
      } else if (shard.put(id, item) == null) {
        n++;
      }
    }
    for (int i = 0; i < next.length; i++) {
      if (copied[i] && next[i].isEmpty()) {
        next[i] = null;
      }
    }
    int want = shardCount(n);
    // grown twofold (so that a shard holds 16 to 32 items after growth: at 100,000 routes a growth
    // threshold of fourfold, capped at MAX_SHARDS, left 1,024 shards of ~100 and every batch copied
    // them) or shrunk fourfold (hysteresis: no flapping around one size); O(n), rarely
    if (want >= next.length * 2 || want * 4 < next.length) {
      next = reshard(next, want);
    }
    return new StoreState<>(type, next, n, version + 1, revision);
  }

  /** How many shards hold the items (for tests: the cost of a batch is that of the shards it touches). */
  int shards() {
    return shards.length;
  }

  private static int shardCount(int items) {
    return Math.min(MAX_SHARDS, Integer.highestOneBit(Math.max(1, items / PER_SHARD)));
  }

  private static int index(String id, int shards) {
    int h = id.hashCode();
    return (h ^ (h >>> 16) ^ (h >>> 8)) & (shards - 1);
  }

  @SuppressWarnings("unchecked")
  private static <T> @Nullable HashMap<String, ConfigItem<T>>[] reshard(@Nullable HashMap<String, ConfigItem<T>>[] from, int count) {
    @Nullable HashMap<String, ConfigItem<T>>[] to = new HashMap[count];
    for (HashMap<String, ConfigItem<T>> shard : from) {
      if (shard != null) {
        for (Map.Entry<String, ConfigItem<T>> e : shard.entrySet()) {
          int i = index(e.getKey(), count);
          HashMap<String, ConfigItem<T>> s = to[i];
          if (s == null) {
            to[i] = s = new HashMap<>();
          }
          s.put(e.getKey(), e.getValue());
        }
      }
    }
    return to;
  }

  @Override
  public ResourceType<T> type() {
    return type;
  }

  @Override
  public @Nullable T get(String id) {
    ConfigItem<T> item = item(id);
    return item == null ? null : item.value();
  }

  @Override
  public @Nullable ConfigItem<T> item(String id) {
    HashMap<String, ConfigItem<T>> shard = shards[index(id, shards.length)];
    return shard == null ? null : shard.get(id);
  }

  @Override
  public List<ConfigItem<T>> items() {
    List<ConfigItem<T>> sorted = sortedItems;
    if (sorted == null) {
      List<ConfigItem<T>> list = new ArrayList<>(size);
      for (HashMap<String, ConfigItem<T>> shard : shards) {
        if (shard != null) {
          list.addAll(shard.values());
        }
      }
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
    return size;
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
  public Set<String> ids() {
    Set<String> v = ids;
    if (v == null) {
      ids = v = new AbstractSet<>() {
        @Override
        public Iterator<String> iterator() {
          return new Iterator<>() {
            private int shard;
            private Iterator<String> it = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
              while (!it.hasNext()) {
                if (shard == shards.length) {
                  return false;
                }
                HashMap<String, ConfigItem<T>> s = shards[shard++];
                if (s != null) {
                  it = s.keySet().iterator();
                }
              }
              return true;
            }

            @Override
            public String next() {
              if (!hasNext()) {
                throw new NoSuchElementException();
              }
              return it.next();
            }
          };
        }

        @Override
        public int size() {
          return size;
        }

        @Override
        public boolean contains(Object o) {
          return o instanceof String id && item(id) != null;
        }
      };
    }
    return v;
  }

  @Override
  public String toString() {
    return "ConfigStore[" + type.name() + ", " + size + " items, version " + version + ", revision " + revision + "]";
  }
}
