package io.dynconf.jmh;

import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.BalancerRequest;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.Node;
import io.dynconf.radix.balance.Picker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one {@link Picker#pick} (no retry, every node healthy) for each balancer, over an
 * upstream of {@code nodes} nodes with weights 1 to 5. {@code chash} hashes a 36-character
 * {@code arg_user} from 1,024 pre-built requests (a new key every call). Two floors, labelled as
 * such and not balancers: {@code floor_modulo}, an {@code AtomicInteger} counter modulo the node
 * count (plain round robin, no weights, no health), and {@code floor_hash}, {@code
 * String.hashCode} of the same key modulo the node count (no weights, no consistency; the String
 * caches its hash after the first call, so this floor skips the hashing that {@code chash} does on
 * every call).
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar BalancerPickBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerPickBenchmark {
  @Param({"roundrobin", "chash", "ewma", "least_conn", "floor_modulo", "floor_hash"})
  public String balancer;

  @Param({"3", "100", "1000"})
  public int nodes;

  private Picker picker;
  private Node[] array;
  private final AtomicInteger counter = new AtomicInteger();
  private KeyRequest[] requests;
  private int next;
  private int mode;

  @Setup
  public void setUp() {
    List<Upstream.Node> list = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      list.add(new Upstream.Node("10.0." + (i / 250) + "." + (i % 250 + 1), 8080, 1 + i % 5, 0, Map.of()));
    }
    mode = balancer.equals("floor_modulo") ? 1 : balancer.equals("floor_hash") ? 2 : 0;
    String type = balancer.startsWith("floor") ? "roundrobin" : balancer;
    Upstream upstream = new Upstream("1", null, null, Map.of(), list, null, null, null, null, null, type, Map.of(), "vars",
        "arg_user", "http", null, Map.of(), null, "pass", null, null, null);
    picker = Balancers.create().picker("1", 1, upstream);
    array = picker.nodes().toArray(new Node[0]);
    requests = new KeyRequest[1024];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = new KeyRequest(java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)}).toString());
    }
  }

  @Benchmark
  public @Nullable Node pick() {
    KeyRequest request = requests[next++ & 1023];
    switch (mode) {
      case 1:
        return array[(counter.getAndIncrement() & Integer.MAX_VALUE) % array.length];
      case 2:
        return array[(request.key.hashCode() & Integer.MAX_VALUE) % array.length];
      default:
        return picker.pick(request, List.of());
    }
  }

  /** A request whose variables all read one fixed key. */
  static final class KeyRequest implements BalancerRequest {
    final String key;

    KeyRequest(String key) {
      this.key = new String(key.toCharArray());
    }

    @Override
    public @Nullable String var(String name) {
      return key;
    }

    @Override
    public @Nullable String header(String name) {
      return null;
    }

    @Override
    public @Nullable String cookie(String name) {
      return null;
    }

    @Override
    public @Nullable String consumer() {
      return null;
    }

    @Override
    public String clientAddress() {
      return "127.0.0.1";
    }
  }
}
