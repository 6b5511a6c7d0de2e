package io.dynconf.core;

import io.dynconf.core.source.InMemorySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Randomized: thousands of sequences of puts (valid and invalid), deletes, lost streams,
 * redeliveries and compactions against an in-memory source; after each sequence the registry must
 * equal a simple model of what should be served, rejected and pending.
 */
class ConfigRegistryModelTest {
  private static final int SEQUENCES = 1500;
  private static final int STEPS = 25;

  /**
   * The model: the last valid value per key, and which keys hold a rejected value. A key whose
   * current value is invalid serves its last good value only if the registry saw that value: a
   * relist shows only the current one. So for such a route the model allows both answers.
   */
  private static final class Model {
    final Map<String, String> accepted = new TreeMap<>(); // key -> uri (routes) or host (upstreams)
    final Map<String, String> routeUpstream = new HashMap<>(); // route key -> upstream id or null
    final Set<String> rejected = new HashSet<>();
    final Map<String, Set<String>> goodSinceDelete = new HashMap<>(); // route id -> every valid uri put since its last delete

    boolean uncertain(String routeId) {
      return rejected.contains("/apisix/routes/" + routeId);
    }

    Map<String, String> servedRoutes() {
      Map<String, String> out = new TreeMap<>();
      accepted.forEach((k, v) -> {
        if (k.startsWith("/apisix/routes/")) {
          String up = routeUpstream.get(k);
          if (up == null || accepted.containsKey("/apisix/upstreams/" + up)) {
            out.put(k.substring("/apisix/routes/".length()), v);
          }
        }
      });
      return out;
    }

    Set<String> pending() {
      Set<String> out = new HashSet<>();
      accepted.forEach((k, v) -> {
        String up = routeUpstream.get(k);
        if (k.startsWith("/apisix/routes/") && up != null && !accepted.containsKey("/apisix/upstreams/" + up)) {
          out.add(k);
        }
      });
      return out;
    }

    Map<String, String> servedUpstreams() {
      Map<String, String> out = new TreeMap<>();
      accepted.forEach((k, v) -> {
        if (k.startsWith("/apisix/upstreams/")) {
          out.put(k.substring("/apisix/upstreams/".length()), v);
        }
      });
      return out;
    }
  }

  @Test
  void theStoresAlwaysEqualTheModel() throws Exception {
    long seed = Long.getLong("dynconf.seed", Long.getLong("model.seed", new SecureRandom().nextLong()));
    System.out.println("ConfigRegistryModelTest.theStoresAlwaysEqualTheModel: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int sequence = 0; sequence < SEQUENCES; sequence++) {
      runSequence(random, "seed " + seed + ", sequence " + sequence);
    }
  }

  private void runSequence(Random random, String label) throws Exception {
    Model model = new Model();
    List<String> trace = new ArrayList<>();
    try (InMemorySource source = new InMemorySource("/apisix", 64);
        ConfigRegistry registry = ConfigRegistry.builder(source).types(TestTypes.all()).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build()) {
      // Some state before start, some after: the initial load and the watch must agree.
      int before = random.nextInt(5);
      for (int i = 0; i < before; i++) {
        trace.add(step(random, source, model));
      }
      trace.add("start");
      registry.start();
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).as(label).isTrue();
      for (int i = before; i < STEPS; i++) {
        trace.add(step(random, source, model));
      }
      label = label + "; steps: " + trace;
      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
          .until(() -> registry.status().appliedRevision() == source.revision()
          && registry.status().state() == ConfigRegistry.State.LIVE);

      ConfigSnapshot s = registry.snapshot();
      Map<String, String> routes = new TreeMap<>();
      s.store(TestTypes.ROUTES).items().forEach(i -> routes.put(i.id(), i.value().path("uri").asText()));
      Map<String, String> upstreams = new TreeMap<>();
      s.store(TestTypes.UPSTREAMS).items().forEach(i -> upstreams.put(i.id(), host(i.value())));
      // A route whose current value is invalid serves one of its earlier good values, or nothing
      // when a relist hid all of them; the other routes must match exactly.
      Map<String, String> expected = model.servedRoutes();
      Set<String> expectedPending = model.pending();
      for (int r = 0; r < 6; r++) {
        String id = "r" + r;
        if (model.uncertain(id)) {
          assertThat(routes.get(id)).as(label + ": " + id + " serves an earlier good value or nothing")
              .isIn(concat(model.goodSinceDelete.getOrDefault(id, Set.of()), null));
          routes.remove(id);
          expected.remove(id);
          expectedPending.remove("/apisix/routes/" + id);
        }
      }
      Set<String> actualPending = new HashSet<>(s.pending().keySet());
      actualPending.removeIf(k -> model.uncertain(k.substring("/apisix/routes/".length())));
      assertThat(routes).as(label + ": routes").isEqualTo(expected);
      assertThat(upstreams).as(label + ": upstreams").isEqualTo(model.servedUpstreams());
      assertThat(s.rejections().keySet()).as(label + ": rejections").isEqualTo(model.rejected);
      assertThat(actualPending).as(label + ": pending").isEqualTo(expectedPending);
    }
  }

  private static List<String> concat(Set<String> values, String extra) {
    List<String> out = new ArrayList<>(values);
    out.add(extra);
    return out;
  }

  private static String host(ObjectNode upstream) {
    String node = upstream.path("nodes").fieldNames().next();
    return node.substring(0, node.indexOf(':'));
  }

  /** One random operation on the source, mirrored in the model; returns what it did. */
  private static String step(Random random, InMemorySource source, Model model) {
    int op = random.nextInt(100);
    if (op < 40) {
      String key = "/apisix/routes/r" + random.nextInt(6);
      String uri = "/p" + random.nextInt(1000);
      String upstream = random.nextBoolean() ? "u" + random.nextInt(4) : null;
      source.put(key, upstream == null ? TestTypes.route(uri) : TestTypes.route(uri, upstream));
      model.accepted.put(key, uri);
      model.goodSinceDelete.computeIfAbsent(key.substring("/apisix/routes/".length()), k -> new HashSet<>()).add(uri);
      if (upstream == null) {
        model.routeUpstream.remove(key);
      } else {
        model.routeUpstream.put(key, upstream);
      }
      model.rejected.remove(key);
      return "put " + key + " " + uri + (upstream == null ? "" : " -> " + upstream) + " @" + source.revision();
    } else if (op < 55) {
      String key = "/apisix/upstreams/u" + random.nextInt(4);
      String host = "h" + random.nextInt(100);
      source.put(key, TestTypes.upstream(host));
      model.accepted.put(key, host);
      model.rejected.remove(key);
      return "put " + key + " " + host + " @" + source.revision();
    } else if (op < 67) {
      // Invalid values go to routes only: nothing refers to a route, so an uncertain route stays local.
      String key = "/apisix/routes/r" + random.nextInt(6);
      source.put(key, random.nextBoolean() ? "{not json" : "{\"uri\":\"relative\"}");
      model.rejected.add(key); // the previous good value, if any, keeps serving
      return "put invalid " + key + " @" + source.revision();
    } else if (op < 85) {
      String key = random.nextBoolean() ? "/apisix/routes/r" + random.nextInt(6) : "/apisix/upstreams/u" + random.nextInt(4);
      source.delete(key);
      model.goodSinceDelete.remove(key.substring(key.lastIndexOf('/') + 1));
      model.accepted.remove(key);
      model.routeUpstream.remove(key);
      model.rejected.remove(key);
      return "delete " + key + " @" + source.revision();
    } else if (op < 92) {
      source.resetWatches("model test: stream lost");
      return "reset";
    } else if (op < 97) {
      int n = 1 + random.nextInt(3);
      source.redeliverLast(n);
      return "redeliver " + n;
    } else {
      source.compact(source.revision());
      return "compact " + source.revision();
    }
  }
}
