package io.dynconf.core.admin;

import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import io.dynconf.core.spi.Watch;
import io.dynconf.core.spi.WatchListener;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A source that forwards to another and runs a hook once, just before the first transaction the
 * hook's filter accepts: the place where a concurrent writer would slip in between what the admin
 * API read and what it writes. A {@code getHook} may slow or fail reads.
 */
final class HookedSource implements ConfigSource {
  private final ConfigSource delegate;
  private final AtomicReference<@Nullable Hook> beforeTxn = new AtomicReference<>();
  volatile @Nullable Runnable getHook;
  /** Runs before every transaction. */
  volatile @Nullable Runnable txnHook;

  private record Hook(Predicate<Txn> filter, Consumer<Txn> action) {}

  HookedSource(ConfigSource delegate) {
    this.delegate = delegate;
  }

  /** Runs {@code action} once, before the first transaction that {@code filter} accepts. */
  void onceBeforeTxn(Predicate<Txn> filter, Consumer<Txn> action) {
    beforeTxn.set(new Hook(filter, action));
  }

  @Override
  public String prefix() {
    return delegate.prefix();
  }

  @Override
  public Listing list() {
    Runnable h = getHook;
    if (h != null) {
      h.run();
    }
    return delegate.list();
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return delegate.watch(fromRevision, listener);
  }

  @Override
  public @Nullable KeyValue get(String key) {
    Runnable h = getHook;
    if (h != null) {
      h.run();
    }
    return delegate.get(key);
  }

  @Override
  public TxnResult txn(Txn txn) {
    Runnable each = txnHook;
    if (each != null) {
      each.run();
    }
    Hook h = beforeTxn.get();
    if (h != null && h.filter().test(txn) && beforeTxn.compareAndSet(h, null)) {
      h.action().accept(txn);
    }
    return delegate.txn(txn);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
