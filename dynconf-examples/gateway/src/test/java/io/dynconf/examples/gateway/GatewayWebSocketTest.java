package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WebSocket upgrade through the gateway to a real WebSocket upstream, only where enabled. */
class GatewayWebSocketTest {
  @TempDir Path dir;
  private EventLoopGroup group;
  private Channel wsServer;
  private Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    wsServer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler("/ws"), new SimpleChannelInboundHandler<Object>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof TextWebSocketFrame frame) {
                      ctx.writeAndFlush(new TextWebSocketFrame("echo: " + frame.text()));
                    } else { // a plain HTTP request (no upgrade): 404
                      io.netty.handler.codec.http.FullHttpResponse r = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                          io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND);
                      r.headers().set("content-length", 0);
                      ctx.writeAndFlush(r);
                    }
                  }
                });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    int port = ((InetSocketAddress) wsServer.localAddress()).getPort();
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, """
        routes:
          - id: ws
            uri: /ws
            enable_websocket: true
            upstream:
              nodes:
                "127.0.0.1:%d": 1
          - id: plain
            uri: /ws-off
            upstream:
              nodes:
                "127.0.0.1:%d": 1
        #END
        """.formatted(port, port));
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(), "--standalone", file.toString(),
        "--admin-key", GatewayAdminTest.KEY, "--client-header-timeout", "300ms", "--keepalive-timeout", "300ms",
        "--client-body-timeout", "300ms"}));
  }

  @AfterEach
  void stop() {
    gateway.close();
    wsServer.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void messagesFlowBothWaysAfterTheUpgrade() throws Exception {
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.dataAddress().getPort() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            received.add(data.toString());
            webSocket.request(1);
            return CompletableFuture.completedFuture(null);
          }
        }).get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 20; i++) {
      ws.sendText("hello " + i, true).get(10, TimeUnit.SECONDS);
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo: hello " + i);
      if (i == 0) {
        Thread.sleep(1000); // a quiet tunnel, longer than the client timeouts (300 ms): it stays open
      }
    }
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRouteWithoutEnableWebsocketDoesNotUpgrade() {
    // the path /ws-off reaches the same upstream, which only upgrades on /ws: the upgrade headers are
    // not passed, so the handshake fails rather than tunnelling
    assertThatThrownBy(() -> HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.dataAddress().getPort() + "/ws-off"), new WebSocket.Listener() {})
        .get(10, TimeUnit.SECONDS))
        .hasMessageContaining("WebSocketHandshakeException");
  }
}
