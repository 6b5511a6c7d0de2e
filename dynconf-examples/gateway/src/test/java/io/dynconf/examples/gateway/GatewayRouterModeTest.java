package io.dynconf.examples.gateway;

import static io.dynconf.netty.contract.NormalisingBackend.rawGet;
import static io.dynconf.netty.contract.NormalisingBackend.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dynconf.examples.gateway.internal.ParameterRoutes;
import io.dynconf.radix.RouterMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 16, item 1 in the gateway: {@code --router-mode} with APISIX's names and APISIX's default
 * ({@code radixtree_host_uri}), over real sockets, and the start-up warning naming the routes whose
 * {@code :name} segments the mode reads as literal text.
 */
class GatewayRouterModeTest {
  @TempDir Path dir;
  private final Backend a;
  private final Backend b;
  private final Backend c;
  private Gateway gateway;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  GatewayRouterModeTest() throws IOException {
    a = new Backend("a");
    b = new Backend("b");
    c = new Backend("c");
  }

  @BeforeEach
  void captureLog() {
    log.start();
    ((Logger) LoggerFactory.getLogger(ParameterRoutes.class)).addAppender(log);
  }

  @AfterEach
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(ParameterRoutes.class)).detachAppender(log);
    if (gateway != null) {
      gateway.close();
    }
    for (Backend x : List.of(a, b, c)) {
      x.close();
    }
  }

  /** Routes: a host-less {@code /echo/*} first, a parameter route, a host-bound {@code /echo/*} last. */
  private void start(String... flags) throws Exception {
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, """
        upstreams:
          - id: a
            nodes: {"%s": 1}
          - id: b
            nodes: {"%s": 1}
          - id: c
            nodes: {"%s": 1}
        routes:
          - id: any
            uri: /echo/*
            upstream_id: a
          - id: param-route
            uri: /echo/p/:id
            upstream_id: b
          - id: hosted
            uri: /echo/*
            hosts: [h.test]
            upstream_id: c
        #END
        """.formatted(a.node(), b.node(), c.node()));
    String[] base = {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--echo-listen", "off",
        "--data-dir", dir.resolve("data").toString(), "--standalone", file.toString(), "--admin-key", GatewayAdminTest.KEY};
    String[] all = java.util.Arrays.copyOf(base, base.length + flags.length);
    System.arraycopy(flags, 0, all, base.length, flags.length);
    gateway = Gateway.start(GatewayConfig.parse(all));
  }

  /** The name of the backend that answered, or the status when none did. */
  private String served(String target, String host) throws IOException {
    String r = rawGet(gateway.dataAddress().getPort(), target, host);
    int s = status(r);
    if (s != 200) {
      return "status " + s;
    }
    String body = r.substring(r.indexOf("\r\n\r\n") + 4);
    return body.substring(0, body.indexOf(' '));
  }

  private List<String> warnings() {
    return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void theDefaultIsApisixsHostUriModeWithLiteralParametersAndHostRoutesFirst() throws Exception {
    start();
    assertThat(served("/echo/p/42", "x.test")).as(":id is literal text: /echo/p/42 falls to /echo/*").isEqualTo("a");
    assertThat(served("/echo/p/:id", "x.test")).as("only the literal spelling matches").isEqualTo("b");
    assertThat(served("/echo/x", "h.test")).as("the host-bound /echo/* wins over the older host-less one").isEqualTo("c");
    assertThat(served("/echo/x", "x.test")).isEqualTo("a");
    assertThat(warnings()).singleElement().asString()
        .contains("radixtree_host_uri", "1 route(s)", "param-route", "--router-mode radixtree_uri_with_parameter");
  }

  @Test
  void uriWithParameterBindsAndDoesNotWarn() throws Exception {
    start("--router-mode", "radixtree_uri_with_parameter");
    assertThat(served("/echo/p/42", "x.test")).isEqualTo("b");
    assertThat(served("/echo/x", "x.test")).isEqualTo("a");
    assertThat(warnings()).isEmpty();
  }

  @Test
  void uriModeReadsParametersLiterallyAndWarns() throws Exception {
    start("--router-mode=radixtree_uri");
    assertThat(served("/echo/p/42", "x.test")).isEqualTo("a");
    assertThat(served("/echo/p/:id", "x.test")).isEqualTo("b");
    assertThat(warnings()).singleElement().asString().contains("radixtree_uri:", "param-route");
  }

  @Test
  void anUnknownModeIsRefusedNamingTheFlagAndTheChoices() {
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--router-mode", "radixtree_host"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--router-mode")
        .hasMessageContaining("radixtree_uri_with_parameter");
    assertThat(GatewayConfig.defaults().routerMode()).isEqualTo(RouterMode.RADIXTREE_HOST_URI);
  }

  @Test
  void onlySegmentsThatStartWithAColonCount() {
    assertThat(ParameterRoutes.hasParameterSegment("/a/:id")).isTrue();
    assertThat(ParameterRoutes.hasParameterSegment("/:x/b")).isTrue();
    assertThat(ParameterRoutes.hasParameterSegment("/a:b/c")).isFalse();
    assertThat(ParameterRoutes.hasParameterSegment("/a/:/b")).isFalse();
    assertThat(ParameterRoutes.hasParameterSegment("/a/")).isFalse();
  }
}
