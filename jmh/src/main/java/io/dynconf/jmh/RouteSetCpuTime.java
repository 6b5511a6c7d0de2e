package io.dynconf.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;

/**
 * {@link RouteSetBenchmark}'s lookups timed in the thread's CPU time instead of wall-clock time: for
 * A/B comparisons of router changes on a shared, loaded machine, where a JMH score moves by ±10%
 * with the other processes' load (a descheduled thread's wall time counts; its CPU time does not).
 * Cache interference from the neighbours remains, so compare only runs made back to back.
 *
 * <p>No Blackhole: the handlers are summed into a static field. Figures are a few ns below
 * JMH's, and are not a substitute for it; quote JMH for results, use this to decide.
 *
 * <p>Run: {@code java -Xms1g -Xmx1g -cp jmh/target/benchmarks.jar io.dynconf.jmh.RouteSetCpuTime
 * [lookup [impl [routeFile]]]} (defaults {@code all}, {@code dynconf}, {@code github.txt}; a route
 * file as {@link RouteSet#load} takes it). Prints the
 * minimum, first quartile and median of 25 rounds of 2,000,000 lookups, after 8 warm-up rounds.
 */
public final class RouteSetCpuTime {

  private static final int ROUNDS = 25;
  private static final int WARMUP = 8;
  private static final long PER_ROUND = 2_000_000;

  static int sink;

  private RouteSetCpuTime() {}

  public static void main(String[] args) {
    String lookup = args.length > 0 ? args[0] : "all";
    String impl = args.length > 1 ? args[1] : "dynconf";
    String file = args.length > 2 ? args[2] : "github.txt";
    RouteSet set = RouteSet.load(file);
    RouteMatcher matcher = RouteMatcher.create(impl, set.routes());
    RouteSetBenchmark.Cases cases = RouteSetBenchmark.Cases.of(set);
    cases.verify(impl, matcher);
    List<RouteMatcher.Lookup> lookups = cases.lookups(lookup);
    matcher.prepare(lookups);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int w = 0; w < WARMUP; w++) {
      run(matcher, lookups.size());
    }
    double[] ns = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      long t0 = threads.getCurrentThreadCpuTime();
      run(matcher, lookups.size());
      ns[r] = (threads.getCurrentThreadCpuTime() - t0) / (double) PER_ROUND;
    }
    Arrays.sort(ns);
    System.out.printf("%s %s: CPU ns per lookup: min %.1f, p25 %.1f, median %.1f%n",
        impl, lookup, ns[0], ns[ROUNDS / 4], ns[ROUNDS / 2]);
  }

  private static void run(RouteMatcher matcher, int n) {
    int i = 0;
    int sum = 0;
    for (long k = 0; k < PER_ROUND; k++) {
      sum += matcher.match(i);
      if (++i == n) {
        i = 0;
      }
    }
    sink += sum;
  }
}
