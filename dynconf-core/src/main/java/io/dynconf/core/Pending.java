package io.dynconf.core;

import java.util.List;
import java.util.Objects;

/**
 * A valid value that is not served because some of its references do not resolve (for example a
 * route whose upstream_id names no upstream). It becomes active when they do.
 *
 * @param key the etcd key
 * @param modRevision the revision of the held value
 * @param missing the references that do not resolve
 */
public record Pending(String key, long modRevision, List<Reference> missing) {
  public Pending {
    Objects.requireNonNull(key, "key");
    missing = List.copyOf(missing);
  }

  /** {@code /apisix/routes/1 waits for upstreams/7 (upstream_id)}. */
  public String message() {
    StringBuilder sb = new StringBuilder(key).append(" waits for ");
    for (int i = 0; i < missing.size(); i++) {
      Reference r = missing.get(i);
      sb.append(i == 0 ? "" : ", ").append(r.type()).append('/').append(r.id()).append(" (").append(r.field()).append(')');
    }
    return sb.toString();
  }
}
