package io.dynconf.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** The live view behind {@link ConfigRegistry#store(ResourceType)}: each call reads the newest snapshot. */
final class LiveStore<T> implements ConfigStore<T> {
  private final ConfigRegistry registry;
  private final ResourceType<T> type;

  LiveStore(ConfigRegistry registry, ResourceType<T> type) {
    this.registry = registry;
    this.type = type;
  }

  private ConfigStore<T> now() {
    return registry.snapshot().store(type);
  }

  @Override
  public ResourceType<T> type() {
    return type;
  }

  @Override
  public @Nullable T get(String id) {
    return now().get(id);
  }

  @Override
  public @Nullable ConfigItem<T> item(String id) {
    return now().item(id);
  }

  @Override
  public List<T> values() {
    return now().values();
  }

  @Override
  public List<ConfigItem<T>> items() {
    return now().items();
  }

  @Override
  public int size() {
    return now().size();
  }

  @Override
  public long version() {
    return now().version();
  }

  @Override
  public long revision() {
    return now().revision();
  }
}
