package io.dynconf.examples.gateway.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of counters, one copy per stripe: each recording thread adds to its own stripe's
 * copy (its own cache lines), a reader adds the stripes up. {@code LongAdder} stripes only after
 * two threads collided on a CAS; until then every event loop's increment of the same counter
 * moves the cache line between cores, and a request updates about ten counters: that traffic was
 * about 5% of the event loops' user-space CPU in the proxy's profile. Threads take stripes in the
 * order they first record ({@link #stripe()}); with more threads than stripes two share a stripe
 * (still exact: the adds are atomic).
 */
final class StripedCounters {
  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
  /** Longs of padding before the first stripe and between stripes (a 64-byte cache line is 8 longs). */
  private static final int PAD = 8;
  /**
   * Stripes: the processors rounded up to a power of two, 2 to 4 (a series' counters take about
   * 0.5 KB per stripe, and a gateway may hold many series: more threads than stripes share them).
   */
  static final int STRIPES;

  static {
    int n = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() - 1)) << 1;
    STRIPES = Math.min(4, Math.max(2, n));
  }

  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final ThreadLocal<int[]> STRIPE = ThreadLocal.withInitial(() -> new int[] {NEXT.getAndIncrement() & (STRIPES - 1)});

  private final int counters;
  private final int stride;
  private final long[] cells;

  StripedCounters(int counters) {
    this.counters = counters;
    this.stride = ((counters + 7) / 8) * 8 + PAD;
    this.cells = new long[PAD + STRIPES * stride];
  }

  /** The calling thread's stripe: look it up once per recorded request and pass it to {@link #add}. */
  static int stripe() {
    return STRIPE.get()[0];
  }

  void add(int stripe, int counter, long delta) {
    CELLS.getAndAdd(cells, PAD + stripe * stride + counter, delta);
  }

  long sum(int counter) {
    long s = 0;
    for (int i = 0; i < STRIPES; i++) {
      s += (long) CELLS.getVolatile(cells, PAD + i * stride + counter);
    }
    return s;
  }

  int size() {
    return counters;
  }
}
