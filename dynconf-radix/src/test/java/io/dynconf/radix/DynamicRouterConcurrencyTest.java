package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers match continuously while a writer adds, replaces and removes routes: a route that exists
 * throughout (even while it is being replaced) is never missed, and a match never returns a route
 * that could not have been current.
 */
class DynamicRouterConcurrencyTest {

  private static final int STABLE = 200;
  private static final int WRITES = 20_000;

  @Test
  void stableRoutesNeverMissWhileOthersChurn() throws Exception {
    DynamicRouter<String> router = new DynamicRouter<>();
    List<RouteSpec<String>> initial = new ArrayList<>();
    for (int i = 0; i < STABLE; i++) {
      initial.add(stable(i, 0));
    }
    router.replaceAll(initial);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong matches = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    long base = Long.getLong("dynconf.seed", new java.security.SecureRandom().nextLong());
    System.out.println("DynamicRouterConcurrencyTest: seed " + base + " (replay the draws with -Ddynconf.seed=" + base + "; the interleaving is the scheduler's)");
    int readers = Math.max(2, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < readers; t++) {
        long seed = base + t;
        futures.add(pool.submit(() -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          MatchResult<String> result = new MatchResult<>();
          while (!done.get() && failures.size() < 10) {
            int i = rnd.nextInt(STABLE);
            boolean param = rnd.nextBoolean();
            String path = param ? "/stable/" + i + "/items/" + rnd.nextInt(1000) : "/stable/" + i;
            if (!router.match(RouteRequest.of("GET", path, "s" + i + ".test", null), result)) {
              failures.add("miss: " + path);
            } else if (!result.id().equals("s" + i) || !result.value().startsWith("s" + i + "@")) {
              failures.add(path + " -> " + result.id() + "=" + result.value());
            } else if (param && !result.param("item").matches("\\d+")) {
              failures.add(path + " bound " + result.params());
            }
            matches.incrementAndGet();
          }
        }));
      }
      futures.add(pool.submit(() -> {
        SplittableRandom rnd = new SplittableRandom(base ^ 42);
        try {
          for (int w = 0; w < WRITES; w++) {
            int op = rnd.nextInt(4);
            if (op == 0) {
              router.put(stable(rnd.nextInt(STABLE), w)); // replace a stable route, same paths
            } else if (op == 1) {
              router.remove("c" + rnd.nextInt(500));
            } else if (op == 2) {
              // churn routes that compete on the same paths but never admit the readers' host
              int c = rnd.nextInt(500);
              router.put(RouteSpec.builder("c" + c, "churn").paths("/stable/" + rnd.nextInt(STABLE), "/stable/:id",
                  "/stable/:id/items/:item", "/stable*").hosts("churn.test").priority(rnd.nextInt(5)).build());
            } else {
              List<RouteSpec<String>> batch = new ArrayList<>();
              for (int k = 0; k < 5; k++) {
                batch.add(RouteSpec.builder("b" + rnd.nextInt(1000), "batch").paths("/other/" + rnd.nextInt(1000) + "/:x").build());
              }
              router.apply(batch, List.of("b" + rnd.nextInt(1000)));
            }
          }
        } finally {
          done.set(true);
        }
      }));
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(failures).as("seed " + base).isEmpty();
    assertThat(matches.get()).as("readers ran alongside the writer").isGreaterThan(10_000);
    assertThat(router.version()).isGreaterThan(WRITES / 2);
  }

  private static RouteSpec<String> stable(int i, int version) {
    return RouteSpec.builder("s" + i, "s" + i + "@" + version)
        .paths("/stable/" + i, "/stable/" + i + "/items/:item")
        .hosts("s" + i + ".test")
        .build();
  }
}
