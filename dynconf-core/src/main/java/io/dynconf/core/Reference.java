package io.dynconf.core;

import java.util.Objects;

/**
 * A reference from one resource to another, for example a route's {@code upstream_id}. A value
 * whose references do not all resolve is held as pending: accepted, reported, but not served.
 *
 * @param type the referenced resource type's name, for example {@code upstreams}
 * @param id the referenced id
 * @param field the referring field, for example {@code upstream_id}
 */
public record Reference(String type, String id, String field) {
  public Reference {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(field, "field");
  }

  public static Reference to(String type, String id, String field) {
    return new Reference(type, id, field);
  }
}
