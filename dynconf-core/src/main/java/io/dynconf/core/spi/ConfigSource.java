package io.dynconf.core.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where configuration comes from: a key space under one prefix with etcd's revision model (every
 * change gets the next revision; each key has a create and a mod revision). Implemented by the
 * in-memory source, the standalone file source and the etcd source.
 *
 * <p>The contract, which {@code ConfigSourceContract} (core's test-jar) checks for every source:
 *
 * <ul>
 *   <li>{@link #list()} returns every key under the prefix at one revision (a source reads pages
 *       internally; the result is one consistent view).
 *   <li>{@link #watch(long, WatchListener)} delivers every change with a revision {@code >= from}, in
 *       order, with no gap: a {@code list()} at revision R followed by {@code watch(R + 1)} misses
 *       nothing and repeats nothing (a redelivery after a reconnect is allowed; receivers drop it by
 *       mod revision). When it cannot (history compacted, revision went backwards), it calls {@link
 *       WatchListener#onReset} and the watch ends.
 *   <li>Writes are atomic and linearizable; a {@link Txn} applies all of its operations at one
 *       revision or none of them.
 * </ul>
 *
 * <p>Thread-safe. Calls may block up to the source's configured deadline and then throw {@link
 * SourceException}; none blocks forever.
 */
public interface ConfigSource extends AutoCloseable {
  /** The key prefix, for example {@code /apisix}; keys are {@code prefix + "/" + type + "/" + id}. */
  String prefix();

  /** Every key under the prefix, at one revision. */
  Listing list();

  /** Watches every key under the prefix from revision {@code fromRevision} (inclusive). */
  Watch watch(long fromRevision, WatchListener listener);

  /** One key, or null when absent. */
  @Nullable KeyValue get(String key);

  /**
   * The keys starting with {@code under} (a key prefix inside {@link #prefix()}, such as {@code
   * /apisix/consumers/}), at one revision: what {@link #list()} holds there. The default filters
   * {@link #list()}; the etcd source reads only that range.
   */
  default Listing list(String under) {
    Listing all = list();
    List<KeyValue> kvs = new ArrayList<>();
    for (KeyValue kv : all.kvs()) {
      if (kv.key().startsWith(under)) {
        kvs.add(kv);
      }
    }
    return new Listing(all.revision(), kvs);
  }

  /**
   * Those of {@code keys} that exist, at one revision (sorted by key). The default filters {@link
   * #list()}; the etcd source reads only those keys.
   */
  default Listing getAll(Collection<String> keys) {
    Listing all = list();
    Set<String> wanted = new HashSet<>(keys);
    List<KeyValue> kvs = new ArrayList<>();
    for (KeyValue kv : all.kvs()) {
      if (wanted.contains(kv.key())) {
        kvs.add(kv);
      }
    }
    return new Listing(all.revision(), kvs);
  }

  /** Applies a transaction; all or nothing. */
  TxnResult txn(Txn txn);

  /** Puts one key unconditionally; returns the revision of the change. */
  default long put(String key, byte[] value) {
    return txn(Txn.builder().put(key, value).build()).revision();
  }

  default long put(String key, String value) {
    return put(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Deletes one key; true when it existed. */
  default boolean delete(String key) {
    KeyValue current = get(key);
    if (current == null) {
      return false;
    }
    return txn(Txn.builder().ifModRevision(key, current.modRevision()).delete(key).build()).succeeded()
        || delete(key);
  }

  /**
   * Writes {@code value} (or deletes, when null) only if {@code key}'s mod revision is still {@code
   * expectedModRevision} (0: only if absent). Returns false, changing nothing, when it is not.
   */
  default boolean compareAndSet(String key, long expectedModRevision, byte @Nullable [] value) {
    Txn.Builder b = Txn.builder().ifModRevision(key, expectedModRevision);
    if (value == null) {
      b.delete(key);
    } else {
      b.put(key, value);
    }
    return txn(b.build()).succeeded();
  }

  /**
   * True when {@link #get} and {@link #list} answer from memory, without I/O or a remote call (the
   * in-memory and file sources), so a caller bounding its calls by a deadline on another thread
   * (the admin API) may call them on its own thread instead. Default false.
   */
  default boolean readsFromMemory() {
    return false;
  }

  /**
   * Whether the source currently reaches its store, and when it last did; the registry's {@code
   * health()} reads it. Default: always connected (sources held in memory or read from a file).
   * Must not block.
   */
  default SourceConnection connection() {
    return SourceConnection.ALWAYS;
  }

  /** Stops watches and releases resources. */
  @Override
  void close();
}
