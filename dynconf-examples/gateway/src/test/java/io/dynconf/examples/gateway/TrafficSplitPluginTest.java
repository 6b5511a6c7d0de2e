package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * APISIX's traffic-split through a real gateway and real upstreams: the route's own upstream is
 * {@code web}; {@code blue} and {@code green} are stored upstreams of their own backends.
 */
class TrafficSplitPluginTest extends PluginGatewayTest {
  private final List<Backend> extra = new ArrayList<>();
  private Backend blue;
  private Backend green;

  @BeforeEach
  void start() throws Exception {
    blue = backend("blue");
    green = backend("green");
    gw.put("/apisix/admin/upstreams/blue", "{\"nodes\":{\"" + blue.node() + "\":1}}", 201);
    gw.put("/apisix/admin/upstreams/green", "{\"nodes\":{\"" + green.node() + "\":1}}", 201);
  }

  private Backend backend(String name) throws Exception {
    Backend b = new Backend(name);
    extra.add(b);
    return b;
  }

  @AfterEach
  void stop() {
    extra.forEach(Backend::close);
  }

  /** Which backend answered GET {@code path}. */
  private String who(String path, String... headers) throws Exception {
    HttpResponse<String> r = gw.get(path, headers);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    return r.body().substring(0, r.body().indexOf(' '));
  }

  private Map<String, Integer> count(String path, int n) throws Exception {
    Map<String, Integer> m = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      m.merge(who(path), 1, Integer::sum);
    }
    return m;
  }

  private void awaitBody(String path, String prefix, String... headers) {
    await().atMost(PluginGateway.WAIT).until(() -> {
      HttpResponse<String> r = gw.get(path, headers);
      return r.statusCode() == 200 && r.body().startsWith(prefix);
    });
  }

  private static String inline(Backend b) {
    return "{\"type\":\"roundrobin\",\"nodes\":{\"" + b.node() + "\":1}}";
  }

  @Test
  void weightsSplitExactlyOverUpstreamIdInlineUpstreamAndTheRoutesOwn() throws Exception {
    Backend red = backend("red");
    gw.route("w", "/w", "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":["
        + "{\"upstream_id\":\"blue\",\"weight\":3},{\"upstream\":" + inline(red) + ",\"weight\":2},{\"weight\":1},"
        + "{\"upstream_id\":\"green\",\"weight\":0}]}]}");
    gw.awaitStatus("/w", 200);
    // any window of whole rounds (3+2+1 = 6 picks) holds each entry weight times, wherever the round starts
    assertThat(count("/w", 60)).isEqualTo(Map.of("blue", 30, "red", 20, "web", 10));
    assertThat(green.hits.get()).isZero(); // weight 0: no traffic
  }

  @Test
  void integerUpstreamIdAndWeightsWithACommonDivisor() throws Exception {
    gw.put("/apisix/admin/upstreams/7", "{\"nodes\":{\"" + blue.node() + "\":1}}", 201);
    gw.route("n", "/n", "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":["
        + "{\"upstream_id\":7,\"weight\":40},{\"weight\":20}]}]}");
    gw.awaitStatus("/n", 200);
    assertThat(count("/n", 30)).isEqualTo(Map.of("blue", 20, "web", 10));
  }

  @Test
  void everyWeightZeroSplitsEvenlyAsLuaRestyBalancerDoes() throws Exception {
    gw.route("z", "/z", "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":["
        + "{\"upstream_id\":\"blue\",\"weight\":0},{\"weight\":0}]}]}");
    gw.awaitStatus("/z", 200);
    assertThat(count("/z", 10)).isEqualTo(Map.of("blue", 5, "web", 5));
  }

  @Test
  void matchRulesPickTheFirstMatchingRuleElseTheRoutesUpstream() throws Exception {
    gw.route("m", "/m", "\"traffic-split\":{\"rules\":["
        + "{\"match\":[{\"vars\":[[\"arg_name\",\"==\",\"jack\"],[\"http_user-id\",\">\",\"23\"]]}],"
        + "\"weighted_upstreams\":[{\"upstream_id\":\"blue\"}]},"
        + "{\"match\":[{\"vars\":[[\"http_x-api\",\"==\",\"v2\"]]},{\"vars\":[[\"arg_v\",\"==\",\"2\"]]}],"
        + "\"weighted_upstreams\":[{\"upstream_id\":\"green\",\"weight\":1}]}]}");
    awaitBody("/m?name=jack", "blue", "User-Id", "30");
    assertThat(who("/m?name=jack", "User-Id", "30")).isEqualTo("blue");
    assertThat(who("/m?name=jack", "User-Id", "20")).isEqualTo("web"); // vars are ANDed
    assertThat(who("/m?name=jack")).isEqualTo("web");
    assertThat(who("/m?v=2")).isEqualTo("green"); // match entries are ORed
    assertThat(who("/m", "X-Api", "v2")).isEqualTo("green");
    assertThat(who("/m?name=jack&v=2", "User-Id", "30")).isEqualTo("blue"); // the first rule wins
    assertThat(who("/m")).isEqualTo("web"); // no rule matched
  }

  @Test
  void aRuleWithoutMatchOrWithoutVarsMatchesEverythingAndMissingWeightedUpstreamsMeansTheRoutesOwn() throws Exception {
    gw.route("a", "/a", "\"traffic-split\":{\"rules\":[{\"match\":[{\"vars\":[[\"arg_x\",\"==\",\"1\"]]}]},"
        + "{\"weighted_upstreams\":[{\"upstream_id\":\"blue\"}]}]}");
    gw.route("b", "/b", "\"traffic-split\":{\"rules\":[{\"match\":[{}],\"weighted_upstreams\":[{\"upstream_id\":\"green\"}]}]}");
    gw.route("e", "/e", "\"traffic-split\":{}");
    gw.route("r", "/r", "\"traffic-split\":{\"rules\":[]}");
    awaitBody("/a", "blue");
    assertThat(who("/a?x=1")).isEqualTo("web"); // matched a rule whose default entry is the route's upstream
    assertThat(who("/a")).isEqualTo("blue");
    awaitBody("/b", "green");
    gw.awaitStatus("/e", 200);
    assertThat(who("/e")).isEqualTo("web");
    gw.awaitStatus("/r", 200);
    assertThat(who("/r")).isEqualTo("web");
  }

  @Test
  void anEmptyMatchArrayKeepsTheLoopsLastResultAsApisixDoes() throws Exception {
    gw.route("f", "/f", "\"traffic-split\":{\"rules\":[{\"match\":[],\"weighted_upstreams\":[{\"upstream_id\":\"blue\"}]}]}");
    gw.route("s", "/s", "\"traffic-split\":{\"rules\":[{\"match\":[{\"vars\":[[\"arg_x\",\"==\",\"1\"]]}],"
        + "\"weighted_upstreams\":[{\"upstream_id\":\"green\"}]},{\"match\":[],\"weighted_upstreams\":[{\"upstream_id\":\"blue\"}]}]}");
    awaitBody("/f", "blue"); // first rule: match_passed is still true
    gw.awaitStatus("/s", 200);
    assertThat(who("/s")).isEqualTo("web"); // second rule: the first rule's false stands
    assertThat(who("/s?x=1")).isEqualTo("green");
  }

  @Test
  void anUpstreamIdFollowsLiveChangesAndAMissingOneAnswers500() throws Exception {
    gw.route("l", "/l", "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"blue\"}]}]}");
    awaitBody("/l", "blue");
    gw.put("/apisix/admin/upstreams/blue", "{\"nodes\":{\"" + green.node() + "\":1}}", 200);
    awaitBody("/l", "green");
    // in use by the route's traffic-split: refused, as APISIX refuses it, unless forced
    HttpResponse<String> refused = gw.admin("DELETE", "/apisix/admin/upstreams/blue", null);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("can not delete this upstream, plugin in route [l] is still using it now");
    assertThat(gw.admin("DELETE", "/apisix/admin/upstreams/blue?force=true", null).statusCode()).isEqualTo(200);
    gw.awaitStatus("/l", 500);
    HttpResponse<String> r = gw.get("/l");
    assertThat(r.body()).isEqualTo("failed to fetch upstream info by upstream id: blue");
    // checked before the rule's match, as APISIX does: even a request the rule would not take
    gw.route("u", "/u", "\"traffic-split\":{\"rules\":[{\"match\":[{\"vars\":[[\"arg_x\",\"==\",\"1\"]]}],"
        + "\"weighted_upstreams\":[{\"upstream_id\":\"nosuch\"}]}]}");
    gw.awaitStatus("/u", 500);
    assertThat(gw.get("/u").body()).isEqualTo("failed to fetch upstream info by upstream id: nosuch");
    gw.put("/apisix/admin/upstreams/nosuch", "{\"nodes\":{\"" + blue.node() + "\":1}}", 201);
    gw.awaitStatus("/u", 200);
    assertThat(who("/u")).isEqualTo("web");
    assertThat(who("/u?x=1")).isEqualTo("blue");
  }

  @Test
  void anUpstreamIdSharesTheRoutersBalancerForThatUpstream() throws Exception {
    Backend one = backend("one");
    Backend two = backend("two");
    gw.put("/apisix/admin/upstreams/pair", "{\"type\":\"roundrobin\",\"nodes\":{\"" + one.node() + "\":1,\""
        + two.node() + "\":1}}", 201);
    gw.put("/apisix/admin/routes/direct", "{\"uri\":\"/direct\",\"upstream_id\":\"pair\"}", 201);
    gw.route("split", "/split", "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"pair\"}]}]}");
    gw.awaitStatus("/direct", 200);
    await().atMost(PluginGateway.WAIT).until(() -> !who("/split").equals("web"));
    // one round robin for both routes: alternating requests alternate its two nodes between the routes
    List<String> direct = new ArrayList<>();
    List<String> split = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      direct.add(who("/direct"));
      split.add(who("/split"));
    }
    assertThat(direct).as("direct %s, split %s", direct, split).containsOnly(direct.get(0));
    assertThat(split).containsOnly(direct.get(0).equals("one") ? "two" : "one");
  }

  @Test
  void anInlineUpstreamKeepsItsOwnBalancerAndHostSettingsAndFollowsTheRoute() throws Exception {
    Backend one = backend("one");
    Backend two = backend("two");
    gw.route("i", "/i", "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"type\":\"roundrobin\","
        + "\"pass_host\":\"rewrite\",\"upstream_host\":\"canary.example\",\"nodes\":[{\"host\":\"127.0.0.1\",\"port\":"
        + one.port() + ",\"weight\":1},{\"host\":\"127.0.0.1\",\"port\":" + two.port() + ",\"weight\":1}]}}]}]}");
    await().atMost(PluginGateway.WAIT).until(() -> !who("/i").equals("web"));
    Map<String, Integer> c = count("/i", 10);
    assertThat(c).isEqualTo(Map.of("one", 5, "two", 5));
    assertThat(one.header(one.requests.size() - 1, "Host")).isEqualTo("canary.example");
    // a new inline upstream replaces the old one under the same route
    gw.put("/apisix/admin/routes/i", "{\"uri\":\"/i\",\"upstream_id\":\"web\",\"plugins\":{\"traffic-split\":{\"rules\":"
        + "[{\"weighted_upstreams\":[{\"upstream\":" + inline(blue) + "}]}]}}}", 200);
    awaitBody("/i", "blue");
    assertThat(count("/i", 4)).isEqualTo(Map.of("blue", 4));
  }

  @Test
  void onAServiceOrPluginConfigToo() throws Exception {
    gw.put("/apisix/admin/services/s", "{\"upstream_id\":\"web\",\"plugins\":{\"traffic-split\":{\"rules\":["
        + "{\"weighted_upstreams\":[{\"upstream_id\":\"green\"}]}]}}}", 201);
    gw.put("/apisix/admin/routes/sv", "{\"uri\":\"/sv\",\"service_id\":\"s\"}", 201);
    awaitBody("/sv", "green");
    gw.put("/apisix/admin/plugin_configs/pc", "{\"plugins\":{\"traffic-split\":{\"rules\":["
        + "{\"weighted_upstreams\":[{\"upstream_id\":\"blue\"}]}]}}}", 201);
    gw.put("/apisix/admin/routes/pc", "{\"uri\":\"/pc\",\"upstream_id\":\"web\",\"plugin_config_id\":\"pc\"}", 201);
    awaitBody("/pc", "blue");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    String p = "plugins/traffic-split";
    gw.refused("\"traffic-split\":{\"rules\":{}}", p + "/rules", "array");
    gw.refused("\"traffic-split\":{\"rules\":[1]}", p + "/rules/0", "object");
    gw.refused("\"traffic-split\":{\"rules\":[{\"matches\":[]}]}", p + "/rules/0/matches", "unknown field");
    gw.refused("\"traffic-split\":{\"rules\":[{\"match\":{}}]}", p + "/rules/0/match", "array");
    gw.refused("\"traffic-split\":{\"rules\":[{\"match\":[{\"var\":[]}]}]}", p + "/rules/0/match/0/var", "unknown field");
    gw.refused("\"traffic-split\":{\"rules\":[{\"match\":[{\"vars\":\"x\"}]}]}", p + "/rules/0/match/0/vars", "array");
    gw.refused("\"traffic-split\":{\"rules\":[{},{\"match\":[{\"vars\":[[\"arg_x\",\"~~\",\"(\"]]}]}]}",
        p + "/rules/1/match/0/vars/0", "failed to validate the 'vars' expression");
    gw.refused("\"traffic-split\":{\"rules\":[{\"match\":[{\"vars\":[[\"arg_x\",\"nosuch\",\"1\"]]}]}]}",
        p + "/rules/0/match/0/vars", "failed to validate the 'vars' expression");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[]}]}", p + "/rules/0/weighted_upstreams", "1 to 20");
    String many = String.join(",", java.util.Collections.nCopies(21, "{\"weight\":1}"));
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[" + many + "]}]}", p + "/rules/0/weighted_upstreams", "got 21");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"weight\":-1}]}]}",
        p + "/rules/0/weighted_upstreams/0/weight", "between 0");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"weight\":1.5}]}]}",
        p + "/rules/0/weighted_upstreams/0/weight", "integer");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"weight\":\"1\"}]}]}",
        p + "/rules/0/weighted_upstreams/0/weight", "integer");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"blue\",\"upstream\":" + inline(blue) + "}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream_id", "cannot both");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"a b\"}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream_id");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":0}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream_id");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"" + "x".repeat(65) + "\"}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream_id");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstreams\":{}}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstreams", "unknown field");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":[]}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream", "object");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"type\":\"nosuch\",\"nodes\":{\"127.0.0.1:1\":1}}}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream/type");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"nodes\":{\"127.0.0.1:1\":-1}}}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream");
    gw.refused("\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"service_name\":\"x\",\"discovery_type\":\"dns\"}}]}]}",
        p + "/rules/0/weighted_upstreams/0/upstream");
  }

  /**
   * Random weights over up to four targets (inline upstreams and the route's own): every whole
   * number of rounds splits exactly by weight. Replay with {@code -DtrafficSplitSeed=N}.
   */
  @Test
  void randomWeightsSplitExactlyPerRound() throws Exception {
    long seed = Long.getLong("trafficSplitSeed", new Random().nextLong());
    System.out.println("TrafficSplitPluginTest.randomWeightsSplitExactlyPerRound seed " + seed
        + " (replay: -DtrafficSplitSeed=" + seed + ")");
    Random random = new Random(seed);
    List<Backend> targets = List.of(backend("t0"), backend("t1"), backend("t2"), backend("t3"));
    for (int round = 0; round < 3; round++) {
      int n = 1 + random.nextInt(4);
      int[] weights = new int[n];
      List<String> entries = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        weights[i] = random.nextInt(7);
        if (i == n - 1 && random.nextBoolean()) {
          entries.add("{\"weight\":" + weights[i] + "}");
          names.add("web");
        } else {
          entries.add("{\"upstream\":" + inline(targets.get(i)) + ",\"weight\":" + weights[i] + "}");
          names.add(targets.get(i).name);
        }
      }
      int gcd = 0;
      int sum = 0;
      for (int w : weights) {
        gcd = java.math.BigInteger.valueOf(gcd).gcd(java.math.BigInteger.valueOf(w)).intValue();
        sum += w;
      }
      Map<String, Integer> expected = new TreeMap<>();
      int period;
      if (sum == 0) { // every weight 0: each entry in turn
        period = n;
        names.forEach(name -> expected.put(name, 2));
      } else {
        period = sum / gcd;
        for (int i = 0; i < n; i++) {
          if (weights[i] > 0) {
            expected.put(names.get(i), 2 * weights[i] / gcd);
          }
        }
      }
      String path = "/rand" + round;
      gw.route("rand" + round, path, "\"traffic-split\":{\"rules\":[{\"weighted_upstreams\":[" + String.join(",", entries) + "]}]}");
      gw.awaitStatus(path, 200);
      assertThat(count(path, 2 * period)).as("seed %d round %d weights %s over %s", seed, round,
          java.util.Arrays.toString(weights), names).isEqualTo(expected);
    }
  }
}
