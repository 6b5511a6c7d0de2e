package io.dynconf.core;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Values a writer on this node has already checked, handed to the registry that will read them
 * back from the source: a registry checks every value its watch delivers (parse, schema, decoder,
 * checker, compile), and the admin API has just run the same pipeline on the same bytes before it
 * wrote them. When the event's bytes at that key are the very bytes offered, the registry takes
 * the checked value instead of checking it again; any other bytes (another writer, a value changed
 * in between, a failed write's leftovers) are checked as always. Reuse changes nothing a node
 * serves: the pipeline is deterministic on the bytes, and the registry's own limits (size, depth)
 * are checked on the bytes before a value is taken.
 *
 * <p>Bounded: at most {@code maxEntries} values and {@code maxBytes} bytes of them; past either
 * bound the oldest offers are dropped (they are checked again when they arrive: a cost, never a
 * difference). Thread-safe; offers come from the admin API's workers, takes from the watch's
 * thread. Get a registry's from {@link ConfigRegistry#checkedValues()}.
 */
public final class CheckedValues {
  private record Entry(byte[] bytes, ConfigItem<?> item) {}

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(); // guarded by this, oldest first
  private long bytes; // guarded by this
  private final AtomicLong offered = new AtomicLong();
  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong mismatched = new AtomicLong();

  CheckedValues(int maxEntries, long maxBytes) {
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("CheckedValues needs positive bounds, got " + maxEntries + " and " + maxBytes);
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /**
   * Offers {@code item}, the result of the registry's pipeline on exactly {@code bytes} at {@code
   * key} (the full source key), before or after writing them. The array must not change afterwards.
   */
  public void offer(String key, byte[] bytes, ConfigItem<?> item) {
    Objects.requireNonNull(item, "item");
    if (!item.key().toKey().equals(key)) {
      throw new IllegalArgumentException("the item's key " + item.key().toKey() + " is not " + key);
    }
    offered.incrementAndGet();
    if (bytes.length > maxBytes) {
      dropped.incrementAndGet();
      return;
    }
    synchronized (this) {
      Entry old = entries.remove(key);
      if (old != null) {
        this.bytes -= old.bytes.length;
      }
      entries.put(key, new Entry(bytes, item));
      this.bytes += bytes.length;
      Iterator<Entry> oldest = entries.values().iterator();
      while (entries.size() > maxEntries || this.bytes > maxBytes) {
        this.bytes -= oldest.next().bytes.length;
        oldest.remove();
        dropped.incrementAndGet();
      }
    }
  }

  /**
   * The item offered for {@code key} when it was offered for exactly {@code value}, at the given
   * revisions; null otherwise. An entry for the key is consumed either way (a newer value at the
   * key makes it useless).
   */
  @Nullable ConfigItem<?> take(String key, byte[] value, long createRevision, long modRevision) {
    Entry e;
    synchronized (this) {
      if (entries.isEmpty()) {
        return null;
      }
      e = entries.remove(key);
      if (e == null) {
        return null;
      }
      bytes -= e.bytes.length;
    }
    if (!Arrays.equals(e.bytes, value)) {
      mismatched.incrementAndGet();
      return null;
    }
    taken.incrementAndGet();
    ConfigItem<?> i = e.item;
    return new ConfigItem<>(i.key(), i.value(), i.compiled(), createRevision, modRevision);
  }

  /**
   * Values {@code offered}; {@code taken} by the registry instead of checking them again; {@code
   * dropped} past the bounds; {@code mismatched} (the event at the key carried other bytes); {@code
   * held} now. An offer neither taken, dropped nor mismatched is held, or was refused by the
   * registry's own limits or replaced by a newer offer at its key.
   */
  public Map<String, Long> counts() {
    long held;
    synchronized (this) {
      held = entries.size();
    }
    return Map.of("offered", offered.get(), "taken", taken.get(), "dropped", dropped.get(), "mismatched", mismatched.get(), "held", held);
  }

  synchronized int size() {
    return entries.size();
  }
}
