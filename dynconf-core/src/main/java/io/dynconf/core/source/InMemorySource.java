package io.dynconf.core.source;

import io.dynconf.core.ResourceKey;


import io.dynconf.core.internal.MemStore;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ConfigSource} held in memory, for tests and for embedding without etcd. It follows
 * etcd's revision model: the empty store is at revision 1 (like a fresh etcd); every transaction
 * that changes something moves the revision by exactly one and carries all its changes at that
 * revision (a transaction that only deletes absent keys changes nothing and keeps the revision);
 * every key keeps its create and mod revision; a delete is an event at its own revision. The last
 * {@code historyLimit} revisions of events are retained for {@link #watch} from an older revision;
 * older ones are compacted automatically, as etcd's auto-compaction would.
 *
 * <p><b>Threads.</b> Thread-safe; one monitor guards the state, and a write waits for nothing but
 * that monitor and the delivery of its events (see below). Values are copied in and out ({@link KeyValue} copies). Writes to keys outside
 * {@link #prefix()} (and comparisons on them) throw {@link IllegalArgumentException} naming the
 * key; {@link #get} of such a key returns null.
 *
 * <p><b>Delivery.</b> Events are delivered synchronously on the writer's thread, after the change
 * is visible to {@link #get} and {@link #list}, and outside the store's monitor, so a listener may
 * read or write the source. Each watch is delivered by one thread at a time, in revision order: a
 * writer that finds another thread delivering waits for it, so a write made outside any listener
 * returns after its events were delivered (and a fast writer is held back by a slow listener
 * rather than running ahead of it without bound). A write made from inside a listener is delivered
 * after that callback returns; a listener must not wait for another thread that writes to this
 * source. One transaction is one {@code onEvents} call. {@link #watch} replays history (or calls
 * {@code onReset} for a compacted revision) before it returns, on the calling thread unless a
 * writer is delivering to the new watch already; it never waits. A listener that throws is logged
 * and skipped.
 *
 * <p><b>Test controls</b> (public so that tests in any module can provoke what an etcd cluster
 * does): {@link #compact}, {@link #resetWatches}, {@link #redeliverLast} and {@link #wipe}.
 */
public final class InMemorySource implements ConfigSource {
  /** Revisions of history kept by default. */
  public static final int DEFAULT_HISTORY_LIMIT = 10_000;

  private final String prefix;
  private final MemStore store;

  /** A source under {@code /apisix}. */
  public InMemorySource() {
    this("/apisix");
  }

  public InMemorySource(String prefix) {
    this(prefix, DEFAULT_HISTORY_LIMIT);
  }

  /**
   * @param prefix the key prefix, for example {@code /apisix} (normalised as {@link
   *     ResourceKey#normalizePrefix} does)
   * @param historyLimit how many revisions of events to retain for watches from the past
   */
  public InMemorySource(String prefix, int historyLimit) {
    this.prefix = ResourceKey.normalizePrefix(prefix);
    this.store = new MemStore(1, historyLimit);
  }

  @Override
  public String prefix() {
    return prefix;
  }

  @Override
  public Listing list() {
    return store.list();
  }

  /** Watches from {@code fromRevision} (inclusive; 0 means from the next change). */
  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return store.watch(fromRevision, listener);
  }

  /** True: reads answer from the in-memory store. */
  @Override
  public boolean readsFromMemory() {
    return true;
  }

  @Override
  public @Nullable KeyValue get(String key) {
    return store.get(key);
  }

  @Override
  public TxnResult txn(Txn txn) {
    txn.compares().forEach(c -> checkKey(c.key()));
    txn.unchanged().forEach(u -> checkKey(u.keyPrefix()));
    txn.ops().forEach(o -> checkKey(o.key()));
    TxnResult result = store.apply(txn);
    store.deliver();
    return result;
  }

  /** The current store revision. */
  public long revision() {
    return store.revision();
  }

  /**
   * Test control: drops the history below {@code revision}, like etcd's compaction. A later watch
   * from a revision below it gets {@code onReset}; live watches are unaffected.
   *
   * @throws IllegalArgumentException when {@code revision} is not in {@code [1, revision()]}
   */
  public void compact(long revision) {
    store.compact(revision);
  }

  /**
   * Test control: every live watch gets {@code onReset(reason)} and ends, as when a watch stream
   * is lost for good. Delivered on the calling thread before this returns.
   */
  public void resetWatches(String reason) {
    store.resetWatches(reason);
  }

  /**
   * Test control: delivers the last {@code n} retained revisions again to every live watch that
   * had them, as etcd may after a reconnect; receivers must drop them by mod revision.
   */
  public void redeliverLast(int n) {
    store.redeliverLast(n);
  }

  /**
   * Test control: like an etcd restored from an empty backup, removes every key and all history,
   * sets the revision back to 1 and resets every live watch.
   */
  public void wipe() {
    store.wipe("the store was wiped: revision went back to 1");
  }

  /** Ends every watch without {@code onReset}; every later call throws {@code SourceException}. */
  @Override
  public void close() {
    store.close();
  }

  private void checkKey(String key) {
    if (!key.startsWith(prefix) || key.length() <= prefix.length() + 1 || key.charAt(prefix.length()) != '/') {
      throw new IllegalArgumentException("key \"" + key + "\" is outside the prefix \"" + prefix + "\"");
    }
  }

  @Override
  public String toString() {
    return "InMemorySource[" + prefix + "]";
  }
}
