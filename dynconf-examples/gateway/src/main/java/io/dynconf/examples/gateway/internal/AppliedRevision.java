package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Tells when this node serves a configuration revision: its registry has applied the revision and
 * every registry listener (the route table, plugin chains, consumers, certificates) has seen the
 * snapshot that holds it. The admin listener waits for this before it answers a write, so the next
 * request to this node sees the change (read-your-writes on one node; other nodes follow their own
 * watches within milliseconds).
 *
 * <p>It must be the registry's last listener: listeners run one after another on the registry's
 * notifier thread, so when this one has seen a snapshot, so have all the others.
 */
public final class AppliedRevision implements ConfigRegistry.Listener {
  private final ConfigRegistry registry;
  private volatile ConfigSnapshot notified;

  /** Registers itself on {@code registry}: create it after every other listener. */
  public AppliedRevision(ConfigRegistry registry) {
    this.registry = registry;
    this.notified = registry.snapshot();
    registry.addListener(this);
  }

  @Override
  public void onUpdate(io.dynconf.core.ConfigUpdate update) {
    notified = update.current();
  }

  /**
   * True when {@code revision} is served: the listeners have seen a snapshot at that revision or
   * later; or the registry has applied it without publishing a snapshot for it (a revision that
   * changed nothing it holds), and every snapshot it published has been seen. The registry marks
   * a revision applied only after publishing the snapshot that holds it, so reading the applied
   * revision first and the newest snapshot second cannot miss one. (Under steady churn the newest
   * snapshot is often one the listeners have not reached yet, hence the first test.)
   */
  public boolean served(long revision) {
    ConfigSnapshot seen = notified;
    if (seen.revision() >= revision) {
      return true;
    }
    return registry.status().appliedRevision() >= revision && registry.snapshot() == seen;
  }

  /**
   * Runs {@code then} on {@code executor} once {@code revision} is served, or after {@code
   * timeoutMillis} (the write stands either way; the wait only orders the answer after it).
   */
  public void whenServed(long revision, EventExecutor executor, long timeoutMillis, Runnable then) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    check(revision, executor, deadline, then);
  }

  private void check(long revision, EventExecutor executor, long deadline, Runnable then) {
    if (served(revision) || System.nanoTime() - deadline >= 0) {
      executor.execute(then);
    } else {
      executor.schedule(() -> check(revision, executor, deadline, then), 1, TimeUnit.MILLISECONDS);
    }
  }
}
