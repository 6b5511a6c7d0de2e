package io.dynconf.jmh;

import io.dynconf.radix.DynamicRouter;
import io.dynconf.radix.RouteSpec;
import io.dynconf.radix.Router;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained heap per route of dynconf-radix over {@link ScaleRoutes}' generated sets, two ways:
 *
 * <ul>
 *   <li>JOL ({@link GraphLayout}): every byte reachable from the {@link Router} (its tree, the
 *       route copies it keeps, their strings and values), divided by the route count; and the part
 *       not reachable from the {@link RouteSpec}s it was built from (what the router adds on top of
 *       the caller's route objects). Also a {@link DynamicRouter} (router plus its id map).
 *   <li>{@link MemoryMXBean}: heap used after a forced GC, before and after building a second
 *       router from the same specs (so it counts what the router adds, like JOL's second figure).
 * </ul>
 *
 * <p>Run: {@code java -Xmx4g -cp jmh/target/benchmarks.jar io.dynconf.jmh.RouterHeap 1000 10000
 * 100000}
 */
public final class RouterHeap {

  private RouterHeap() {}

  /** One size's figures, in bytes. */
  public record Figures(int routes, long reachable, long added, long dynamicReachable, long mxAdded,
      List<Map.Entry<String, Long>> topClasses) {
    public double reachablePerRoute() {
      return (double) reachable / routes;
    }

    public double addedPerRoute() {
      return (double) added / routes;
    }

    public double dynamicPerRoute() {
      return (double) dynamicReachable / routes;
    }

    public double mxAddedPerRoute() {
      return (double) mxAdded / routes;
    }
  }

  public static Figures measure(int n) {
    ScaleRoutes set = ScaleRoutes.generate(n);
    List<RouteSpec<Integer>> specs = set.routes();
    Router<Integer> router = Router.of(specs);
    GraphLayout routerLayout = GraphLayout.parseInstance(router);
    long reachable = routerLayout.totalSize();
    long inputs = GraphLayout.parseInstance(specs).totalSize();
    long both = GraphLayout.parseInstance(router, specs).totalSize();
    List<Map.Entry<String, Long>> top = new ArrayList<>();
    for (Class<?> c : routerLayout.getClassSizes().keys()) {
      top.add(Map.entry(c.getName(), routerLayout.getClassSizes().count(c)));
    }
    top.sort(Comparator.comparing(Map.Entry<String, Long>::getValue).reversed());
    DynamicRouter<Integer> dynamic = new DynamicRouter<>(specs);
    long dynamicReachable = GraphLayout.parseInstance(dynamic).totalSize();
    dynamic = null;

    MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
    long before = usedAfterGc(mx);
    Router<Integer> second = Router.of(specs);
    long after = usedAfterGc(mx);
    Reference.reachabilityFence(second);
    Reference.reachabilityFence(router);
    Reference.reachabilityFence(specs);
    return new Figures(n, reachable, both - inputs, dynamicReachable, after - before,
        top.subList(0, Math.min(8, top.size())));
  }

  private static long usedAfterGc(MemoryMXBean mx) {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      used = Math.min(used, mx.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  public static void main(String[] args) {
    List<Integer> sizes = new ArrayList<>();
    for (String a : args) {
      sizes.add(Integer.parseInt(a));
    }
    if (sizes.isEmpty()) {
      sizes = List.of(1_000, 10_000, 100_000);
    }
    System.out.printf("%8s %22s %22s %22s %22s%n", "routes", "reachable B/route", "added by router B/route",
        "DynamicRouter B/route", "MXBean added B/route");
    List<Figures> all = new ArrayList<>();
    for (int n : sizes) {
      Figures f = measure(n);
      all.add(f);
      System.out.printf("%8d %22.0f %22.0f %22.0f %22.0f%n", n, f.reachablePerRoute(), f.addedPerRoute(),
          f.dynamicPerRoute(), f.mxAddedPerRoute());
    }
    Figures last = all.get(all.size() - 1);
    System.out.println("largest classes reachable from the router at " + last.routes() + " routes (bytes/route):");
    for (Map.Entry<String, Long> e : last.topClasses()) {
      System.out.printf("  %-60s %8.1f%n", e.getKey(), (double) e.getValue() / last.routes());
    }
  }
}
