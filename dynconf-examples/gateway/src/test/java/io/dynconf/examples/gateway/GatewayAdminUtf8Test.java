package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin request bodies that are not well-formed UTF-8, over a real socket: the JSON parser refused
 * some (a lone {@code FF}) but took others as characters, so an overlong {@code C0 AF} in a route's
 * uri was stored as "/" and a surrogate encoded in UTF-8 as a character. Now every one is a 400 and
 * nothing is stored.
 */
class GatewayAdminUtf8Test {
  @TempDir Path dir;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpResponse<String> put(String id, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
            + "/apisix/admin/routes/" + id)).header("X-API-KEY", GatewayAdminTest.KEY)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] route(byte[] uriTail) {
    byte[] a = "{\"uri\":\"/x".getBytes(StandardCharsets.ISO_8859_1);
    byte[] b = "\",\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}".getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[a.length + uriTail.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(uriTail, 0, out, a.length, uriTail.length);
    System.arraycopy(b, 0, out, a.length + uriTail.length, b.length);
    return out;
  }

  @Test
  void aBodyThatIsNotWellFormedUtf8IsA400AndNothingIsStored() throws Exception {
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}));
    byte[][] illFormed = {
        {(byte) 0xc0, (byte) 0xaf}, // "/" overlong: on main stored as "/x/"
        {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, // "/" overlong in three bytes
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // U+D800, a surrogate, encoded
        {(byte) 0xff}, // never in UTF-8 (the parser refused this one already)
    };
    for (int i = 0; i < illFormed.length; i++) {
      HttpResponse<String> r = put("u" + i, route(illFormed[i]));
      assertThat(r.statusCode()).as("sequence %d: %s", i, r.body()).isEqualTo(400);
      assertThat(r.body()).contains("invalid request body");
    }
    HttpResponse<String> fine = put("ok", route("/é".getBytes(StandardCharsets.UTF_8)));
    assertThat(fine.statusCode()).as(fine.body()).isIn(200, 201);
    HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
        + "/apisix/admin/routes")).header("X-API-KEY", GatewayAdminTest.KEY).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(list.body()).contains("\"id\":\"ok\"").doesNotContain("\"id\":\"u0\"").doesNotContain("\"id\":\"u1\"")
        .doesNotContain("\"id\":\"u2\"");
  }
}
