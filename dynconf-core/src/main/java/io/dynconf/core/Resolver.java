package io.dynconf.core;

import io.dynconf.core.internal.StoreState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reference resolution, confined to the apply thread: decides which accepted items are served. An
 * item is served when each of its references resolves to a served item of the referenced type in
 * the same snapshot; otherwise it is held as {@link Pending} (listed in the snapshot, with the
 * references that do not resolve). A type whose served items changed makes every item of the types
 * referring to it a candidate again; types are visited so that referenced types come first.
 */
final class Resolver {
  private final String prefix;
  private final List<ResourceType<?>> applyOrder;
  private final Map<String, Map<String, ConfigItem<?>>> accepted; // the apply loop's: type -> id -> item
  private final Map<String, Pending> pending = new HashMap<>(); // key -> why it is held back

  /** The stores after a batch, the served changes per type, and whether the pending set changed. */
  record Resolution(Map<String, StoreState<?>> states, Map<String, List<StoreChange<?>>> changes, boolean pendingChanged) {}

  Resolver(String prefix, List<ResourceType<?>> applyOrder, Map<String, Map<String, ConfigItem<?>>> accepted) {
    this.prefix = prefix;
    this.applyOrder = applyOrder;
    this.accepted = accepted;
  }

  /** The items held back, by key: the map itself (the snapshot copies it). */
  Map<String, Pending> pending() {
    return pending;
  }

  /**
   * Recomputes which of the {@code changed} accepted items (type name -> ids) are served, starting
   * from the stores in {@code states}, and the items of types referring to a type whose served
   * items changed.
   */
  Resolution resolve(Map<String, StoreState<?>> states, Map<String, Set<String>> changed, long revision) {
    Map<String, List<StoreChange<?>>> out = new LinkedHashMap<>();
    Map<String, StoreState<?>> nextStates = new HashMap<>(states);
    Set<String> servedChanged = new HashSet<>();
    boolean pendingChanged = false;
    for (ResourceType<?> type : applyOrder) {
      Set<String> candidates = new HashSet<>(changed.getOrDefault(type.name(), Set.of()));
      StoreState<?> before = Objects.requireNonNull(nextStates.get(type.name()), "every registered type has a state");
      for (String ref : type.referencedTypes()) {
        if (servedChanged.contains(ref)) {
          candidates.addAll(Objects.requireNonNull(accepted.get(type.name())).keySet());
          candidates.addAll(before.ids());
          break;
        }
      }
      if (candidates.isEmpty()) {
        continue;
      }
      ResolveResult result = resolveType(type, before, candidates, nextStates);
      pendingChanged |= result.pendingChanged;
      if (!result.changes.isEmpty()) {
        nextStates.put(type.name(), result.next(revision));
        out.put(type.name(), result.changes);
        servedChanged.add(type.name());
      }
    }
    return new Resolution(nextStates, out, pendingChanged);
  }

  private static final class ResolveResult {
    final StoreState<Object> before;
    final Map<String, @Nullable ConfigItem<Object>> delta = new HashMap<>();
    final List<StoreChange<?>> changes = new ArrayList<>();
    boolean pendingChanged;

    @SuppressWarnings("unchecked") // the state of the type being resolved: its items are of that type
    ResolveResult(StoreState<?> before) {
      this.before = (StoreState<Object>) before;
    }

    StoreState<?> next(long revision) {
      return before.with(delta, revision);
    }
  }

  @SuppressWarnings("unchecked") // the accepted items of a type hold values of that type
  private ResolveResult resolveType(ResourceType<?> type, StoreState<?> before, Set<String> ids, Map<String, StoreState<?>> nextStates) {
    ResolveResult r = new ResolveResult(before);
    ResourceType<Object> t = (ResourceType<Object>) type;
    Map<String, ConfigItem<?>> items = Objects.requireNonNull(accepted.get(type.name()), "every registered type has a map");
    for (String id : ids) {
      ConfigItem<Object> item = (ConfigItem<Object>) items.get(id);
      ConfigItem<Object> was = r.before.item(id);
      ConfigItem<Object> now = null;
      String key = prefix + '/' + type.path() + '/' + id; // the id came from a parsed key: no need to check it again
      if (item != null) {
        List<Reference> missing = new ArrayList<>();
        try {
          for (Reference ref : t.referencesOf(item.value())) {
            StoreState<?> target = nextStates.get(ref.type());
            if (target != null && target.item(ref.id()) == null) {
              missing.add(ref);
            }
          }
        } catch (VirtualMachineError e) {
          if (!(e instanceof StackOverflowError)) {
            throw e; // not the item's fault: the apply loop resyncs
          }
          missing.add(Reference.to(type.name(), id, "references() failed: " + e));
        } catch (RuntimeException | Error e) { // a bug in the type's references function holds the item back
          missing.add(Reference.to(type.name(), id, "references() failed: " + e));
        }
        if (missing.isEmpty()) {
          now = item;
          r.pendingChanged |= pending.remove(key) != null;
        } else {
          Pending p = new Pending(key, item.modRevision(), missing);
          r.pendingChanged |= !p.equals(pending.put(key, p));
        }
      } else {
        r.pendingChanged |= pending.remove(key) != null;
      }
      if (was != now) {
        r.delta.put(id, now);
        r.changes.add(new StoreChange<>(id, was, now));
      }
    }
    return r;
  }
}
