package io.dynconf.etcd.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * The few etcd calls the test cluster itself needs, over etcd's JSON gateway ({@code /health} and
 * {@code /v3/...} on the client port). Using HTTP instead of jetcd keeps the test-jar free of any
 * client library, so it also serves tests of modules that do not use jetcd. Every call has a
 * deadline.
 *
 * <p>One gateway per cluster: over https when the cluster serves TLS (trusting the cluster's CA,
 * presenting its client certificate when the members require one), and, once {@link
 * #authEnabled(boolean) auth is on}, with a token from {@code /v3/auth/authenticate} in the {@code
 * Authorization} header. The token is cached; when etcd rejects it (expired after the token TTL,
 * unknown to a restarted member, or the cluster was wiped) the gateway authenticates again and
 * retries the call once.
 */
final class EtcdGateway {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
  private static final HttpClient PLAIN_HTTP = httpClient(null);

  private final HttpClient http;
  private final String scheme;
  private final @Nullable String user;
  private final @Nullable String password;
  private volatile boolean authEnabled;
  private volatile @Nullable String token;

  /**
   * @param ssl the TLS context for https members, or null for plain http
   * @param user the user the gateway's own calls authenticate as once auth is enabled (root)
   */
  EtcdGateway(@Nullable SSLContext ssl, @Nullable String user, @Nullable String password) {
    this.http = ssl == null ? PLAIN_HTTP : httpClient(ssl);
    this.scheme = ssl == null ? "http" : "https";
    this.user = user;
    this.password = password;
  }

  private static HttpClient httpClient(@Nullable SSLContext ssl) {
    HttpClient.Builder b =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1);
    return ssl == null ? b.build() : b.sslContext(ssl).build();
  }

  /** Status of one member as etcd's maintenance API reports it. */
  record Status(String clusterId, String memberId, String leaderId, long revision) {
    boolean isLeader() {
      return memberId.equals(leaderId);
    }
  }

  /** An answer other than 200: etcd understood the call and refused it (or could not serve it). */
  static class Refused extends IOException {
    final int httpStatus;

    Refused(String message, int httpStatus) {
      super(message);
      this.httpStatus = httpStatus;
    }

    /** 4xx: the same call would be refused by any member (bad argument, precondition, auth). */
    boolean definitive() {
      return httpStatus >= 400 && httpStatus < 500;
    }
  }

  /** etcd did not accept the token (or the call had none while auth is on). */
  private static final class TokenRefused extends Refused {
    TokenRefused(String message, int httpStatus) {
      super(message, httpStatus);
    }
  }

  /**
   * Whether the cluster has auth enabled, so that calls need a token. Set after {@code
   * /v3/auth/enable}; cleared when the cluster is wiped.
   */
  void authEnabled(boolean enabled) {
    authEnabled = enabled;
    token = null;
  }

  /** True when the member answers {@code /health} with {@code "health":"true"} within the deadline. */
  boolean healthy(InetSocketAddress member) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri(member, "/health")).timeout(CALL_TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The member's status; etcd serves it without a token, so this works while no leader exists. */
  Status status(InetSocketAddress member) throws IOException {
    String body = send(member, "/v3/maintenance/status", "{}", null);
    return new Status(
        field(body, "cluster_id"),
        field(body, "member_id"),
        field(body, "leader"),
        Long.parseLong(field(body, "revision")));
  }

  /** The cluster's current revision (the header of a read of one key). */
  long revision(InetSocketAddress member) throws IOException {
    String body = post(member, "/v3/kv/range", "{\"key\":\"" + b64("\0") + "\"}");
    return Long.parseLong(field(body, "revision"));
  }

  /** Physically compacts the key space up to {@code revision}. */
  void compact(InetSocketAddress member, long revision) throws IOException {
    post(member, "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
  }

  /** Deletes every key; returns the number deleted. */
  long deleteAll(InetSocketAddress member) throws IOException {
    String all = b64("\0");
    String body = post(member, "/v3/kv/deleterange", "{\"key\":\"" + all + "\",\"range_end\":\"" + all + "\"}");
    OptionalLong deleted = optionalLong(body, "deleted");
    return deleted.orElse(0);
  }

  void put(InetSocketAddress member, String key, String value) throws IOException {
    post(member, "/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
  }

  void addUser(InetSocketAddress member, String name, String password) throws IOException {
    post(member, "/v3/auth/user/add", "{\"name\":" + json(name) + ",\"password\":" + json(password) + "}");
  }

  /** Adds the role when it does not exist yet ({@code root} always exists for granting). */
  void addRoleIfAbsent(InetSocketAddress member, String role) throws IOException {
    try {
      post(member, "/v3/auth/role/add", "{\"name\":" + json(role) + "}");
    } catch (Refused e) {
      if (!e.getMessage().contains("role name already exists")) {
        throw e;
      }
    }
  }

  void grantRole(InetSocketAddress member, String user, String role) throws IOException {
    post(member, "/v3/auth/user/grant", "{\"user\":" + json(user) + ",\"role\":" + json(role) + "}");
  }

  void enableAuth(InetSocketAddress member) throws IOException {
    post(member, "/v3/auth/enable", "{}");
    authEnabled(true);
  }

  /** A new simple token for {@code name} (etcd assigns it through raft, so it needs a leader). */
  String authenticate(InetSocketAddress member, String name, String password) throws IOException {
    String body =
        send(member, "/v3/auth/authenticate", "{\"name\":" + json(name) + ",\"password\":" + json(password) + "}", null);
    Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(body);
    if (!m.find()) {
      throw new IOException("etcd answer has no token: " + body);
    }
    return m.group(1);
  }

  /** A call with the gateway's token when auth is on; a refused token is renewed once. */
  private String post(InetSocketAddress member, String path, String json) throws IOException {
    if (!authEnabled || user == null || password == null) {
      return send(member, path, json, null);
    }
    String t = token;
    if (t == null) {
      t = renewToken(member);
    }
    try {
      return send(member, path, json, t);
    } catch (TokenRefused e) {
      return send(member, path, json, renewToken(member));
    }
  }

  private synchronized String renewToken(InetSocketAddress member) throws IOException {
    String t = authenticate(member, user, password);
    token = t;
    return t;
  }

  private String send(InetSocketAddress member, String path, String json, @Nullable String authToken) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(member, path))
            .timeout(CALL_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (authToken != null) {
      request.header("Authorization", authToken);
    }
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        String message = "etcd " + member + path + " answered " + response.statusCode() + ": " + response.body();
        String body = response.body();
        if (response.statusCode() == 401
            || body.contains("invalid auth token")
            || body.contains("user name is empty")
            || body.contains("revision of auth store is old")) {
          throw new TokenRefused(message, response.statusCode());
        }
        throw new Refused(message, response.statusCode());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while calling etcd " + member + path, e);
    }
  }

  private URI uri(InetSocketAddress member, String path) {
    return URI.create(scheme + "://" + member.getHostString() + ":" + member.getPort() + path);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  // The gateway renders 64-bit integers as JSON strings; a regex is enough for these flat fields.
  private static String field(String json, String name) throws IOException {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([0-9]+)\"?").matcher(json);
    if (!m.find()) {
      throw new IOException("etcd answer has no field '" + name + "': " + json);
    }
    return m.group(1);
  }

  private static OptionalLong optionalLong(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([0-9]+)\"?").matcher(json);
    return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }
}
