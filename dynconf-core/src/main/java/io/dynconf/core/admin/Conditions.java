package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import io.dynconf.core.ResourceType;
import io.dynconf.core.spi.KeyValue;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
/** {@code If-Match} / {@code If-None-Match} as lists of mod revisions ({@code *}: any). */
record Conditions(@Nullable Set<String> ifMatch, @Nullable Set<String> ifNoneMatch) {
  static final Conditions NONE = new Conditions(null, null);

  boolean any() {
    return ifMatch != null || ifNoneMatch != null;
  }

  void check(ResourceType<?> type, String id, @Nullable KeyValue current) {
    if (ifMatch != null) {
      if (current == null) {
        throw new Problem(412, "If-Match: " + kind(type) + " " + id + " does not exist");
      }
      if (!ifMatch.contains("*") && !ifMatch.contains(Long.toString(current.modRevision()))) {
        throw new Problem(412, "If-Match: " + kind(type) + " " + id + " is at revision " + current.modRevision() + ", not " + String.join(" or ", ifMatch),
            Map.of("ETag", "\"" + current.modRevision() + "\""), Map.of());
      }
    }
    if (ifNoneMatch != null && current != null
        && (ifNoneMatch.contains("*") || ifNoneMatch.contains(Long.toString(current.modRevision())))) {
      throw new Problem(412, "If-None-Match: " + kind(type) + " " + id + " exists (revision " + current.modRevision() + ")",
          Map.of("ETag", "\"" + current.modRevision() + "\""), Map.of());
    }
  }

  static Conditions of(AdminRequest request) {
    return new Conditions(tags(request.header("If-Match")), tags(request.header("If-None-Match")));
  }

  private static @Nullable Set<String> tags(@Nullable String header) {
    if (header == null) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String part : header.split(",")) {
      String t = part.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    if (out.isEmpty()) {
      throw Problem.badRequest("invalid entity tag list: " + quote(header) + "; send the ETag of a GET, for example \"12\"");
    }
    return out;
  }
}
