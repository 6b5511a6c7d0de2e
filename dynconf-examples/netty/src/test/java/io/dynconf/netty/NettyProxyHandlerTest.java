package io.dynconf.netty;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.netty.contract.EmbeddedProxyContract;
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

/**
 * {@link ProxyHandler} against the embedding contract, embedded as a user would: a minimal
 * {@code ServerBootstrap} of the test's own with an {@code HttpServerCodec} and the handler.
 */
class NettyProxyHandlerTest extends EmbeddedProxyContract {
  /** The embedding under test: what a user of dynconf-netty writes (the README's snippet). */
  static final class App implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final RouteTable routes;
    final Balancers balancers = Balancers.builder().build();
    final Channel server;

    App(ConfigRegistry registry) throws InterruptedException {
      routes = RouteTable.attach(registry);
      ProxyHandler.Settings settings = ProxyHandler.Settings.of(routes, balancers, new UpstreamPool(64, 60_000));
      server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec());
              ch.pipeline().addLast(new ProxyHandler(settings));
            }
          })
          .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
      return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() throws Exception {
      server.close().sync();
      group.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).sync();
      balancers.close();
      routes.close();
    }
  }

  @Override
  protected AutoCloseable startApp(ConfigRegistry registry) throws Exception {
    return new App(registry);
  }

  @Override
  protected int port(AutoCloseable app) {
    return ((App) app).port();
  }
}
