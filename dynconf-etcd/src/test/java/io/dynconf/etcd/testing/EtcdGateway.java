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

/**
 * The few etcd calls the test cluster itself needs, over etcd's JSON gateway ({@code /health} and
 * {@code /v3/...} on the client port). Using HTTP instead of jetcd keeps the test-jar free of any
 * client library, so it also serves tests of modules that do not use jetcd. Every call has a
 * deadline.
 */
final class EtcdGateway {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  private EtcdGateway() {}

  /** Status of one member as etcd's maintenance API reports it. */
  record Status(String clusterId, String memberId, String leaderId, long revision) {
    boolean isLeader() {
      return memberId.equals(leaderId);
    }
  }

  /** True when the member answers {@code /health} with {@code "health":"true"} within the deadline. */
  static boolean healthy(InetSocketAddress member) {
    try {
      HttpResponse<String> response =
          HTTP.send(
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

  static Status status(InetSocketAddress member) throws IOException {
    String body = post(member, "/v3/maintenance/status", "{}");
    return new Status(
        field(body, "cluster_id"),
        field(body, "member_id"),
        field(body, "leader"),
        Long.parseLong(field(body, "revision")));
  }

  /** The cluster's current revision (the header of a read of one key). */
  static long revision(InetSocketAddress member) throws IOException {
    String body = post(member, "/v3/kv/range", "{\"key\":\"" + b64("\0") + "\"}");
    return Long.parseLong(field(body, "revision"));
  }

  /** Physically compacts the key space up to {@code revision}. */
  static void compact(InetSocketAddress member, long revision) throws IOException {
    post(member, "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
  }

  /** Deletes every key; returns the number deleted. */
  static long deleteAll(InetSocketAddress member) throws IOException {
    String all = b64("\0");
    String body = post(member, "/v3/kv/deleterange", "{\"key\":\"" + all + "\",\"range_end\":\"" + all + "\"}");
    OptionalLong deleted = optionalLong(body, "deleted");
    return deleted.orElse(0);
  }

  static void put(InetSocketAddress member, String key, String value) throws IOException {
    post(member, "/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
  }

  private static String post(InetSocketAddress member, String path, String json) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(uri(member, path))
            .timeout(CALL_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException(
            "etcd " + member + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while calling etcd " + member + path, e);
    }
  }

  private static URI uri(InetSocketAddress member, String path) {
    return URI.create("http://" + member.getHostString() + ":" + member.getPort() + path);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
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
