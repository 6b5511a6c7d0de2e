package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real gateway (admin API, data port) and a real upstream {@code web} for the per-plugin tests:
 * routes are PUT through the admin API with APISIX's JSON, requests go through real sockets.
 */
final class PluginGateway implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(15);

  final Backend backend;
  final Gateway gateway;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  PluginGateway(Path dir, String... moreArgs) throws Exception {
    backend = new Backend("web");
    String[] args = {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY};
    String[] all = java.util.Arrays.copyOf(args, args.length + moreArgs.length);
    System.arraycopy(moreArgs, 0, all, args.length, moreArgs.length);
    gateway = Gateway.start(GatewayConfig.parse(all));
    put("/apisix/admin/upstreams/web", "{\"nodes\":{\"" + backend.node() + "\":1}}", 201);
  }

  @Override
  public void close() {
    gateway.close();
    backend.close();
  }

  HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return GatewayAdminTest.admin(http, gateway, method, path, GatewayAdminTest.KEY, body);
  }

  void put(String path, String body, int expected) throws Exception {
    HttpResponse<String> r = admin("PUT", path, body);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(expected);
  }

  /** Plugin {@code plugin}'s counters as the gateway's status shows them ({@code plugins.<name>}). */
  com.fasterxml.jackson.databind.JsonNode counters(String plugin) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(admin("GET", "/dynconf/status", null).body()).path("plugins").path(plugin);
  }

  /** The next datagram {@code udp} receives (within its timeout), as JSON. */
  static com.fasterxml.jackson.databind.JsonNode datagram(java.net.DatagramSocket udp) throws java.io.IOException {
    byte[] buf = new byte[70_000];
    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
    udp.receive(p);
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
  }

  /** PUTs route {@code id} with {@code plugins} (a JSON object's inside) on {@code uri}. */
  void route(String id, String uri, String plugins) throws Exception {
    put("/apisix/admin/routes/" + id, "{\"uri\":\"" + uri + "\",\"upstream_id\":\"web\",\"plugins\":{" + plugins + "}}", 201);
  }

  /** PUTs a route carrying {@code plugins} and expects the admin API's 400 naming {@code fragments}. */
  void refused(String plugins, String... fragments) throws Exception {
    HttpResponse<String> r = admin("PUT", "/apisix/admin/routes/bad",
        "{\"uri\":\"/bad\",\"upstream_id\":\"web\",\"plugins\":{" + plugins + "}}");
    assertThat(r.statusCode()).as("%s -> %s", plugins, r.body()).isEqualTo(400);
    assertThat(r.body()).as(plugins).contains(fragments);
  }

  HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(WAIT);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    return send("GET", path, headers);
  }

  /** Waits until a GET of {@code path} answers {@code status} (the route has reached the data plane). */
  void awaitStatus(String path, int status, String... headers) {
    await().atMost(WAIT).until(() -> get(path, headers).statusCode() == status);
  }

  /** One raw HTTP/1.1 exchange (for headers the JDK client refuses to send, such as {@code Host}); the whole answer. */
  String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.dataAddress().getPort())) {
      s.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** The header {@code name} (JDK server's spelling: first letter upper case) of the upstream's last request. */
  String lastUpstreamHeader(String name) {
    return backend.header(backend.requests.size() - 1, name);
  }
}
