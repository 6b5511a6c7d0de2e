package io.dynconf.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated requests (methods, paths, queries, headers, bodies) against the admin API on
 * the in-memory source. After each one: no 5xx, a JSON answer, a rejected or read-only call
 * changed no stored value, every stored value changed by a call passes the data plane's pipeline,
 * and (every 50 calls and at the end) every reference in the store resolves.
 *
 * <p>Two runs: a fixed corpus (the requests behind past findings, and the seed that found them),
 * and a fresh seed on every run, printed; {@code -Ddynconf.seed=N} replays it ({@code
 * -Dadmin.fuzz.seed=N} too), {@code -Dadmin.fuzz.cases=N} runs more cases.
 */
class AdminApiFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Set<Integer> ALLOWED = Set.of(200, 201, 400, 401, 403, 404, 405, 409, 412, 413);

  private static final Map<String, List<String>> TEMPLATES = new LinkedHashMap<>();

  static {
    TEMPLATES.put("upstreams", List.of(
        "{\"nodes\":{\"127.0.0.1:8080\":1},\"type\":\"roundrobin\"}",
        "{\"nodes\":[{\"host\":\"10.0.0.1\",\"port\":80,\"weight\":1}],\"type\":\"chash\",\"key\":\"remote_addr\",\"hash_on\":\"vars\"}",
        "{\"nodes\":{\"a.example:80\":2},\"retries\":1,\"timeout\":{\"connect\":1,\"send\":1,\"read\":1},\"scheme\":\"https\"}"));
    TEMPLATES.put("routes", List.of(
        "{\"uri\":\"/a\",\"upstream_id\":\"@upstreams\"}",
        "{\"uris\":[\"/x\",\"/y/*\"],\"methods\":[\"GET\",\"POST\"],\"service_id\":\"@services\"}",
        "{\"uri\":\"/p\",\"plugins\":{},\"upstream\":{\"nodes\":{\"a:1\":1},\"type\":\"roundrobin\"},\"vars\":[[\"arg_a\",\"==\",\"1\"]]}",
        "{\"uri\":\"/q\",\"plugin_config_id\":\"@plugin_configs\",\"upstream_id\":\"@upstreams\",\"priority\":3,\"hosts\":[\"a.com\"]}"));
    TEMPLATES.put("services", List.of("{\"upstream_id\":\"@upstreams\"}", "{\"name\":\"s\",\"upstream\":{\"nodes\":{\"a:1\":1}}}"));
    TEMPLATES.put("plugin_configs", List.of("{\"plugins\":{\"limit-count\":{\"count\":1}}}"));
    TEMPLATES.put("consumers", List.of("{\"username\":\"@self\"}", "{\"username\":\"@self\",\"group_id\":\"@consumer_groups\"}"));
    TEMPLATES.put("consumer_groups", List.of("{\"plugins\":{}}"));
    TEMPLATES.put("ssls", List.of("{\"type\":\"client\",\"cert\":\"$env://C\",\"key\":\"$env://K\"}"));
    TEMPLATES.put("global_rules", List.of("{\"plugins\":{\"prometheus\":{}}}"));
    TEMPLATES.put("plugin_metadata", List.of("{\"log_format\":{\"a\":\"$b\"}}"));
    TEMPLATES.put("stream_routes", List.of("{\"server_port\":9100,\"upstream_id\":\"@upstreams\"}"));
    TEMPLATES.put("protos", List.of("{\"content\":\"syntax = \\\"proto3\\\"; message M { string a = 1; }\"}"));
    TEMPLATES.put("secrets", List.of("{\"uri\":\"http://v:8200\",\"prefix\":\"kv\",\"token\":\"t\"}"));
  }

  private static final String[] FIELDS = {"id", "uri", "uris", "methods", "upstream_id", "service_id", "plugin_config_id", "group_id",
      "nodes", "type", "plugins", "upstream", "vars", "priority", "hosts", "host", "name", "desc", "labels", "username", "status",
      "create_time", "update_time", "timeout", "key", "hash_on", "retries", "server_port", "content", "token", "x", ""};
  private static final String[] WEIRD_IDS = {"", "..", ".", "a/b", "a%2Fb", "é", "a b", "x".repeat(65), "-", "_", "1.2", "%00", "a?b",
      "<script>", "00000000000000000001", "\u0000", "~", "a:b"};
  private static final String[] METHODS = {"GET", "GET", "GET", "PUT", "PUT", "PUT", "PUT", "POST", "POST", "PATCH", "PATCH", "PATCH",
      "DELETE", "DELETE", "PUT", "PUT", "PATCH", "put", "HEAD", "BREW"};

  private final Map<String, List<String>> ids = new HashMap<>();
  private boolean seeding;
  private Random random;

  /** What a client must never read in an error: the Java classes and libraries behind the API. */
  private static final java.util.regex.Pattern IMPLEMENTATION_NAMES = java.util.regex.Pattern.compile(
      "com\\.fasterxml|io\\.netty|java\\.[a-z]|org\\.(everit|json)|JSONObject|JSONArray|StreamReadConstraints|Exception\\b"
          + "|(found|expected type): (String|Long|Integer|BigInteger|BigDecimal|Double|Boolean)\\b");

  /** The seed of the first run (November 2026), which found the findings of {@link #PAST_FINDINGS}. */
  private static final long CORPUS_SEED = 20_261_126L;

  /**
   * Requests behind past findings, replayed on every run: numbers beyond a double, nesting past
   * the parser's limit (was a 500), a pipeline crash (was a 500), bodies cut short or doubled.
   */
  private static final List<String[]> PAST_FINDINGS = List.of(
      new String[] {"PUT", "/apisix/admin/routes/c1", "{\"uri\":\"/a\",\"upstream_id\":\"1\",\"priority\":1e400}"},
      new String[] {"PUT", "/apisix/admin/upstreams/c2", "{\"nodes\":{\"127.0.0.1:80\":1e400}}"},
      new String[] {"PUT", "/apisix/admin/routes/c3", "{\"uri\":\"/a\",\"plugins\":" + "{\"a\":".repeat(129) + "1" + "}".repeat(129) + "}"},
      new String[] {"PUT", "/apisix/admin/routes/c4", "{\"uri\":\"/a\",\"plugins\":" + "{\"a\":".repeat(1_500) + "1" + "}".repeat(1_500) + "}"},
      new String[] {"PUT", "/apisix/admin/routes/c5", "[".repeat(10_000) + "]".repeat(10_000)},
      new String[] {"PATCH", "/apisix/admin/routes/1", "{\"plugins\":" + "{\"a\":".repeat(999) + "1" + "}".repeat(999) + "}"},
      new String[] {"PATCH", "/apisix/admin/routes/1/vars", "[[\"arg_a\",\"==\",1e400]]"},
      new String[] {"PUT", "/apisix/admin/routes/c6", "{\"uri\":\"/a\",\"upstream_id\":\"1\",\"vars\":[[\"arg_a\",\"~~\",\"(\"]]}"},
      new String[] {"PUT", "/apisix/admin/routes/c7", "{\"uri\":\"/a\",\"upstream_id\":\"1\""},
      new String[] {"PUT", "/apisix/admin/routes/c8", "{\"uri\":\"/a\",\"uri\":\"/b\",\"upstream_id\":\"1\"}"},
      new String[] {"POST", "/apisix/admin/upstreams", "{\"nodes\":{\"a:1\":-1e400},\"type\":\"chash\"}"},
      new String[] {"PUT", "/apisix/admin/ssls/c9", "{\"cert\":\"x\",\"key\":\"y\",\"snis\":[" + "\"a\",".repeat(500) + "\"b\"]}"});

  @Test
  void theCorpusOfPastFindingsNeverBreaksTheStore() throws Exception {
    int cases = Integer.getInteger("admin.fuzz.cases", 12_000);
    run(CORPUS_SEED, cases, true);
  }

  @Test
  void randomAndMutatedRequestsOfAFreshSeedNeverBreakTheStore() throws Exception {
    long seed = Long.getLong("dynconf.seed", Long.getLong("admin.fuzz.seed", new java.security.SecureRandom().nextLong()));
    System.out.println("AdminApiFuzzTest: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    int cases = Integer.getInteger("admin.fuzz.cases", 12_000);
    run(seed, cases, false);
  }

  private void run(long seed, int cases, boolean withPastFindings) throws Exception {
    random = new Random(seed);
    for (String type : TEMPLATES.keySet()) {
      List<String> pool = new ArrayList<>();
      for (int i = 1; i <= 4; i++) {
        pool.add(type.equals("secrets") ? "vault/" + i : type.equals("plugin_metadata") ? "plugin-" + i : Integer.toString(i));
      }
      ids.put(type, pool);
    }
    InMemorySource source = new InMemorySource();
    AdminTesting.TestClock clock = new AdminTesting.TestClock(1_700_000_000L);
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    int writes = 0;
    try (AdminApi admin = AdminTesting.builder(source, clock).build()) {
      seed(admin);
      int corpus = withPastFindings ? PAST_FINDINGS.size() : 0;
      for (int n = 0; n < corpus + cases; n++) {
        clock.set(1_700_000_000L + n);
        AdminRequest request = n < corpus
            ? AdminTesting.request(PAST_FINDINGS.get(n)[0], PAST_FINDINGS.get(n)[1], PAST_FINDINGS.get(n)[2])
            : randomRequest(source);
        Map<String, KeyValue> before = AdminTesting.resources(source);
        AdminResponse r = admin.handle(request);
        statuses.merge(r.status(), 1, Integer::sum);
        String what = (n < corpus ? "past finding " + n : "case " + (n - corpus) + " (seed " + seed + ")") + ": " + abbreviate(request) + " -> " + r;
        if (!ALLOWED.contains(r.status())) {
          fail("unexpected status in " + what);
        }
        assertThat(r.header("Content-Type")).as(what).isEqualTo("application/json");
        JsonNode body = JSON.readTree(r.body());
        if (r.status() >= 400) {
          assertThat(body.path("error_msg").isTextual()).as(what).isTrue();
          assertThat(body.path("error_msg").asText()).as("an error names JSON, not the server's classes: %s", what)
              .doesNotContainPattern(IMPLEMENTATION_NAMES);
        }
        Map<String, KeyValue> after = AdminTesting.resources(source);
        if (!after.equals(before)) {
          writes++;
        }
        boolean readOnly = request.method().equals("GET") || "true".equals(request.query().get("dry_run"));
        if (r.status() >= 400 || readOnly) {
          assertThat(after).as("a rejected or read-only call changed the store: %s", what).isEqualTo(before);
        } else {
          for (KeyValue kv : after.values()) {
            if (!kv.equals(before.get(kv.key()))) {
              assertValid(kv, what);
            }
          }
          if (r.status() == 201 && body.has("value")) {
            rememberId(body.path("key").asText(), source.prefix());
            KeyValue stored = source.get(body.path("key").asText());
            assertThat(JSON.readTree(stored.value())).as(what).isEqualTo(body.path("value"));
          }
        }
        if (n % 50 == 0) {
          AdminTesting.assertStoreIsSound(source);
        }
      }
      AdminTesting.assertStoreIsSound(source);
    }
    System.out.println("AdminApiFuzzTest: " + cases + " cases, seed " + seed + ", statuses " + statuses + ", " + writes + " changed the store");
    assertThat(writes).as("enough calls change the store").isGreaterThan(cases / 20);
    assertThat(statuses.getOrDefault(400, 0)).isGreaterThan(cases / 10);
  }

  private static String abbreviate(AdminRequest request) {
    String s = request.toString();
    return s.length() <= 2_000 ? s : s.substring(0, 2_000) + "... (" + s.length() + " chars)";
  }

  private static void assertValid(KeyValue kv, String what) {
    ResourceType<?> type = AdminTesting.typeOf("/apisix", kv.key());
    if (type == null) {
      return;
    }
    ResourceKey key = ResourceKey.tryParse("/apisix", kv.key(), type.idSegments()).orElseThrow();
    try {
      Pipeline.decode(type, key, kv.value(), kv.createRevision(), kv.modRevision());
    } catch (RuntimeException e) {
      fail("an invalid value was stored at " + kv.key() + " (" + e.getMessage() + ") by " + what);
    }
  }

  private void rememberId(String key, String prefix) {
    ResourceType<?> type = AdminTesting.typeOf(prefix, key);
    if (type != null) {
      List<String> pool = ids.get(type.path());
      String id = key.substring(prefix.length() + type.path().length() + 2);
      if (!pool.contains(id)) {
        pool.add(id);
        if (pool.size() > 12) {
          pool.remove(4);
        }
      }
    }
  }

  /** Some valid objects of every type, so that references and deletes have something to hit. */
  private void seed(AdminApi admin) {
    seeding = true;
    for (String type : List.of("upstreams", "ssls", "plugin_configs", "consumer_groups", "services", "routes", "consumers")) {
      for (String id : ids.get(type).subList(0, 2)) {
        String body = fill(TEMPLATES.get(type).get(0), id);
        AdminResponse r = admin.handle(AdminTesting.request("PUT", "/apisix/admin/" + type + "/" + id, body));
        assertThat(r.status()).as(r.bodyUtf8()).isBetween(200, 201);
      }
    }
    seeding = false;
  }

  private String fill(String template, String selfId) {
    String quoted = F.textNode(selfId).toString();
    String out = template.replace("@self", quoted.substring(1, quoted.length() - 1));
    for (String type : TEMPLATES.keySet()) {
      List<String> pool = ids.get(type);
      out = out.replace("@" + type, pick(seeding ? pool.subList(0, 2) : pool));
    }
    return out;
  }

  private AdminRequest randomRequest(InMemorySource source) {
    String method = pick(METHODS);
    String type = pick(new ArrayList<>(TEMPLATES.keySet()));
    String id = random.nextInt(12) == 0 ? pick(WEIRD_IDS) : pick(ids.get(type));
    StringBuilder path = new StringBuilder();
    int shape = random.nextInt(100);
    if (shape < 3) {
      path.append("/apisix/admin/").append(pick(new String[] {"nope", "schema", "schema/routes", "schema/route", "schema/x", "bulk", "", "routes/1/2/3/4"}));
    } else if (shape < 5) {
      path.append(pick(new String[] {"/", "/apisix", "/apisix/adminx/routes", "/apisix/admin//routes", "/apisix/admin/routes//1", "//apisix/admin/routes"}));
    } else if (shape < 15) {
      path.append("/apisix/admin/").append(type);
    } else {
      path.append("/apisix/admin/").append(type).append('/').append(id);
      if (random.nextInt(6) == 0) {
        path.append('/').append(pick(new String[] {"methods", "uri", "upstream/nodes", "desc", "plugins/limit-count", "id", "labels/env", "a/b/c", "..", "%2e"}));
      }
    }
    if (random.nextInt(4) == 0) {
      path.append('?').append(pick(new String[] {"dry_run=true", "dry_run=false", "dry_run=x", "page=1&page_size=10", "page=0&page_size=9",
          "page=x&page_size=10", "name=a", "name=(", "uri=/a", "label=env", "api_key=" + AdminTesting.ADMIN_KEY, "a=%zz", "force=false"}));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int auth = random.nextInt(100);
    if (auth < 88) {
      headers.put(random.nextBoolean() ? "X-API-KEY" : "x-api-key", AdminTesting.ADMIN_KEY);
    } else if (auth < 94) {
      headers.put("X-API-KEY", AdminTesting.VIEWER_KEY);
    } else if (auth < 97) {
      headers.put("X-API-KEY", pick(new String[] {"", "wrong", AdminTesting.ADMIN_KEY.substring(1), AdminTesting.ADMIN_KEY + " "}));
    }
    if (random.nextInt(8) == 0) {
      KeyValue current = source.get("/apisix/" + type + "/" + id);
      String tag = current != null && random.nextBoolean() ? "\"" + current.modRevision() + "\"" : pick(new String[] {"*", "\"1\"", "x", "", ",", "W/\"3\""});
      headers.put(random.nextBoolean() ? "If-Match" : "If-None-Match", tag);
    }
    byte[] body = randomBody(method, type, id, path.toString().chars().filter(c -> c == '/').count() > 4);
    return AdminRequest.of(method, path.toString(), headers, body);
  }

  private byte[] randomBody(String method, String type, String id, boolean subPath) {
    int kind = random.nextInt(100);
    if (kind < 3) {
      return new byte[0];
    }
    if (kind < 5) {
      byte[] junk = new byte[random.nextInt(40)];
      random.nextBytes(junk);
      return junk;
    }
    if (kind == 6) { // nesting beyond what the parser accepts, or just below it
      int depth = random.nextBoolean() ? 999 : 1_500;
      return ("{\"uri\":\"/a\",\"plugins\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
    }
    if (kind == 5 && random.nextInt(20) == 0) {
      return ("{\"desc\":\"" + "x".repeat(AdminApi.MAX_BODY_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
    }
    JsonNode node;
    if (subPath || (method.equals("PATCH") && random.nextInt(3) == 0)) {
      node = subPath ? randomValue(2) : randomPatch(type, id);
    } else if (kind < 12) {
      node = randomValue(3);
    } else if (kind < 14) {
      node = bulkBody();
    } else {
      node = parse(fill(pick(TEMPLATES.get(type)), id.contains("/") ? id.substring(id.indexOf('/') + 1) : id));
      int mutations = random.nextInt(4);
      for (int i = 0; i < mutations && node.isObject(); i++) {
        mutate((ObjectNode) node);
      }
    }
    byte[] bytes = node.toString().getBytes(StandardCharsets.UTF_8);
    if (random.nextInt(10) == 0) {
      bytes = mutateBytes(bytes);
    }
    return bytes;
  }

  private JsonNode randomPatch(String type, String id) {
    ObjectNode patch = F.objectNode();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      String field = pick(FIELDS);
      patch.set(field, random.nextInt(4) == 0 ? F.nullNode() : randomFieldValue(field));
    }
    return patch;
  }

  private JsonNode bulkBody() {
    ObjectNode body = F.objectNode();
    ArrayNode ops = body.putArray("operations");
    int n = 1 + random.nextInt(5);
    for (int i = 0; i < n; i++) {
      String type = pick(new ArrayList<>(TEMPLATES.keySet()));
      String id = pick(ids.get(type));
      ObjectNode op = ops.addObject();
      op.put("method", random.nextInt(4) == 0 ? "DELETE" : "PUT");
      op.put("type", type);
      op.put("id", id);
      JsonNode value = parse(fill(pick(TEMPLATES.get(type)), id.contains("/") ? id.substring(id.indexOf('/') + 1) : id));
      if (random.nextInt(3) == 0) {
        mutate((ObjectNode) value);
      }
      op.set("value", value);
    }
    return body;
  }

  private void mutate(ObjectNode node) {
    switch (random.nextInt(6)) {
      case 0: {
        Iterator<String> names = node.fieldNames();
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        if (!list.isEmpty()) {
          node.remove(pick(list));
        }
        break;
      }
      case 1:
      case 2: {
        String field = pick(FIELDS);
        node.set(field, randomFieldValue(field));
        break;
      }
      case 3:
        node.put(pick(new String[] {"upstream_id", "service_id", "plugin_config_id", "group_id"}),
            random.nextBoolean() ? pick(ids.get("upstreams")) : pick(WEIRD_IDS));
        break;
      case 4: {
        ObjectNode deep = F.objectNode();
        ObjectNode cur = deep;
        int depth = random.nextInt(30);
        for (int i = 0; i < depth; i++) {
          cur = cur.putObject("a");
        }
        node.set(pick(new String[] {"plugins", "labels", "upstream", "x"}), deep);
        break;
      }
      default:
        node.put(pick(new String[] {"create_time", "update_time", "id"}), random.nextInt(5));
    }
  }

  private JsonNode randomFieldValue(String field) {
    if (random.nextBoolean()) {
      JsonNode template = parse(fill(pick(TEMPLATES.get(pick(new ArrayList<>(TEMPLATES.keySet())))), "1"));
      JsonNode v = template.get(field);
      if (v != null) {
        return v;
      }
    }
    return randomValue(2);
  }

  private JsonNode randomValue(int depth) {
    switch (random.nextInt(depth > 0 ? 9 : 7)) {
      case 0:
        return F.nullNode();
      case 1:
        return F.booleanNode(random.nextBoolean());
      case 2:
        return F.numberNode(random.nextInt(200_000) - 100_000);
      case 3:
        return F.numberNode(random.nextDouble() * 1e6);
      case 4:
        return F.textNode(pick(new String[] {"", "/a", "GET", "roundrobin", "127.0.0.1:80", "$env://X", "\u00e9\u0000", "a".repeat(300)}));
      case 5:
        return F.numberNode(new java.math.BigDecimal("1e400"));
      case 6:
        return F.textNode(pick(WEIRD_IDS));
      case 7: {
        ArrayNode a = F.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          a.add(randomValue(depth - 1));
        }
        return a;
      }
      default: {
        ObjectNode o = F.objectNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          o.set(pick(FIELDS), randomValue(depth - 1));
        }
        return o;
      }
    }
  }

  private byte[] mutateBytes(byte[] bytes) {
    if (bytes.length == 0) {
      return bytes;
    }
    byte[] out = bytes.clone();
    switch (random.nextInt(4)) {
      case 0:
        out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        return out;
      case 1:
        return java.util.Arrays.copyOf(out, random.nextInt(out.length));
      case 2: {
        String s = new String(out, StandardCharsets.UTF_8);
        return s.replaceFirst("\\{", "{\"uri\":\"/dup\",").getBytes(StandardCharsets.UTF_8); // maybe a duplicate name
      }
      default: {
        byte[] longer = java.util.Arrays.copyOf(out, out.length + 1);
        longer[out.length] = (byte) pick(new String[] {"}", "]", ",", "x", " "}).charAt(0);
        return longer;
      }
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(json, e);
    }
  }

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }

  private <T> T pick(T[] array) {
    return array[random.nextInt(array.length)];
  }
}
