package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** APISIX's echo through a real gateway: bodies replaced and wrapped, on upstream and plugin answers, streamed or not. */
class EchoPluginTest extends PluginGatewayTest {

  @Test
  void bodyReplacesTheUpstreamsBodyWithItsLength() throws Exception {
    gw.route("r", "/r", "\"echo\":{\"body\":\"hello\",\"headers\":{\"X-Echo\":\"1\",\"X-N\":2}}");
    gw.awaitStatus("/r", 200, "X", "1");
    HttpResponse<String> r = gw.get("/r");
    assertThat(r.body()).isEqualTo("hello");
    assertThat(r.headers().firstValue("Content-Length")).hasValue("5");
    assertThat(r.headers().firstValue("X-Echo")).hasValue("1");
    assertThat(r.headers().firstValue("X-N")).hasValue("2");
  }

  @Test
  void beforeAndAfterWrapTheUpstreamsBody() throws Exception {
    gw.route("r", "/r", "\"echo\":{\"before_body\":\"<<\",\"after_body\":\">>\"}");
    gw.awaitStatus("/r", 200);
    HttpResponse<String> r = gw.get("/r");
    assertThat(r.body()).isEqualTo("<<web GET /r body=0>>");
    assertThat(r.headers().firstValue("Content-Length")).as("the length is no longer known: chunked").isEmpty();
    assertThat(r.headers().firstValue("Transfer-Encoding")).hasValue("chunked");

    gw.route("b", "/b", "\"echo\":{\"before_body\":\"[\",\"body\":\"x\",\"after_body\":\"]\"}");
    gw.awaitStatus("/b", 200);
    HttpResponse<String> b = gw.get("/b");
    assertThat(b.body()).as("before + body + after, as APISIX").isEqualTo("[x]");
    assertThat(b.headers().firstValue("Content-Length")).hasValue("3");
  }

  @Test
  void aStreamedBodyIsWrappedWithoutBeingHeld() throws Exception {
    gw.route("d", "/download", "\"echo\":{\"before_body\":\"BEGIN\",\"after_body\":\"END\"}");
    gw.awaitStatus("/download?bytes=1", 200);
    int size = 8 * 1024 * 1024;
    HttpResponse<byte[]> r = gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.dataAddress().getPort()
        + "/download?bytes=" + size)).build(), HttpResponse.BodyHandlers.ofByteArray());
    byte[] body = r.body();
    assertThat(body.length).isEqualTo(size + 8);
    assertThat(new String(body, 0, 5, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("BEGIN");
    assertThat(new String(body, body.length - 3, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("END");
    for (int i = 5; i < body.length - 3; i++) {
      if (body[i] != 0) {
        throw new AssertionError("byte " + i + " changed");
      }
    }
  }

  @Test
  void aPluginsOwnAnswerIsWrappedAndAHeadRequestGetsNoBody() throws Exception {
    gw.route("r", "/r/*", "\"uri-blocker\":{\"block_rules\":[\"secret\"],\"rejected_msg\":\"no\"},\"echo\":{\"after_body\":\"!\"}");
    gw.awaitStatus("/r/secret", 403);
    HttpResponse<String> r = gw.get("/r/secret");
    assertThat(r.body()).isEqualTo("{\"error_msg\":\"no\"}\n!");
    assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(r.body().length()));
    HttpResponse<String> head = gw.send("HEAD", "/r/open");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(gw.get("/r/open").body()).as("the connection stayed usable").isEqualTo("web GET /r/open body=0!");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"echo\":{}", "plugins/echo/body", "one of before_body, body and after_body");
    gw.refused("\"echo\":{\"headers\":{\"X-A\":\"1\"}}", "plugins/echo/body", "one of");
    gw.refused("\"echo\":{\"body\":1}", "plugins/echo/body", "string");
    gw.refused("\"echo\":{\"body\":\"x\",\"headers\":{}}", "plugins/echo/headers");
    gw.refused("\"echo\":{\"body\":\"x\",\"headers\":{\"X-A\":true}}", "plugins/echo/headers/X-A");
    gw.refused("\"echo\":{\"body\":\"x\",\"headers\":{\"X A\":\"1\"}}", "plugins/echo/headers/X A", "not a header name");
  }
}
