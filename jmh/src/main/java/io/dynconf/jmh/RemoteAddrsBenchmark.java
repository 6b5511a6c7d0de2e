package io.dynconf.jmh;

import io.dynconf.radix.MatchResult;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteSpec;
import io.dynconf.radix.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Routing on {@code remote_addrs}: one path served by three routes whose only difference is their
 * client ranges (an IPv4 list of 64 CIDR blocks, an IPv6 list of 64 blocks, and a catch-all
 * without ranges at a lower priority), so every lookup parses the client address and searches the
 * ranges. Four kinds of client, each invocation making {@value #LOOKUPS} lookups over 16 addresses
 * of that kind (the score is per lookup): an IPv4 address inside a block, an IPv4 address outside
 * every block (falls through to the catch-all), an IPv6 address inside a block, and an
 * IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}, as a dual-stack socket reports an IPv4 peer).
 * Run with {@code -prof gc}: the lookups should allocate nothing.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar RemoteAddrsBenchmark -prof gc -f 1 -wi 3 -w 1
 * -i 5 -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RemoteAddrsBenchmark {

  public static final int LOOKUPS = 256;
  private static final int CLIENTS = 16;

  private Router<Integer> router;
  private final MatchResult<Integer> result = new MatchResult<>();
  private RouteRequest[] v4Hits;
  private RouteRequest[] v4Misses;
  private RouteRequest[] v6Hits;
  private RouteRequest[] mappedHits;
  private int next;

  @Setup
  public void setUp() {
    List<String> v4 = new ArrayList<>();
    List<String> v6 = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      v4.add("10." + (i * 4) + ".0.0/16");
      v6.add("2001:db8:" + Integer.toHexString(i * 16) + "::/48");
    }
    router = Router.of(List.of(
        RouteSpec.builder("v4", 1).paths("/api/orders").remoteAddrs(v4).priority(2).build(),
        RouteSpec.builder("v6", 2).paths("/api/orders").remoteAddrs(v6).priority(1).build(),
        RouteSpec.builder("any", 3).paths("/api/orders").build()));
    v4Hits = requests(i -> "10." + (i * 16) + "." + i + "." + (i * 7 + 1), 1);
    v4Misses = requests(i -> "192.168." + i + "." + (i * 13 + 2), 3);
    v6Hits = requests(i -> "2001:db8:" + Integer.toHexString(i * 64) + ":" + i + "::" + Integer.toHexString(i * 911 + 5), 2);
    mappedHits = requests(i -> "::ffff:10." + (i * 16) + ".1." + (i + 20), 1);
  }

  private interface Address {
    String of(int i);
  }

  private RouteRequest[] requests(Address address, int expected) {
    RouteRequest[] out = new RouteRequest[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      out[i] = RouteRequest.of("GET", "/api/orders", "example.com", address.of(i));
      if (!router.match(out[i], result) || result.value() != expected) {
        throw new IllegalStateException("client " + address.of(i) + " matched "
            + (result.route() == null ? "nothing" : result.id()) + ", expected value " + expected);
      }
    }
    return out;
  }

  private void lookups(RouteRequest[] requests, Blackhole bh) {
    Router<Integer> r = router;
    MatchResult<Integer> res = result;
    int i = next;
    for (int k = 0; k < LOOKUPS; k++) {
      if (i >= CLIENTS) {
        i = 0;
      }
      bh.consume(r.match(requests[i++], res) ? res.value() : null);
    }
    next = i;
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void v4Hit(Blackhole bh) {
    lookups(v4Hits, bh);
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void v4Miss(Blackhole bh) {
    lookups(v4Misses, bh);
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void v6Hit(Blackhole bh) {
    lookups(v6Hits, bh);
  }

  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void mappedHit(Blackhole bh) {
    lookups(mappedHits, bh);
  }
}
