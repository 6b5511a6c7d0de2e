package io.dynconf.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's Netty embedding, run for real (its text is checked by core's ReadmeSnippetsTest). */
class ReadmeNettyExampleTest {
  @Test
  void readmeNettyExample() throws Exception {
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
    backend.createContext("/", ex -> {
      byte[] body = ("hello from " + ex.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    backend.start();
    int port = 0; // the README binds 9080
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      source.put("/apisix/upstreams/u", "{\"nodes\":{\"127.0.0.1:" + backend.getAddress().getPort() + "\":1}}");
      source.put("/apisix/routes/r", "{\"uri\":\"/hello/*\",\"upstream_id\":\"u\"}");
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      // --- README example begins
      RouteTable routes = RouteTable.attach(registry);
      Balancers balancers = Balancers.builder().build();
      ProxyHandler.Settings settings = ProxyHandler.Settings.of(routes, balancers, new UpstreamPool(64, 60_000));
      EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
      Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec(), new ProxyHandler(settings));
            }
          })
          .bind(port).sync().channel();
      // --- README example ends
      try {
        int bound = ((InetSocketAddress) server.localAddress()).getPort();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).until(() -> routes.router().size() == 1);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bound + "/hello/x")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from /hello/x");
      } finally {
        server.close().sync();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).sync();
        balancers.close();
        routes.close();
      }
    } finally {
      backend.stop(0);
    }
  }
}
