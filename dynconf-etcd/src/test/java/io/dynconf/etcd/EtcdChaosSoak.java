package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigStore;
import io.dynconf.etcd.testing.EtcdCluster;
import io.dynconf.etcd.testing.EtcdMember;
import io.dynconf.etcd.testing.TcpProxy;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos soak of issue 13, outside the default build (its name matches no surefire pattern):
 * three etcd members, two nodes (an {@link EtcdSource} and a {@link ConfigRegistry} each, each
 * reaching every member through proxies of its own), at least {@code soak.operations} writes
 * (puts, deletes, invalid values, multi-key transactions) for at least {@code soak.minutes}, while
 * faults fire: members killed (follower, leader), all members restarted, a member paused, etcd
 * compacted (also while a node is cut off), etcd wiped, a node cut off (connections reset, or
 * black-holed).
 *
 * <p>Checks: after each fault heals, both registries equal a model of etcd's valid values (per
 * key, the last valid value of its current life: the last-good rule), and etcd's keys equal the
 * model's; per key, the revisions a node serves never go backwards (except across a wipe); no
 * thread died; a node cut off reports a non-connected state within twice the threshold (twice the
 * progress interval) of the cut and connected within twice the threshold of the healing; killing
 * one member is not a cut (its non-connected stretches are reported). Figures are printed and
 * written to {@code target/soak-report.md}.
 *
 * <pre>
 * scripts/chaos-soak.sh                     # 10 minutes, at least 20,000 operations
 * scripts/chaos-soak.sh -Dsoak.minutes=1 -Dsoak.operations=2000 -Ddynconf.seed=42
 * </pre>
 */
@Tag("soak")
public class EtcdChaosSoak {
  /**
   * Builds a node the soak checks like its own: an etcd source and a registry (started) over
   * {@code endpoints}, the soak's TCP proxies for this node. {@code GatewayChaosSoak} adds the
   * example gateway this way.
   */
  public interface NodeFactory {
    Built build(String name, List<URI> endpoints) throws Exception;
  }

  /**
   * A node built by a {@link NodeFactory}: its source and registry, what to close, and the bound
   * for reporting a cut (twice the health threshold of its source's progress interval).
   */
  public record Built(EtcdSource source, ConfigRegistry registry, AutoCloseable owner, Duration bound) {}

  /** Nodes besides the soak's two registries; none by default. */
  protected List<NodeFactory> extraNodes() {
    return List.of();
  }

  private static final Duration PROGRESS = Duration.ofMillis(Long.getLong("soak.progressMillis", 1_000));
  private static final Duration THRESHOLD = PROGRESS.multipliedBy(2);
  private static final Duration BOUND = THRESHOLD.multipliedBy(2);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String U1 = "/apisix/upstreams/u1";
  private static final String[] FAULTS = {"kill-follower", "kill-leader", "restart-all", "pause", "compact", "compact-cut-off", "wipe",
      "cut-drop", "cut-blackhole"};

  private final Model model = new Model();
  private final Map<String, Integer> opCounts = new TreeMap<>();
  private final Map<String, Integer> faultCounts = new TreeMap<>();
  private final List<Long> convergeMillis = new ArrayList<>();
  private final List<Long> detectMillis = new ArrayList<>();
  private final List<Long> recoverMillis = new ArrayList<>();
  /** Per node: how many times it was cut off (the cut faults pick one node at random). */
  private final Map<String, Integer> cutsPerNode = new TreeMap<>();
  private final List<Long> memberKillStretchMillis = new ArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final List<String> nodeNames = new ArrayList<>();
  private final List<String> threadDeaths = new CopyOnWriteArrayList<>();
  private Random random;
  private SoakWriter writer;
  private int operations;
  private int wipes;
  private List<io.etcd.jetcd.KeyValue> lastRead = List.of();
  private final List<String> duplicates = new ArrayList<>();

  @Test
  @Timeout(value = 120, unit = TimeUnit.MINUTES)
  public void chaos() throws Exception {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    int minutes = Integer.getInteger("soak.minutes", 10);
    int minOperations = Integer.getInteger("soak.operations", 20_000);
    System.out.println("EtcdChaosSoak: seed " + seed + " (replay the draws with -Ddynconf.seed=" + seed + "), " + minutes + " min, "
        + minOperations + " operations at least, progress interval " + PROGRESS.toMillis() + " ms");
    random = new Random(seed);
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> threadDeaths.add(t.getName() + ": " + e));
    Instant started = Instant.now();
    List<Node> nodes = new ArrayList<>();
    try (EtcdCluster etcd = EtcdCluster.builder().members(3).start()) {
      writer = new SoakWriter(etcd::directEndpoints);
      put(U1, upstream(1), true);
      for (int i = 0; i < 2; i++) {
        nodes.add(new Node("node" + i, etcd, null));
      }
      List<NodeFactory> extra = extraNodes();
      for (int i = 0; i < extra.size(); i++) {
        nodes.add(new Node("extra" + i, etcd, extra.get(i)));
      }
      nodes.forEach(n -> nodeNames.add(n.name));
      for (Node n : nodes) {
        assertThat(n.registry.awaitReady(Duration.ofSeconds(30))).as(n.name + " ready").isTrue();
      }
      converge(nodes, "start");
      int firstPids = applyThreads();

      List<String> round = new ArrayList<>(List.of(FAULTS));
      Collections.shuffle(round, random);
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
      long nextFault = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < end || operations < minOperations || !round.isEmpty()) {
        if (System.nanoTime() >= nextFault) {
          String fault = round.isEmpty() ? FAULTS[random.nextInt(FAULTS.length)] : round.remove(0);
          inject(fault, etcd, nodes);
          faultCounts.merge(fault, 1, Integer::sum);
          etcd.heal();
          writer.all();
          converge(nodes, fault);
          if (fault.equals("wipe")) {
            // Revisions start over: the new u1 may have the old one's mod revision; it must still be the new value.
            for (Node n : nodes) {
              ConfigItem<?> u1 = n.registry.store(io.dynconf.core.apisix.StandardTypes.UPSTREAMS).item("u1");
              String port = "port=" + (8010 + wipes);
              if (u1 == null || !String.valueOf(u1.value()).contains(port)) {
                problems.add("after wipe " + wipes + ": " + n.name + " serves u1 " + (u1 == null ? "null" : u1.value() + " at " + u1.modRevision())
                    + ", not the new value with " + port + " (a value from before the wipe, at the same mod revision)");
              }
            }
          }
          nextFault = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(8_000 + random.nextInt(12_000));
          System.out.println("EtcdChaosSoak: " + Duration.between(started, Instant.now()).toSeconds() + " s, " + operations + " operations, faults "
              + faultCounts);
        } else {
          operation();
        }
      }
      etcd.heal();
      converge(nodes, "final");
      for (Node n : nodes) {
        ConfigRegistry.State state = n.registry.status().state();
        if (state != ConfigRegistry.State.LIVE) {
          problems.add(n.name + " ends " + state + ": " + n.registry.status());
        }
        problems.addAll(n.violations);
      }
      if (applyThreads() != firstPids) {
        threadDeaths.add("apply threads alive: " + applyThreads() + ", at start " + firstPids);
      }
      String report = report(seed, minutes, started);
      System.out.println(report);
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "soak-report.md"), report);
      for (Node n : nodes) {
        n.close();
      }
      nodes.clear();
    } finally {
      for (Node n : nodes) {
        n.close();
      }
      if (writer != null) {
        writer.close();
      }
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
    assertThat(threadDeaths).as("threads that died").isEmpty();
    assertThat(problems).as("problems, seed " + seed).isEmpty();
  }

  // ---- operations

  private void operation() {
    int roll = random.nextInt(100);
    String key = randomKey();
    if (roll < 55) {
      put(key, valid(key), true);
      count("put");
    } else if (roll < 70) {
      delete(key);
      count("delete");
    } else if (roll < 82) {
      put(key, invalid(key), false);
      count("invalid");
    } else {
      txn();
      count("txn");
    }
  }

  private void count(String kind) {
    operations++;
    opCounts.merge(kind, 1, Integer::sum);
  }

  private String randomKey() {
    return random.nextInt(5) == 0 ? "/apisix/upstreams/u" + (2 + random.nextInt(30)) : "/apisix/routes/r" + random.nextInt(150);
  }

  private static String valid(String key) {
    return key.contains("/upstreams/") ? upstream(1 + (int) (System.nanoTime() % 9)) : "{\"uri\":\"/" + key.substring(key.lastIndexOf('/') + 1)
        + "/" + System.nanoTime() + "\",\"upstream_id\":\"u1\"}";
  }

  private String invalid(String key) {
    if (random.nextInt(4) == 0) {
      return "{not json";
    }
    return key.contains("/upstreams/") ? "{\"nodes\":\"x\"}" : "{\"uri\":5,\"upstream_id\":\"u1\"}";
  }

  private static String upstream(int port) {
    return "{\"nodes\":{\"127.0.0.1:" + (8000 + port) + "\":1}}";
  }

  private void put(String key, String value, boolean valid) {
    long revision = writer.put(key, value);
    model.put(key, valid, revision);
    model.lastValue.put(key, value);
  }

  private void delete(String key) {
    model.delete(key, writer.delete(key));
  }

  private void txn() {
    Map<String, @Nullable String> ops = new LinkedHashMap<>();
    Map<String, Boolean> validity = new HashMap<>();
    int n = 2 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      String key = randomKey();
      if (ops.containsKey(key)) {
        continue; // etcd refuses a transaction that changes one key twice
      }
      int roll = random.nextInt(10);
      if (roll < 6) {
        ops.put(key, valid(key));
        validity.put(key, true);
      } else if (roll < 8) {
        ops.put(key, invalid(key));
        validity.put(key, false);
      } else {
        ops.put(key, null);
      }
    }
    long revision = writer.txn(ops);
    ops.forEach((k, v) -> {
      if (v == null) {
        model.delete(k, revision);
      } else {
        model.put(k, validity.get(k), revision);
        model.lastValue.put(k, v);
      }
    });
  }

  /** Writes for a while (during a fault). */
  private void writeFor(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      operation();
    }
  }

  // ---- faults

  private void inject(String fault, EtcdCluster etcd, List<Node> nodes) throws Exception {
    System.out.println("EtcdChaosSoak: fault " + fault);
    switch (fault) {
      case "kill-follower", "kill-leader" -> {
        long start = System.nanoTime();
        EtcdMember m = fault.equals("kill-leader") ? etcd.leader() : etcd.followers().get(random.nextInt(2));
        m.kill();
        writeFor(Duration.ofSeconds(3 + random.nextInt(5)));
        long stop = System.nanoTime();
        for (Node n : nodes) {
          memberKillStretchMillis.add(n.longestNotConnected(start, stop));
        }
      }
      case "restart-all" -> {
        for (EtcdMember m : etcd.members()) {
          m.stop();
        }
        // nothing can be written; the nodes serve the last good data
      }
      case "pause" -> {
        EtcdMember m = etcd.member(random.nextInt(3));
        // The writer leaves the paused member out: a request queued in it would be applied after its
        // retry (a second, later write the writer never saw).
        writer.only(etcd.members().stream().filter(o -> o != m).map(EtcdMember::directEndpoint).toList());
        m.pause();
        writeFor(Duration.ofSeconds(2 + random.nextInt(6)));
      }
      case "compact" -> {
        writeFor(Duration.ofSeconds(1));
        etcd.compact();
        writeFor(Duration.ofSeconds(1));
      }
      case "compact-cut-off" -> {
        Node cut = nodes.get(random.nextInt(nodes.size()));
        cut.cut(true);
        await(cut, false, Duration.ofSeconds(30));
        long applied = cut.source.status().appliedRevision(); // what it saw before the cut
        writeFor(Duration.ofSeconds(1 + random.nextInt(3)));
        Map<String, Kv> atCompaction = model.copy();
        long compacted = etcd.compact();
        cut.gap = new long[] {applied, compacted};
        cut.stateAtGap = atCompaction;
        writeFor(Duration.ofMillis(200)); // some changes after the compaction (invalid ones among them)
        cut.pass();
        writeFor(Duration.ofSeconds(1));
      }
      case "wipe" -> {
        etcd.wipe();
        model.clear();
        writer.redial();
        wipes++;
        put(U1, upstream(10 + wipes), true);
        for (Node n : nodes) { // each relists the new cluster
          n.base.listing(model.copy());
          n.gap = null;
        }
        model.recent.clear();
      }
      case "cut-drop", "cut-blackhole" -> {
        Node cut = nodes.get(random.nextInt(nodes.size()));
        cutsPerNode.merge(cut.name, 1, Integer::sum);
        await(cut, true, Duration.ofSeconds(30)); // connected before the cut, or the detection time means nothing
        long at = System.nanoTime();
        cut.cut(fault.equals("cut-drop"));
        long detected = awaitMillis(cut, false, at, Duration.ofSeconds(30));
        detectMillis.add(detected);
        if (detected > cut.bound.toMillis()) {
          problems.add(cut.name + " cut off (" + fault + ") reported not connected only after " + detected + " ms (bound " + cut.bound.toMillis() + " ms)");
        }
        writeFor(Duration.ofSeconds(2 + random.nextInt(6)));
        long healed = System.nanoTime();
        cut.pass();
        long recovered = awaitMillis(cut, true, healed, Duration.ofSeconds(30));
        recoverMillis.add(recovered);
        if (recovered > cut.bound.toMillis()) {
          problems.add(cut.name + " healed (" + fault + ") reported connected only after " + recovered + " ms (bound " + cut.bound.toMillis() + " ms)");
        }
      }
      default -> throw new IllegalArgumentException(fault);
    }
  }

  private static void await(Node n, boolean connected, Duration atMost) {
    awaitMillis(n, connected, System.nanoTime(), atMost);
  }

  /** Millis from {@code since} until the node's source is (or is not) connected; the whole wait when it never was. */
  private static long awaitMillis(Node n, boolean connected, long since, Duration atMost) {
    long deadline = since + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      if ((n.source.status().state() == EtcdStatus.State.CONNECTED) == connected) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
      }
      try {
        Thread.sleep(10); // sampling the status: the measured figure is the point
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return atMost.toMillis();
  }

  // ---- convergence

  private void converge(List<Node> nodes, String after) throws Exception {
    long start = System.nanoTime();
    Map<String, Kv> truth = etcdState();
    reconcileDuplicates(truth, after);
    if (!truth.keySet().equals(model.present())) {
      problems.add("after " + after + ": the model's keys differ from etcd's: model-only " + minus(model.present(), truth.keySet())
          + ", etcd-only " + minus(truth.keySet(), model.present()));
    } else {
      for (Map.Entry<String, Kv> e : truth.entrySet()) {
        Kv m = model.kvs.get(e.getKey());
        if (m.modRevision() != e.getValue().modRevision()) {
          problems.add("after " + after + ": the model has " + e.getKey() + " at " + m.modRevision() + ", etcd at " + e.getValue().modRevision());
        }
      }
    }
    Map<Node, Map<String, Long>> expected = new HashMap<>();
    for (Node n : nodes) {
      expected.put(n, n.expected(model.recent).served());
    }
    long deadline = start + CONVERGE.toNanos();
    List<Node> pending = new ArrayList<>(nodes);
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      pending.removeIf(n -> n.held().equals(expected.get(n)));
      if (!pending.isEmpty()) {
        Thread.sleep(10);
      }
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    convergeMillis.add(took);
    for (Node n : pending) {
      Map<String, Long> held = n.held();
      Map<String, Long> want = expected.get(n);
      List<String> diff = new ArrayList<>();
      for (String k : union(held.keySet(), want.keySet())) {
        if (!java.util.Objects.equals(held.get(k), want.get(k))) {
          diff.add(k + " held " + held.get(k) + " expected " + want.get(k) + " etcd " + truth.get(k));
        }
      }
      String shown = diff.size() <= 10 ? diff.toString() : diff.subList(0, 10) + " and " + (diff.size() - 10) + " more";
      problems.add("after " + after + ": " + n.name + " did not converge within " + CONVERGE + ": " + diff.size() + " keys differ: " + shown
          + (n.gap != null ? "; gap " + n.gap[0] + ".." + n.gap[1] : "") + "; status " + n.registry.status() + " / " + n.source.status());
    }
    for (Node n : nodes) { // the next check starts from what each node should serve now
      n.base = n.expected(model.recent);
      n.gap = null;
      n.stateAtGap = null;
    }
    model.recent.clear();
  }

  /**
   * A write the writer retried after a timeout can be applied twice, the first attempt after the
   * retry (it sat in a member that was slow or paused): etcd then holds the same bytes at a later
   * revision than the writer saw. The nodes must follow etcd, so the model takes that later
   * revision as one more change (counted in the report).
   */
  private void reconcileDuplicates(Map<String, Kv> truth, String after) {
    Map<String, String> values = new HashMap<>();
    for (io.etcd.jetcd.KeyValue kv : lastRead) {
      values.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
    }
    for (Map.Entry<String, Kv> e : truth.entrySet()) {
      Kv m = model.kvs.get(e.getKey());
      if (m != null && m.modRevision() < e.getValue().modRevision() && e.getValue().createRevision() == m.createRevision()
          && values.get(e.getKey()).equals(model.lastValue.get(e.getKey()))) {
        model.put(e.getKey(), m.valid(), e.getValue().modRevision());
        duplicates.add("after " + after + ": " + e.getKey() + " written at " + m.modRevision() + " again at " + e.getValue().modRevision());
      }
    }
  }

  private Map<String, Kv> etcdState() {
    Map<String, Kv> out = new TreeMap<>();
    lastRead = writer.read();
    for (io.etcd.jetcd.KeyValue kv : lastRead) {
      String value = kv.getValue().toString(StandardCharsets.UTF_8);
      boolean valid = !value.startsWith("{not") && !value.contains("\"nodes\":\"x\"") && !value.contains("\"uri\":5");
      out.put(kv.getKey().toString(StandardCharsets.UTF_8), new Kv(kv.getModRevision(), kv.getCreateRevision(), valid));
    }
    return out;
  }

  private static List<String> minus(java.util.Set<String> a, java.util.Set<String> b) {
    List<String> out = new ArrayList<>(a);
    out.removeAll(b);
    return out;
  }

  private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.Set<String> out = new java.util.TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  private static int applyThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("dynconf-apply") && t.isAlive()) {
        n++;
      }
    }
    return n;
  }

  // ---- the report

  private String report(long seed, int minutes, Instant started) {
    Duration took = Duration.between(started, Instant.now());
    int faults = faultCounts.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder sb = new StringBuilder();
    sb.append("| figure | value |\n|---|---|\n");
    sb.append("| seed | ").append(seed).append(" |\n");
    sb.append("| duration | ").append(took.toMinutes()).append(" min ").append(took.toSecondsPart()).append(" s (asked: ").append(minutes).append(" min) |\n");
    sb.append("| operations | ").append(operations).append(" ").append(opCounts).append(" |\n");
    sb.append("| faults | ").append(faults).append(" ").append(faultCounts).append(" |\n");
    sb.append("| nodes, and cuts per node | ").append(nodeNames).append(", cut ").append(cutsPerNode)
        .append(" (extra nodes: ").append(extraNodes().size()).append(") |\n");
    sb.append("| convergence after a fault heals, p50 / p90 / max | ").append(percentiles(convergeMillis)).append(" (").append(convergeMillis.size())
        .append(" checks) |\n");
    sb.append("| cut off: not connected after, p50 / p90 / max | ").append(percentiles(detectMillis)).append(" (bound ").append(BOUND.toMillis())
        .append(" ms) |\n");
    sb.append("| healed: connected after, p50 / p90 / max | ").append(percentiles(recoverMillis)).append(" (bound ").append(BOUND.toMillis())
        .append(" ms) |\n");
    sb.append("| member killed: longest not-connected stretch per node, p50 / p90 / max | ").append(percentiles(memberKillStretchMillis))
        .append(" (threshold ").append(THRESHOLD.toMillis()).append(" ms) |\n");
    sb.append("| lost or wrong at a convergence check | ").append(problems.stream().filter(p -> p.contains("did not converge")).count()).append(" |\n");
    sb.append("| other problems (revisions backwards, bounds, model) | ").append(problems.stream().filter(p -> !p.contains("did not converge")).count())
        .append(" |\n");
    sb.append("| threads that died | ").append(threadDeaths.size()).append(" |\n");
    sb.append("| writes applied twice by etcd (a retried write's first attempt applied later; nodes must follow) | ").append(duplicates.size())
        .append(" |\n");
    for (String d : duplicates) {
      sb.append("\nduplicate: ").append(d);
    }
    for (String p : problems) {
      sb.append("\nproblem: ").append(p);
    }
    for (String d : threadDeaths) {
      sb.append("\nthread died: ").append(d);
    }
    return sb.toString();
  }

  private static String percentiles(List<Long> values) {
    if (values.isEmpty()) {
      return "-";
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2) + " / " + sorted.get(Math.min(sorted.size() - 1, sorted.size() * 9 / 10)) + " / " + sorted.get(sorted.size() - 1)
        + " ms";
  }

  // ---- the model: etcd's state, and what each node must serve

  /** One change: a put (valid or not) or a delete of a key at a revision, with the key's create revision. */
  private record Change(long revision, String key, boolean delete, boolean valid, long createRevision) {}

  /** etcd's state per key: mod and create revision, and whether the value is valid. */
  private record Kv(long modRevision, long createRevision, boolean valid) {}

  /** etcd's content as the writer made it (the writer is the only one). */
  private static final class Model {
    private final Map<String, Kv> kvs = new TreeMap<>();
    /** The value of each key's last put: a delayed duplicate of it is recognised by its bytes. */
    private final Map<String, String> lastValue = new HashMap<>();
    /** Changes since the last convergence check. */
    private final List<Change> recent = new ArrayList<>();

    void put(String key, boolean valid, long revision) {
      Kv held = kvs.get(key);
      long create = held == null ? revision : held.createRevision();
      kvs.put(key, new Kv(revision, create, valid));
      recent.add(new Change(revision, key, false, valid, create));
    }

    void delete(String key, long revision) {
      if (kvs.remove(key) != null) {
        recent.add(new Change(revision, key, true, false, 0));
      }
    }

    void clear() {
      kvs.clear();
      recent.clear();
    }

    Map<String, Kv> copy() {
      return new TreeMap<>(kvs);
    }

    java.util.Set<String> present() {
      return kvs.keySet();
    }
  }

  /**
   * What one node must serve, by the registry's rules: a valid value is served; an invalid one is
   * reported and keeps the last valid value of the same life (same create revision) serving; a
   * listing is applied as the difference from what was seen.
   */
  private static final class Expected {
    private final Map<String, Long> seen = new TreeMap<>(); // key -> newest mod revision seen, valid or not
    private final Map<String, Kv> served = new TreeMap<>();

    Expected copy() {
      Expected e = new Expected();
      e.seen.putAll(seen);
      e.served.putAll(served);
      return e;
    }

    void apply(Change c) {
      if (c.delete()) {
        seen.remove(c.key());
        served.remove(c.key());
        return;
      }
      put(c.key(), new Kv(c.revision(), c.createRevision(), c.valid()));
    }

    private void put(String key, Kv kv) {
      seen.put(key, kv.modRevision());
      if (kv.valid()) {
        served.put(key, kv);
      } else {
        Kv held = served.get(key);
        if (held != null && held.createRevision() != kv.createRevision()) {
          served.remove(key); // a new life without a valid value
        }
      }
    }

    void listing(Map<String, Kv> state) {
      for (Map.Entry<String, Kv> e : state.entrySet()) {
        Long held = seen.get(e.getKey());
        if (held == null || held != e.getValue().modRevision()) {
          put(e.getKey(), e.getValue());
        }
      }
      for (String key : new ArrayList<>(seen.keySet())) {
        if (!state.containsKey(key)) {
          seen.remove(key);
          served.remove(key);
        }
      }
    }

    Map<String, Long> served() {
      Map<String, Long> out = new TreeMap<>();
      served.forEach((k, v) -> out.put(k, v.modRevision()));
      return out;
    }
  }

  // ---- a node: its own proxies to every member, a source and a registry

  private final class Node implements AutoCloseable {
    final String name;
    final List<TcpProxy> proxies = new ArrayList<>();
    final EtcdSource source;
    final ConfigRegistry registry;
    final AutoCloseable owner;
    final Duration bound;
    final List<String> violations = new CopyOnWriteArrayList<>();
    final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    /** State transitions of the source: nanoTime and connected. */
    final List<long[]> transitions = new CopyOnWriteArrayList<>();
    final AtomicBoolean sampling = new AtomicBoolean(true);
    final Thread sampler;
    /** What the node serves at the last convergence check; the model's recent changes apply on top. */
    Expected base = new Expected();
    /** A gap in what the node saw: it applied up to {@code [0]}, then relisted at {@code [1]} (compaction while cut off). */
    long @Nullable [] gap;
    @Nullable Map<String, Kv> stateAtGap;

    /** What the node must serve now. */
    Expected expected(List<Change> recent) {
      Expected e = base.copy();
      long[] g = gap;
      List<Change> ordered = new ArrayList<>(recent);
      ordered.sort(java.util.Comparator.comparingLong(Change::revision)); // stable: a transaction keeps its order
      for (Change c : ordered) {
        if (g != null && c.revision() > g[0] && c.revision() <= g[1]) {
          continue; // compacted before the node saw it
        }
        if (g != null && c.revision() > g[1] && stateAtGap != null) {
          e.listing(stateAtGap);
          g = null;
        }
        e.apply(c);
      }
      if (g != null && stateAtGap != null) {
        e.listing(stateAtGap);
      }
      return e;
    }

    Node(String name, EtcdCluster etcd, @Nullable NodeFactory factory) throws Exception {
      this.name = name;
      List<URI> endpoints = new ArrayList<>();
      for (EtcdMember m : etcd.members()) {
        TcpProxy p = TcpProxy.to(name + "-" + m.name(), () -> {
          URI u = m.directEndpoint();
          return new InetSocketAddress(u.getHost(), u.getPort());
        });
        proxies.add(p);
        endpoints.add(p.uri());
      }
      if (factory == null) {
        source = EtcdSource.builder().endpoints(endpoints).progressInterval(PROGRESS).requestTimeout(Duration.ofSeconds(3))
            .backoff(Duration.ofMillis(50), Duration.ofSeconds(1)).build();
        registry = ConfigRegistry.builder(source).backoff(Duration.ofMillis(50), Duration.ofSeconds(1)).build();
        owner = () -> {
          registry.close();
          source.close();
        };
        bound = BOUND;
      } else {
        Built built = factory.build(name, endpoints);
        source = built.source();
        registry = built.registry();
        owner = built.owner();
        bound = built.bound();
      }
      registry.addListener(u -> {
        if (u.current().revision() < u.previous().revision()) {
          lastSeen.clear(); // etcd was wiped: revisions start over
          return;
        }
        for (ConfigStore<?> before : u.previous().stores()) {
          ConfigStore<?> after = u.current().store(before.type().name());
          if (after.version() < before.version()) {
            violations.add(name + ": store " + before.type().name() + " version " + before.version() + " -> " + after.version());
          }
        }
        for (ConfigStore<?> store : u.current().stores()) {
          for (ConfigItem<?> item : store.items()) {
            String key = item.key().toKey();
            Long seen = lastSeen.put(key, item.modRevision());
            if (seen != null && item.modRevision() < seen) {
              violations.add(name + ": " + key + " served revision " + item.modRevision() + " after " + seen);
            }
          }
        }
      });
      if (factory == null) {
        registry.start();
      }
      sampler = new Thread(this::sample, "soak-sampler-" + name);
      sampler.setDaemon(true);
      sampler.start();
    }

    private void sample() {
      Boolean last = null;
      while (sampling.get()) {
        boolean connected = source.status().state() == EtcdStatus.State.CONNECTED;
        if (last == null || last != connected) {
          transitions.add(new long[] {System.nanoTime(), connected ? 1 : 0});
          last = connected;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** The longest stretch in [from, to] the source was not connected, in millis. */
    long longestNotConnected(long from, long to) {
      long longest = 0;
      long downSince = -1;
      boolean connectedAtFrom = true;
      for (long[] t : transitions) {
        if (t[0] <= from) {
          connectedAtFrom = t[1] == 1;
        }
      }
      if (!connectedAtFrom) {
        downSince = from;
      }
      for (long[] t : transitions) {
        if (t[0] <= from || t[0] > to) {
          continue;
        }
        if (t[1] == 0 && downSince < 0) {
          downSince = t[0];
        } else if (t[1] == 1 && downSince >= 0) {
          longest = Math.max(longest, t[0] - downSince);
          downSince = -1;
        }
      }
      if (downSince >= 0) {
        longest = Math.max(longest, to - downSince);
      }
      return TimeUnit.NANOSECONDS.toMillis(longest);
    }

    void cut(boolean drop) {
      for (TcpProxy p : proxies) {
        if (drop) {
          p.drop();
        } else {
          p.blackhole();
        }
      }
    }

    void pass() {
      proxies.forEach(TcpProxy::pass);
    }

    Map<String, Long> held() {
      Map<String, Long> held = new TreeMap<>();
      for (ConfigStore<?> store : registry.snapshot().stores()) {
        for (ConfigItem<?> item : store.items()) {
          held.put(item.key().toKey(), item.modRevision());
        }
      }
      return held;
    }

    @Override
    public void close() {
      sampling.set(false);
      sampler.interrupt();
      try {
        owner.close();
      } catch (Exception e) {
        problems.add(name + " did not close: " + e);
      }
      proxies.forEach(TcpProxy::close);
    }
  }

  // ---- the writer: straight to the members, retrying until etcd answers; returns revisions

  private static final class SoakWriter implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private final java.util.function.Supplier<List<URI>> endpoints;
    private Client client;
    private int failuresInARow;
    private @Nullable List<URI> chosen;

    SoakWriter(java.util.function.Supplier<List<URI>> endpoints) {
      this.endpoints = endpoints;
      this.client = dial();
    }

    long put(String key, String value) {
      return retry(() -> client.getKVClient().put(bytes(key), bytes(value)).get(2, TimeUnit.SECONDS).getHeader().getRevision());
    }

    long delete(String key) {
      return retry(() -> client.getKVClient().delete(bytes(key)).get(2, TimeUnit.SECONDS).getHeader().getRevision());
    }

    long txn(Map<String, @Nullable String> ops) {
      List<Op> list = new ArrayList<>();
      ops.forEach((k, v) -> list.add(v == null ? Op.delete(bytes(k), DeleteOption.DEFAULT) : Op.put(bytes(k), bytes(v), PutOption.DEFAULT)));
      return retry(() -> client.getKVClient().txn().Then(list.toArray(Op[]::new)).commit().get(2, TimeUnit.SECONDS).getHeader().getRevision());
    }

    List<io.etcd.jetcd.KeyValue> read() {
      return retry(() -> client.getKVClient().get(bytes("/apisix/"), GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getKvs());
    }

    void redial() {
      client.close();
      client = dial();
      failuresInARow = 0;
    }

    /** Writes through these members only, until {@link #all()}. */
    void only(List<URI> some) {
      chosen = some;
      redial();
    }

    void all() {
      chosen = null;
      redial();
    }

    private interface Attempt<T> {
      T run() throws Exception;
    }

    private <T> T retry(Attempt<T> attempt) {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      Exception last = null;
      while (System.nanoTime() < deadline) {
        try {
          T answer = attempt.run();
          failuresInARow = 0;
          return answer;
        } catch (Exception e) {
          last = e;
          if (++failuresInARow % 3 == 0) {
            redial();
          }
          try {
            Thread.sleep(50); // etcd is electing or restarting: try again shortly
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ie);
          }
        }
      }
      throw new IllegalStateException("etcd did not take a write within " + TIMEOUT, last);
    }

    private Client dial() {
      List<URI> to = chosen != null ? chosen : endpoints.get();
      return Client.builder().endpoints(to.toArray(URI[]::new)).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @Override
    public void close() {
      client.close();
    }

    private static ByteSequence bytes(String s) {
      return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
  }
}
