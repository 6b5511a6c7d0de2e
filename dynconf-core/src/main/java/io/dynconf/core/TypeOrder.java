package io.dynconf.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The order in which the registry resolves types: referenced types before their referrers. */
final class TypeOrder {
  private TypeOrder() {}

  /** {@code types} ordered so that each comes after the types it references; fails on a cycle. */
  static List<ResourceType<?>> of(List<ResourceType<?>> types) {
    Map<String, ResourceType<?>> byName = new LinkedHashMap<>();
    for (ResourceType<?> t : types) {
      byName.put(t.name(), t);
    }
    List<ResourceType<?>> out = new ArrayList<>();
    Set<String> done = new HashSet<>();
    Set<String> visiting = new HashSet<>();
    for (ResourceType<?> t : types) {
      visit(t, byName, done, visiting, out);
    }
    return List.copyOf(out);
  }

  private static void visit(ResourceType<?> t, Map<String, ResourceType<?>> byName, Set<String> done, Set<String> visiting, List<ResourceType<?>> out) {
    if (done.contains(t.name())) {
      return;
    }
    if (!visiting.add(t.name())) {
      throw new IllegalArgumentException("resource types reference each other in a cycle through " + t.name());
    }
    for (String ref : t.referencedTypes()) {
      ResourceType<?> r = byName.get(ref);
      if (r != null) {
        visit(r, byName, done, visiting, out);
      }
    }
    visiting.remove(t.name());
    done.add(t.name());
    out.add(t);
  }
}
