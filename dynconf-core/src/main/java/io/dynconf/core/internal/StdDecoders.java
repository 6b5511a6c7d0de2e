package io.dynconf.core.internal;

import io.dynconf.core.match.IpAddress;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.apisix.ConsumerGroup;
import io.dynconf.core.apisix.GlobalRule;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.match.PathPattern;
import io.dynconf.core.apisix.PluginConfig;
import io.dynconf.core.apisix.PluginMetadata;
import io.dynconf.core.apisix.Proto;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Secret;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.Ssl;
import io.dynconf.core.apisix.StreamRoute;
import io.dynconf.core.apisix.Upstream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.everit.json.schema.Schema;
import org.jspecify.annotations.Nullable;

/**
 * Decoders of the standard types: schema-valid JSON → immutable records, with APISIX's defaults
 * applied and the singular/plural spellings normalised. The input is only read, never modified.
 *
 * <p>What can only be judged while reading how a field is written is rejected here, at that
 * field's pointer: node addresses (map keys {@code "host:port"}, IPv6 brackets, port range) and
 * remote/server addresses (IP or CIDR). Rules between fields are the checkers' ({@link StdCheckers}).
 */
public final class StdDecoders {
  private static final Pattern PORT = Pattern.compile("\\d{1,5}");
  private static final Map<String, Schema> SECRET_MANAGERS = Map.of(
      "vault", StdSchemas.definition("secrets.json", "vault"),
      "aws", StdSchemas.definition("secrets.json", "aws"),
      "gcp", StdSchemas.definition("secrets.json", "gcp"));

  private StdDecoders() {}

  public static Route route(ResourceKey key, ObjectNode json) {
    routePresence(json);
    Obj o = new Obj(json, "");
    List<String> uris = o.oneOrMany("uri", "uris");
    for (int i = 0; i < uris.size(); i++) {
      if (!uris.get(i).isEmpty() && !uris.get(i).startsWith("/") && !uris.get(i).equals("*")) {
        continue; // APISIX stores it (no request path can match it); the router leaves it out
      }
      try {
        PathPattern.parse(uris.get(i));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(o.at(o.text("uri") != null ? "uri" : "uris/" + i), String.valueOf(e.getMessage()));
      }
    }
    List<String> remoteAddrs = o.oneOrMany("remote_addr", "remote_addrs");
    for (int i = 0; i < remoteAddrs.size(); i++) {
      o.address(o.text("remote_addr") != null ? "remote_addr" : "remote_addrs/" + i, remoteAddrs.get(i));
    }
    return new Route(key.id(), o.text("name"), o.text("desc"), o.labels(), uris,
        o.integer("priority", 0), o.strings("methods"), o.oneOrMany("host", "hosts"), remoteAddrs,
        timeout(o.child("timeout")), o.array("vars"), o.text("filter_func"), o.text("script"), o.id("script_id"),
        o.plugins(), o.id("plugin_config_id"), embedded(o.child("upstream")), o.id("upstream_id"),
        o.id("service_id"), o.bool("enable_websocket"), o.integer("status", 1),
        o.timestamp("create_time"), o.timestamp("update_time"));
  }

  /**
   * The top-level rules of APISIX's route schema about which fields go together, checked on
   * presence (a field counts as present when the key exists, as JSON Schema's {@code required}
   * does). The schema file keeps them; {@link StdSchemas#withoutTopLevelCombinators} drops them
   * from the compiled schema because this is about four times faster.
   */
  static void routePresence(ObjectNode json) {
    exclusive(json, "uri", "uris");
    if (!json.has("uri") && !json.has("uris")) {
      throw new InvalidConfigException("", "required key [uri] or [uris] not found");
    }
    exclusive(json, "host", "hosts");
    exclusive(json, "remote_addr", "remote_addrs");
    if (json.has("script") && (json.has("plugins") || json.has("plugin_config_id"))) {
      throw new InvalidConfigException("", "\"script\" cannot be combined with " + (json.has("plugins") ? "\"plugins\"" : "\"plugin_config_id\""));
    }
    if (!json.has("plugins") && !json.has("upstream") && !json.has("upstream_id") && !json.has("service_id") && !json.has("script")) {
      throw new InvalidConfigException("", "required key [plugins], [upstream], [upstream_id], [service_id] or [script] not found:"
          + " a route needs something to handle its requests");
    }
  }

  private static void exclusive(ObjectNode json, String one, String other) {
    if (json.has(one) && json.has(other)) {
      throw new InvalidConfigException("", "only one of \"" + one + "\" and \"" + other + "\" may be set");
    }
  }

  public static Service service(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    return new Service(key.id(), o.text("name"), o.text("desc"), o.labels(), o.plugins(),
        embedded(o.child("upstream")), o.id("upstream_id"), o.text("script"), o.bool("enable_websocket"),
        o.strings("hosts"), o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static Upstream upstream(ResourceKey key, ObjectNode json) {
    return upstream(new Obj(json, ""), key.id());
  }

  private static @Nullable Upstream embedded(@Nullable Obj o) {
    return o == null ? null : upstream(o, o.id("id"));
  }

  private static Upstream upstream(Obj o, @Nullable String id) {
    Obj tls = o.child("tls");
    Obj pool = o.child("keepalive_pool");
    return new Upstream(id, o.text("name"), o.text("desc"), o.labels(), nodes(o),
        o.optionalInteger("retries"), o.number("retry_timeout"), timeout(o.child("timeout")),
        tls == null ? null : new Upstream.Tls(tls.id("client_cert_id"), tls.text("client_cert"), tls.text("client_key"),
            Boolean.TRUE.equals(tls.bool("verify"))),
        pool == null ? null : new Upstream.KeepalivePool(pool.integer("size", 320), pool.number("idle_timeout", 60),
            pool.integer("requests", 1000)),
        o.text("type", "roundrobin"), o.object("checks"), o.text("hash_on", "vars"), o.text("key"),
        o.text("scheme", "http"), o.text("discovery_type"), o.object("discovery_args"), o.text("service_name"),
        o.text("pass_host", "pass"), o.text("upstream_host"), o.timestamp("create_time"), o.timestamp("update_time"));
  }

  private static List<Upstream.Node> nodes(Obj upstream) {
    JsonNode nodes = upstream.get("nodes");
    List<Upstream.Node> list = new ArrayList<>();
    if (nodes == null) {
      return list;
    }
    String pointer = upstream.at("nodes");
    if (nodes.isArray()) {
      for (int i = 0; i < nodes.size(); i++) {
        Obj n = new Obj(nodes.get(i), pointer + "/" + i);
        String host = n.text("host", "");
        if (IpAddress.isIpv6(host)) {
          throw new InvalidConfigException(n.at("host"), "IPv6 address must be enclosed with '[' and ']'");
        }
        if (host.startsWith("[") && !bracketedIpv6(host)) {
          throw new InvalidConfigException(n.at("host"), "\"" + host + "\" is not an IPv6 address in brackets");
        }
        list.add(new Upstream.Node(host, n.optionalInteger("port"), n.integer("weight", 0), n.integer("priority", 0),
            n.object("metadata")));
      }
    } else {
      for (Map.Entry<String, JsonNode> e : nodes.properties()) {
        String at = pointer + "/" + JsonTree.escape(e.getKey());
        list.add(mapNode(e.getKey(), toInt(e.getValue(), at), at));
      }
    }
    return list;
  }

  /** A node of the map form, its key parsed as APISIX's {@code core.utils.parse_addr} does. */
  private static Upstream.Node mapNode(String address, int weight, String pointer) {
    String host = address;
    String port = null;
    if (address.startsWith("[")) {
      int close = address.indexOf(']');
      host = address.substring(0, close + 1); // "" when there is no "]"
      if (!bracketedIpv6(host)) {
        throw new InvalidConfigException(pointer, "\"" + address + "\" is not [IPv6] or [IPv6]:port");
      }
      if (close + 1 < address.length()) {
        if (address.charAt(close + 1) != ':') {
          throw new InvalidConfigException(pointer, "\"" + address + "\" is not [IPv6] or [IPv6]:port");
        }
        port = address.substring(close + 2);
      }
    } else if (twoColonsBeforeADot(address)) {
      if (!IpAddress.isIpv6(address)) {
        throw new InvalidConfigException(pointer, "\"" + address + "\" is not a valid IPv6 address "
            + "(a port after an IPv6 address needs brackets: [::1]:80)");
      }
      host = "[" + address + "]";
    } else if (address.indexOf(':') >= 0) {
      host = address.substring(0, address.lastIndexOf(':'));
      port = address.substring(address.lastIndexOf(':') + 1);
    }
    if (host.isEmpty()) {
      throw new InvalidConfigException(pointer, "\"" + address + "\" has no host");
    }
    if (port == null) {
      return new Upstream.Node(host, null, weight, 0, Map.of());
    }
    int number = PORT.matcher(port).matches() ? Integer.parseInt(port) : -1;
    if (number < 1 || number > 65535) {
      throw new InvalidConfigException(pointer, "invalid port " + port + ": must be from 1 to 65535");
    }
    return new Upstream.Node(host, number, weight, 0, Map.of());
  }

  private static int toInt(JsonNode n, String pointer) {
    try {
      return n.decimalValue().intValueExact();
    } catch (ArithmeticException e) {
      throw new InvalidConfigException(pointer, n + " is out of range: must be from " + Integer.MIN_VALUE
          + " to " + Integer.MAX_VALUE);
    }
  }

  private static boolean bracketedIpv6(String host) {
    return host.length() > 2 && host.endsWith("]") && IpAddress.isIpv6(host.substring(1, host.length() - 1));
  }

  private static boolean twoColonsBeforeADot(String address) {
    int colons = 0;
    for (int i = 0; i < address.length() && address.charAt(i) != '.'; i++) {
      if (address.charAt(i) == ':' && ++colons == 2) {
        return true;
      }
    }
    return false;
  }

  private static Upstream.@Nullable Timeout timeout(@Nullable Obj o) {
    return o == null ? null : new Upstream.Timeout(o.number("connect", 0), o.number("send", 0), o.number("read", 0));
  }

  public static Consumer consumer(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    return new Consumer(key.id(), o.id("id"), o.text("desc"), o.labels(), o.id("group_id"), o.plugins(),
        o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static io.dynconf.core.apisix.Credential credential(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    String id = key.id();
    int first = id.indexOf('/');
    return new io.dynconf.core.apisix.Credential(id, id.substring(0, first), id.substring(id.lastIndexOf('/') + 1), o.text("name"),
        o.text("desc"), o.labels(), o.plugins(), o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static Ssl ssl(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    Obj client = o.child("client");
    return new Ssl(key.id(), o.text("desc"), o.labels(), o.text("type", "server"), o.text("cert", ""), o.text("key", ""),
        o.oneOrMany("sni", "snis"), o.strings("certs"), o.strings("keys"),
        client == null ? null : new Ssl.Client(client.text("ca", ""), client.integer("depth", 1),
            client.strings("skip_mtls_uri_regex")),
        o.integer("status", 1), o.strings("ssl_protocols"), o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static GlobalRule globalRule(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    return new GlobalRule(key.id(), o.plugins(), o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static PluginConfig pluginConfig(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    return new PluginConfig(key.id(), o.text("name"), o.text("desc"), o.labels(), o.plugins(),
        o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static ConsumerGroup consumerGroup(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    return new ConsumerGroup(key.id(), o.text("name"), o.text("desc"), o.labels(), o.plugins(),
        o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static PluginMetadata pluginMetadata(ResourceKey key, ObjectNode json) {
    return new PluginMetadata(key.id(), withoutId(json));
  }

  public static Proto proto(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    return new Proto(key.id(), o.text("name"), o.text("desc"), o.labels(), o.text("content", ""),
        o.timestamp("create_time"), o.timestamp("update_time"));
  }

  public static StreamRoute streamRoute(ResourceKey key, ObjectNode json) {
    Obj o = new Obj(json, "");
    String remoteAddr = o.text("remote_addr");
    String serverAddr = o.text("server_addr");
    if (remoteAddr != null) {
      o.address("remote_addr", remoteAddr);
    }
    if (serverAddr != null) {
      o.address("server_addr", serverAddr);
    }
    Obj protocol = o.child("protocol");
    return new StreamRoute(key.id(), o.text("name"), o.text("desc"), o.labels(), remoteAddr, serverAddr,
        o.optionalInteger("server_port"), o.text("sni"), embedded(o.child("upstream")), o.id("upstream_id"),
        o.id("service_id"), o.plugins(),
        protocol == null ? null : new StreamRoute.Protocol(protocol.text("name", ""), protocol.id("superior_id"),
            protocol.object("conf"), protocol.objects("logger")),
        o.timestamp("create_time"), o.timestamp("update_time"));
  }

  /**
   * The key's first id segment names the manager ({@code vault}, {@code aws}, {@code gcp}); the
   * value is checked against that manager's schema, as APISIX's data plane does.
   */
  @SuppressWarnings("unchecked")
  public static Secret secret(ResourceKey key, ObjectNode json) {
    int slash = key.id().indexOf('/');
    String manager = slash < 0 ? "" : key.id().substring(0, slash);
    Schema schema = SECRET_MANAGERS.get(manager);
    if (schema == null) {
      throw new InvalidConfigException("", "a secret's key ends in <manager>/<id> with manager vault, aws or gcp; got \""
          + key.id() + "\"");
    }
    Pipeline.validate(schema, json);
    Map<String, @Nullable Object> config = new LinkedHashMap<>(withoutId(json));
    if (manager.equals("aws")) {
      config.putIfAbsent("region", "us-east-1");
    } else if (manager.equals("gcp")) {
      config.putIfAbsent("ssl_verify", true);
      if (config.get("auth_config") instanceof Map) {
        Map<String, @Nullable Object> auth = new LinkedHashMap<>((Map<String, @Nullable Object>) config.get("auth_config"));
        auth.putIfAbsent("token_uri", "https://oauth2.googleapis.com/token");
        auth.putIfAbsent("scope", List.of("https://www.googleapis.com/auth/cloud-platform"));
        auth.putIfAbsent("entries_uri", "https://secretmanager.googleapis.com/v1");
        config.put("auth_config", auth);
      }
    }
    return new Secret(key.id(), manager, config);
  }

  private static Map<String, @Nullable Object> withoutId(ObjectNode json) {
    Map<String, @Nullable Object> map = new LinkedHashMap<>(JsonTree.object(json));
    map.remove("id");
    return map;
  }

  /** Reads the members of one JSON object that sits at {@code pointer}; JSON null reads as absent. */
  private static final class Obj {
    private final JsonNode json;
    private final String pointer;

    Obj(JsonNode json, String pointer) {
      this.json = json;
      this.pointer = pointer;
    }

    String at(String field) {
      return pointer + "/" + field;
    }

    @Nullable JsonNode get(String field) {
      JsonNode n = json.get(field);
      return n == null || n.isNull() ? null : n;
    }

    @Nullable Obj child(String field) {
      JsonNode n = get(field);
      return n == null ? null : new Obj(n, at(field));
    }

    @Nullable String text(String field) {
      JsonNode n = get(field);
      return n == null ? null : n.asText();
    }

    String text(String field, String absent) {
      String text = text(field);
      return text == null ? absent : text;
    }

    /** An id ({@code 1} and {@code "1"} alike), as text. */
    @Nullable String id(String field) {
      JsonNode n = get(field);
      return n == null ? null : n.isNumber() ? n.decimalValue().stripTrailingZeros().toPlainString() : n.asText();
    }

    @Nullable Boolean bool(String field) {
      JsonNode n = get(field);
      return n == null ? null : n.booleanValue();
    }

    @Nullable Integer optionalInteger(String field) {
      JsonNode n = get(field);
      return n == null ? null : toInt(n, at(field));
    }

    int integer(String field, int absent) {
      Integer value = optionalInteger(field);
      return value == null ? absent : value;
    }

    @Nullable Long timestamp(String field) {
      JsonNode n = get(field);
      return n == null ? null : n.decimalValue().longValue();
    }

    @Nullable Double number(String field) {
      JsonNode n = get(field);
      return n == null ? null : n.doubleValue();
    }

    double number(String field, double absent) {
      Double value = number(field);
      return value == null ? absent : value;
    }

    List<String> strings(String field) {
      JsonNode n = get(field);
      List<String> list = new ArrayList<>();
      if (n != null) {
        n.forEach(e -> list.add(e.asText()));
      }
      return list;
    }

    /** {@code [single]} when {@code single} is set, else the {@code plural} list (empty when neither is). */
    List<String> oneOrMany(String single, String plural) {
      String one = text(single);
      return one != null ? List.of(one) : strings(plural);
    }

    /** Checks that {@code value}, read from {@code field}, is an IP address or CIDR block. */
    void address(String field, String value) {
      if (!IpAddress.isBlock(value)) {
        throw new InvalidConfigException(at(field), "\"" + value + "\" is not an IP address or CIDR block");
      }
    }

    Map<String, String> labels() {
      Map<String, String> labels = new LinkedHashMap<>();
      JsonNode n = get("labels");
      if (n != null) {
        n.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
      }
      return labels;
    }

    /** A free-form object, empty when absent. */
    Map<String, @Nullable Object> object(String field) {
      JsonNode n = get(field);
      return n == null ? Map.of() : JsonTree.object(n);
    }

    /** A free-form array, empty when absent. */
    List<@Nullable Object> array(String field) {
      JsonNode n = get(field);
      List<@Nullable Object> list = new ArrayList<>();
      if (n != null) {
        n.forEach(e -> list.add(JsonTree.of(e)));
      }
      return list;
    }

    /** An array of free-form objects, empty when absent. */
    List<Map<String, @Nullable Object>> objects(String field) {
      JsonNode n = get(field);
      List<Map<String, @Nullable Object>> list = new ArrayList<>();
      for (int i = 0; n != null && i < n.size(); i++) {
        if (!n.get(i).isObject()) {
          throw new InvalidConfigException(at(field) + "/" + i, "expected an object");
        }
        list.add(JsonTree.object(n.get(i)));
      }
      return list;
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, @Nullable Object>> plugins() {
      Map<String, Map<String, @Nullable Object>> plugins = new LinkedHashMap<>();
      object("plugins").forEach((name, conf) -> plugins.put(name, (Map<String, @Nullable Object>) conf));
      return plugins;
    }
  }
}
