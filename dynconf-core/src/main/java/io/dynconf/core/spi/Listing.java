package io.dynconf.core.spi;

import java.util.List;

/**
 * Every key under a source's prefix, read at one revision.
 *
 * @param revision the store revision the listing was read at; a watch resumes at {@code revision + 1}
 * @param kvs the key-values, sorted by key
 */
public record Listing(long revision, List<KeyValue> kvs) {
  public Listing {
    kvs = List.copyOf(kvs);
    if (revision < 0) {
      throw new IllegalArgumentException("listing revision must not be negative, was " + revision);
    }
  }
}
