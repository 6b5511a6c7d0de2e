package io.dynconf.examples.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dynconf.core.admin.AdminApi;
import io.dynconf.netty.Transport;
import io.dynconf.examples.gateway.tls.KeyEncryption;
import io.dynconf.radix.RouterMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's settings, from flags and an optional YAML file ({@code --config FILE}) with the
 * same keys (flags win). Without {@code --etcd} the gateway runs standalone on an APISIX
 * {@code apisix.yaml}: {@code --standalone FILE}, else {@code DATA_DIR/apisix.yaml}, written from
 * the bundled default on first start.
 *
 * @param listen the data plane, default {@code 127.0.0.1:9080}
 * @param adminListen the admin API, default {@code 127.0.0.1:9180}
 * @param adminKey the admin key; null: read from {@code DATA_DIR/admin.key}, generated on first start
 * @param viewerKey an optional read-only admin key
 * @param etcd etcd endpoints; empty for standalone mode
 * @param prefix the etcd prefix, default {@code /apisix}
 * @param standalone the standalone file; null for the default in the data directory
 * @param dataDir where the gateway keeps its state, default {@code ./dynconf-gateway-data}
 * @param echoListen the demo echo upstream, default {@code 127.0.0.1:9081}; null when {@code off}
 * @param tlsListen the HTTPS data plane ({@code --tls-listen}); null (the default) for none
 * @param tlsDefaultCert PEM certificate (chain) served when no ssl matches the SNI; null: a
 *     self-signed one generated at start
 * @param tlsDefaultKey the default certificate's PEM private key; set with {@code tlsDefaultCert}
 * @param tlsKeyEncryptionKeys keys that open {@code $aesgcm$} private keys, {@code ID:BASE64}, the
 *     first one seals ({@code --tls-key-encryption-key}, comma-separated, or a YAML list under
 *     {@code tls_key_encryption_key} or {@code data_encryption_keys})
 * @param statusListen the status listener ({@code --status-listen}, YAML {@code status_listen}):
 *     {@code GET /dynconf/health} only, for probes; null (the default) for none
 * @param admin the admin listener's protections ({@code --metrics-require-key}, {@code --admin-tls})
 * @param clientLimits client timeouts and the connection limit ({@link ClientLimits}: nginx's defaults)
 * @param routerMode how routes match ({@code --router-mode}, YAML {@code router_mode}, APISIX's
 *     {@code apisix.router.http} names): {@code radixtree_host_uri} (APISIX's default, and this
 *     gateway's: host-bound routes first, {@code :name} is literal text), {@code radixtree_uri} or
 *     {@code radixtree_uri_with_parameter} ({@code :name} binds a segment)
 * @param http2 HTTP/2 towards clients ({@link Http2Options})
 * @param stream the stream proxy's listeners ({@link StreamOptions})
 * @param transport the sockets' transport ({@code --transport}, YAML {@code transport}: {@code auto},
 *     the default, is Linux's io_uring where the kernel allows it, else native epoll where it loads, else the
 *     JVM's NIO; {@code nio}; {@code epoll}; {@code io_uring})
 */
public record GatewayConfig(
    ListenAddress listen,
    ListenAddress adminListen,
    @Nullable String adminKey,
    @Nullable String viewerKey,
    List<String> etcd,
    String prefix,
    @Nullable Path standalone,
    Path dataDir,
    @Nullable ListenAddress echoListen,
    @Nullable ListenAddress tlsListen,
    @Nullable Path tlsDefaultCert,
    @Nullable Path tlsDefaultKey,
    List<String> tlsKeyEncryptionKeys,
    @Nullable ListenAddress statusListen,
    AdminOptions admin,
    ClientLimits clientLimits,
    RouterMode routerMode,
    Http2Options http2,
    StreamOptions stream,
    Transport transport) {

  static {
    // before Transport.parse loads Netty's io_uring classes, which read the setting once
    io.dynconf.examples.gateway.internal.ClientConnections.preferSingleAccepts();
  }

  private static final Set<String> KEYS = union(ClientLimits.KEYS, Set.of("listen", "admin-listen", "admin-key", "viewer-key", "etcd", "prefix",
      "standalone", "data-dir", "echo-listen", "config", "tls-listen", "tls-default-cert", "tls-default-key",
      "tls-key-encryption-key", "status-listen", "metrics-require-key", "admin-tls", "router-mode", "http2", "h2c", "stream-listen", "stream-sni-listen",
      "admin-cors", "transport"));

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  /**
   * @param metricsRequireKey {@code --metrics-require-key true}: the metrics endpoint needs the admin
   *     or viewer key (default false, as APISIX)
   * @param tlsCert {@code --admin-tls CERT,KEY}: the admin API's PEM certificate (chain); null: plain HTTP
   * @param tlsKey its PEM private key
   * @param corsOrigins {@code --admin-cors ORIGIN[,ORIGIN...]} (or {@code *}): browser origins the
   *     admin API answers with CORS headers, APISIX's {@code enable_admin_cors} with an allow-list;
   *     default none (off), since APISIX's default (on, any origin) lets any page probe the API
   */
  public record AdminOptions(boolean metricsRequireKey, @Nullable Path tlsCert, @Nullable Path tlsKey, List<String> corsOrigins) {
    public AdminOptions {
      corsOrigins = List.copyOf(corsOrigins);
    }

    public AdminOptions(boolean metricsRequireKey, @Nullable Path tlsCert, @Nullable Path tlsKey) {
      this(metricsRequireKey, tlsCert, tlsKey, List.of());
    }

    static AdminOptions parse(Map<String, String> merged) {
      String cors = merged.get("admin-cors"); // APISIX's enable_admin_cors, with an origin allow-list: off unless given
      List<String> origins = cors == null || cors.isBlank() ? List.of() : list(cors);
      return parseTls(merged).withCors(origins);
    }

    private AdminOptions withCors(List<String> origins) {
      return new AdminOptions(metricsRequireKey, tlsCert, tlsKey, origins);
    }

    private static AdminOptions parseTls(Map<String, String> merged) {
      String require = merged.getOrDefault("metrics-require-key", "false");
      if (!require.equals("true") && !require.equals("false")) {
        throw new IllegalArgumentException("--metrics-require-key: true or false, was \"" + require + "\"");
      }
      String tls = merged.get("admin-tls");
      if (tls == null || tls.isBlank()) {
        return new AdminOptions(require.equals("true"), null, null);
      }
      List<String> files = list(tls);
      if (files.size() != 2) {
        throw new IllegalArgumentException("--admin-tls: CERT.pem,KEY.pem (a certificate file and its private key file), was \"" + tls + "\"");
      }
      return new AdminOptions(require.equals("true"), Path.of(files.get(0)), Path.of(files.get(1)));
    }
  }

  public GatewayConfig {
    etcd = List.copyOf(etcd);
    tlsKeyEncryptionKeys = List.copyOf(tlsKeyEncryptionKeys);
    if ((tlsDefaultCert == null) != (tlsDefaultKey == null)) {
      throw new IllegalArgumentException("--tls-default-cert and --tls-default-key go together (got only "
          + (tlsDefaultCert == null ? "--tls-default-key" : "--tls-default-cert") + ")");
    }
    KeyEncryption.parse(tlsKeyEncryptionKeys); // fails now, naming the bad entry
  }

  /** The defaults: standalone, loopback listeners. */
  public static GatewayConfig defaults() {
    return parse(new String[0]);
  }

  /**
   * Parses flags ({@code --name value} or {@code --name=value}); {@code --config FILE} reads a
   * YAML file of the same keys (with {@code -} or {@code _}).
   *
   * @throws IllegalArgumentException naming the flag and the problem
   */
  public static GatewayConfig parse(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument \"" + a + "\" (flags look like --listen 127.0.0.1:9080)");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value");
        }
        value = args[++i];
      }
      if (!KEYS.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + " (known: --" + String.join(", --", sorted(KEYS)) + ")");
      }
      flags.put(name, value);
    }
    Map<String, String> merged = new LinkedHashMap<>();
    if (flags.containsKey("config")) {
      merged.putAll(readFile(Path.of(flags.get("config"))));
    }
    merged.putAll(flags);
    String echo = merged.getOrDefault("echo-listen", "127.0.0.1:9081");
    List<String> etcd = new ArrayList<>();
    for (String e : merged.getOrDefault("etcd", "").split(",")) {
      if (!e.isBlank()) {
        String url = e.trim();
        etcd.add(url.contains("://") ? url : "http://" + url);
      }
    }
    String prefix = merged.getOrDefault("prefix", "/apisix");
    if (!prefix.startsWith("/") || prefix.endsWith("/")) {
      throw new IllegalArgumentException("--prefix: must start with / and not end with / (got \"" + prefix + "\")");
    }
    for (String flag : List.of("admin-key", "viewer-key")) {
      String key = blankToNull(merged.get(flag));
      if (key != null) {
        try {
          AdminApi.checkApiKey(key);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--" + flag + ": " + e.getMessage());
        }
      }
    }
    return new GatewayConfig(
        ListenAddress.parse("--listen", merged.getOrDefault("listen", "127.0.0.1:9080")),
        ListenAddress.parse("--admin-listen", merged.getOrDefault("admin-listen", "127.0.0.1:9180")),
        blankToNull(merged.get("admin-key")),
        blankToNull(merged.get("viewer-key")),
        etcd,
        prefix,
        merged.containsKey("standalone") ? Path.of(merged.get("standalone")) : null,
        Path.of(merged.getOrDefault("data-dir", "dynconf-gateway-data")),
        echo.equals("off") ? null : ListenAddress.parse("--echo-listen", echo),
        merged.containsKey("tls-listen") ? ListenAddress.parse("--tls-listen", merged.get("tls-listen")) : null,
        merged.containsKey("tls-default-cert") ? Path.of(merged.get("tls-default-cert")) : null,
        merged.containsKey("tls-default-key") ? Path.of(merged.get("tls-default-key")) : null,
        list(merged.getOrDefault("tls-key-encryption-key", "")),
        merged.containsKey("status-listen") ? ListenAddress.parse("--status-listen", merged.get("status-listen")) : null,
        AdminOptions.parse(merged),
        ClientLimits.from(merged),
        routerMode(merged.getOrDefault("router-mode", RouterMode.RADIXTREE_HOST_URI.apisixName())),
        new Http2Options(bool(merged, "http2", true), bool(merged, "h2c", false)),
        new StreamOptions(listens("stream-listen", merged), listens("stream-sni-listen", merged)),
        transport(merged.getOrDefault("transport", "auto")));
  }

  private static List<ListenAddress> listens(String key, Map<String, String> merged) {
    List<ListenAddress> out = new ArrayList<>();
    for (String a : list(merged.getOrDefault(key, ""))) {
      out.add(ListenAddress.parse("--" + key, a));
    }
    return List.copyOf(out);
  }

  /**
   * APISIX's stream proxy ({@code stream_routes}): TCP listeners whose connections are routed by
   * {@code server_addr}, {@code server_port} and {@code remote_addr}.
   *
   * @param listen {@code --stream-listen HOST:PORT[,HOST:PORT...]} (YAML {@code stream_listen}, a list)
   * @param sniListen {@code --stream-sni-listen ...}: listeners for TLS clients, also routed by the
   *     ClientHello's server name ({@code sni}); TLS is not terminated, the bytes pass untouched
   */
  public record StreamOptions(List<ListenAddress> listen, List<ListenAddress> sniListen) {
    public StreamOptions {
      listen = List.copyOf(listen);
      sniListen = List.copyOf(sniListen);
    }
  }

  /**
   * HTTP/2 towards clients.
   *
   * @param tls {@code --http2} (YAML {@code http2}, default true): the TLS listener offers {@code h2}
   *     by ALPN, as APISIX's {@code ssl.listen[].enable_http2}
   * @param h2c {@code --h2c} (default false): the plain listener also takes HTTP/2 with prior
   *     knowledge (a client that opens with HTTP/2's preface); HTTP/1.1 clients are served as before
   */
  public record Http2Options(boolean tls, boolean h2c) {}

  private static boolean bool(Map<String, String> merged, String key, boolean fallback) {
    String v = merged.getOrDefault(key, String.valueOf(fallback)).trim();
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException("--" + key + ": true or false, was \"" + v + "\"");
    }
    return v.equals("true");
  }

  private static Transport transport(String name) {
    try {
      return Transport.parse(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--transport: " + e.getMessage(), e);
    }
  }

  private static RouterMode routerMode(String name) {
    try {
      return RouterMode.ofApisixName(name.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--router-mode: " + e.getMessage(), e);
    }
  }

  private static List<String> list(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static List<String> sorted(Set<String> keys) {
    List<String> l = new ArrayList<>(keys);
    l.sort(null);
    return l;
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static Map<String, String> readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("--config " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("--config " + file + ": expected a mapping of settings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey().equals("data_encryption_keys") ? "tls-key-encryption-key" : e.getKey().replace('_', '-');
      if (!KEYS.contains(key) || key.equals("config")) {
        throw new IllegalArgumentException("--config " + file + ": unknown setting \"" + e.getKey() + "\"");
      }
      JsonNode v = e.getValue();
      if (v.isArray()) {
        List<String> parts = new ArrayList<>();
        v.forEach(x -> parts.add(x.asText()));
        out.put(key, String.join(",", parts));
      } else {
        out.put(key, v.asText());
      }
    }
    return out;
  }

  public boolean etcdMode() {
    return !etcd.isEmpty();
  }
}
