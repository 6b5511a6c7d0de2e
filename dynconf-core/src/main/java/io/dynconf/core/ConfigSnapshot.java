package io.dynconf.core;

import io.dynconf.core.internal.StoreState;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * Every store at one moment, published by one atomic write: routes, services and upstreams read
 * from one snapshot are consistent at {@link #revision()}. Immutable; reads never lock.
 */
public final class ConfigSnapshot {
  private final long revision;
  private final long version;
  private final Map<String, StoreState<?>> stores;
  private final Map<String, Rejection> rejections;
  private final Map<String, Pending> pending;
  private final boolean fromLastKnownGood;
  private final Instant time;

  ConfigSnapshot(
      long revision,
      long version,
      Map<String, StoreState<?>> stores,
      Map<String, Rejection> rejections,
      Map<String, Pending> pending,
      boolean fromLastKnownGood,
      Instant time) {
    this.revision = revision;
    this.version = version;
    this.stores = Map.copyOf(stores);
    this.rejections = Map.copyOf(rejections);
    this.pending = Map.copyOf(pending);
    this.fromLastKnownGood = fromLastKnownGood;
    this.time = time;
  }

  /** The source revision this snapshot reflects. */
  public long revision() {
    return revision;
  }

  /** Moves by one for each published snapshot whose served content changed; 0 for the empty start. */
  public long version() {
    return version;
  }

  /**
   * The store of {@code type}, found by name (a variant of a type, such as the standard types with
   * plugin checks, finds the same store); fails for a type the registry does not know or whose
   * Java type differs.
   */
  @SuppressWarnings("unchecked")
  public <T> ConfigStore<T> store(ResourceType<T> type) {
    StoreState<?> s = stores.get(type.name());
    if (s == null || s.type().javaType() != type.javaType()) {
      throw new IllegalArgumentException("the registry has no resource type " + type.name() + " (known: " + stores.keySet() + ")");
    }
    return (ConfigStore<T>) s;
  }

  /** The store of the type named {@code name}. */
  public ConfigStore<?> store(String name) {
    StoreState<?> s = stores.get(name);
    if (s == null) {
      throw new IllegalArgumentException("the registry has no resource type " + name + " (known: " + stores.keySet() + ")");
    }
    return s;
  }

  /** Every store. */
  public Collection<? extends ConfigStore<?>> stores() {
    return stores.values();
  }

  /** Values that were not applied, by key. */
  public Map<String, Rejection> rejections() {
    return rejections;
  }

  /** Valid values held back because a reference does not resolve, by key. */
  public Map<String, Pending> pending() {
    return pending;
  }

  /** True when this state came from the last-known-good file because the source was unreachable. */
  public boolean fromLastKnownGood() {
    return fromLastKnownGood;
  }

  /** When it was published. */
  public Instant time() {
    return time;
  }

  Map<String, StoreState<?>> states() {
    return stores;
  }

  @Override
  public String toString() {
    return "ConfigSnapshot[revision " + revision + ", version " + version + ", " + stores.values() + ", "
        + rejections.size() + " rejected, " + pending.size() + " pending" + (fromLastKnownGood ? ", from last-known-good" : "") + "]";
  }
}
