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
 * references that do not resolve). Types are visited so that referenced types come first. Only
 * whether a referenced item exists decides, so a change of a referenced item's value makes nothing
 * a candidate again (an upstream's new nodes leave its 100,000 routes alone); a referenced item
 * that appears makes the pending items of the referring types candidates, and one that disappears
 * every item of the referring types (the only case that costs a pass over them).
 */
final class Resolver {
  private final String prefix;
  private final List<ResourceType<?>> applyOrder;
  private final Map<String, Map<String, ConfigItem<?>>> accepted; // the apply loop's: type -> id -> item
  private final Map<String, Pending> pending = new HashMap<>(); // key -> why it is held back
  private final Map<String, Set<String>> pendingIds = new HashMap<>(); // type name -> ids in pending

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
    Set<String> appeared = new HashSet<>(); // types with an item served now that was not before
    Set<String> disappeared = new HashSet<>(); // types with an item no longer served
    boolean pendingChanged = false;
    for (ResourceType<?> type : applyOrder) {
      Set<String> candidates = new HashSet<>(changed.getOrDefault(type.name(), Set.of()));
      StoreState<?> before = Objects.requireNonNull(nextStates.get(type.name()), "every registered type has a state");
      for (String ref : type.referencedTypes()) {
        if (disappeared.contains(ref)) {
          candidates.addAll(Objects.requireNonNull(accepted.get(type.name())).keySet());
          candidates.addAll(before.ids());
          break;
        }
        if (appeared.contains(ref)) {
          candidates.addAll(pendingIds.getOrDefault(type.name(), Set.of()));
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
        for (StoreChange<?> c : result.changes) {
          if (c.before() == null) {
            appeared.add(type.name());
          } else if (c.after() == null) {
            disappeared.add(type.name());
          }
        }
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
          r.pendingChanged |= release(type, id, key);
        } else {
          Pending p = new Pending(key, item.modRevision(), missing);
          r.pendingChanged |= !p.equals(pending.put(key, p));
          pendingIds.computeIfAbsent(type.name(), n -> new HashSet<>()).add(id);
        }
      } else {
        r.pendingChanged |= release(type, id, key);
      }
      if (was != now) {
        r.delta.put(id, now);
        r.changes.add(new StoreChange<>(id, was, now));
      }
    }
    return r;
  }

  /** How many ids the per-type index of pending items holds (equals {@code pending().size()}). */
  int pendingIdCount() {
    int n = 0;
    for (Set<String> ids : pendingIds.values()) {
      n += ids.size();
    }
    return n;
  }

  /** Takes {@code key} out of the pending items; true when it was there. */
  private boolean release(ResourceType<?> type, String id, String key) {
    if (pending.remove(key) == null) {
      return false;
    }
    Set<String> ids = pendingIds.get(type.name());
    if (ids != null && ids.remove(id) && ids.isEmpty()) {
      pendingIds.remove(type.name());
    }
    return true;
  }
}
