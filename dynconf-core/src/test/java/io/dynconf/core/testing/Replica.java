package io.dynconf.core.testing;

import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a receiver holds: a listing plus the events applied on top of it, each revision once. A
 * revision at or below the last applied one is a redelivery and is dropped (and counted), which is
 * how the registry treats etcd's redeliveries. Not thread-safe.
 */
public final class Replica {
  private final TreeMap<String, KeyValue> kvs = new TreeMap<>();
  private long revision;
  private int dropped;

  private Replica(Listing listing) {
    listing.kvs().forEach(kv -> kvs.put(kv.key(), kv));
    revision = listing.revision();
  }

  public static Replica of(Listing listing) {
    return new Replica(listing);
  }

  /** Applies every batch in order. */
  public Replica applyAll(List<List<ChangeEvent>> batches) {
    batches.forEach(this::apply);
    return this;
  }

  /** Applies one batch, revision by revision, dropping revisions already applied. */
  public void apply(List<ChangeEvent> batch) {
    long current = -1;
    boolean skip = false;
    for (ChangeEvent e : batch) {
      if (e.modRevision() != current) {
        current = e.modRevision();
        skip = current <= revision;
        revision = Math.max(revision, current);
      }
      if (skip) {
        dropped++;
      } else if (e.type() == ChangeEvent.Type.PUT) {
        kvs.put(e.key(), e.kv());
      } else {
        kvs.remove(e.key());
      }
    }
  }

  public Map<String, KeyValue> kvs() {
    return kvs;
  }

  public List<KeyValue> kvList() {
    return new ArrayList<>(kvs.values());
  }

  public long revision() {
    return revision;
  }

  /** How many redelivered events were dropped. */
  public int dropped() {
    return dropped;
  }
}
