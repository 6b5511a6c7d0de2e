package io.dynconf.jmh;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/** Helpers of the etcd benchmarks: clients, keys and fast bulk writes of APISIX routes. */
final class EtcdFixtures {
  /** etcd's default limit of operations per transaction ({@code --max-txn-ops}). */
  static final int MAX_TXN_OPS = 128;
  /** Transactions (or puts) in flight at once while writing in bulk. */
  private static final int IN_FLIGHT = 32;

  static final String PREFIX = "/apisix";
  static final String ROUTES = PREFIX + "/routes/";
  static final String UPSTREAM_KEY = PREFIX + "/upstreams/u1";

  private EtcdFixtures() {}

  static Client client(List<URI> endpoints) {
    return Client.builder().endpoints(endpoints.toArray(URI[]::new)).connectTimeout(Duration.ofSeconds(2)).build();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /**
   * The route of {@link RouteFixtures#route(int)} with its name changed to {@code route-<i>-<tag>}:
   * the same real APISIX JSON, a different value (so a put of it really changes the route).
   */
  static byte[] routeVariant(int i, String tag) {
    String original = new String(RouteFixtures.route(i), StandardCharsets.UTF_8);
    String name = "\"name\":\"route-" + i + "\"";
    if (!original.contains(name)) {
      throw new IllegalStateException("RouteFixtures.route no longer has " + name + ": " + original);
    }
    return original.replace(name, "\"name\":\"route-" + i + "-" + tag + "\"").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes the upstream {@code u1} and routes {@code 0..routes-1} ({@code value.apply(i)} under
   * {@code /apisix/routes/<i>}) in transactions of {@link #MAX_TXN_OPS} puts, {@value #IN_FLIGHT}
   * in flight, and returns when etcd acknowledged all of them.
   */
  static void writeRoutes(Client client, int routes, IntFunction<byte[]> value) throws InterruptedException {
    KV kv = client.getKVClient();
    await(kv.put(bytes(UPSTREAM_KEY), bytes(RouteFixtures.UPSTREAM)).thenApply(r -> null));
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int from = 0; from < routes && failure.get() == null; from += MAX_TXN_OPS) {
      int to = Math.min(routes, from + MAX_TXN_OPS);
      Op[] ops = new Op[to - from];
      for (int i = from; i < to; i++) {
        ops[i - from] = Op.put(bytes(ROUTES + i), ByteSequence.from(value.apply(i)), PutOption.DEFAULT);
      }
      inFlight.acquire();
      kv.txn().Then(ops).commit().whenComplete((r, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
        inFlight.release();
      });
    }
    drain(inFlight, failure, "writing " + routes + " routes");
  }

  /**
   * Puts each of {@code keys} (route ids) with {@code value.apply(id)}, one revision per put,
   * {@value #IN_FLIGHT} in flight (as many admin API writers would), and returns when all are
   * acknowledged.
   */
  static void putEach(Client client, int[] keys, IntFunction<byte[]> value) throws InterruptedException {
    KV kv = client.getKVClient();
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < keys.length && failure.get() == null; i++) {
      inFlight.acquire();
      kv.put(bytes(ROUTES + keys[i]), ByteSequence.from(value.apply(keys[i]))).whenComplete((r, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
        inFlight.release();
      });
    }
    drain(inFlight, failure, "writing " + keys.length + " route changes");
  }

  private static void drain(Semaphore inFlight, AtomicReference<Throwable> failure, String what) throws InterruptedException {
    if (!inFlight.tryAcquire(IN_FLIGHT, 120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(what + ": etcd did not acknowledge within 120 s");
    }
    Throwable e = failure.get();
    if (e != null) {
      throw new IllegalStateException(what + " failed: " + e, e);
    }
  }

  static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("etcd request failed: " + e, e);
    }
  }
}
