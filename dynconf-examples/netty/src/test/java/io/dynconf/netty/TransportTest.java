package io.dynconf.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Each transport this host offers carries bytes both ways over real loopback sockets, and names itself. */
class TransportTest {

  @Test
  void autoPrefersIoUringThenEpollThenNio() {
    System.out.println("io_uring available: " + IoUring.isAvailable() + " (" + IoUring.unavailabilityCause() + "); epoll: " + Epoll.isAvailable());
    Transport expected = IoUring.isAvailable() ? Transport.IO_URING : Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
    assertThat(Transport.auto()).isEqualTo(expected);
    assertThat(Transport.parse("AUTO")).isEqualTo(expected);
    assertThat(Transport.parse("nio")).isEqualTo(Transport.NIO);
    assertThatThrownBy(() -> Transport.parse("kqueue")).hasMessageContaining("auto, nio, epoll or io_uring");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aConnectionEchoesOnEachAvailableTransport(Transport transport) throws Exception {
    boolean available = switch (transport) {
      case NIO -> true;
      case EPOLL -> Epoll.isAvailable();
      case IO_URING -> IoUring.isAvailable();
    };
    if (!available) {
      assertThatThrownBy(() -> Transport.parse(transport.name())).hasMessageContaining("is not available here");
      return;
    }
    assertThat(Transport.parse(transport.name().toLowerCase(java.util.Locale.ROOT))).isEqualTo(transport);
    MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    try {
      assertThat(Transport.of(group.next())).isEqualTo(transport);
      Channel server = Transport.bind(new ServerBootstrap().group(group).channel(transport.serverChannel())
          .childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  ctx.writeAndFlush(msg); // echo
                }
              });
            }
          }), "test listener", "127.0.0.1", 0);
      CompletableFuture<String> echoed = new CompletableFuture<>();
      StringBuilder got = new StringBuilder();
      String sent = "hello over " + transport + " ".repeat(10_000) + "end";
      Channel client = new Bootstrap().group(group).channel(Transport.socketChannelFor(group.next()))
          .handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              ByteBuf b = (ByteBuf) msg;
              got.append(b.toString(StandardCharsets.UTF_8));
              b.release();
              if (got.length() >= sent.length()) {
                echoed.complete(got.toString());
              }
            }
          })
          .connect((InetSocketAddress) server.localAddress()).sync().channel();
      client.writeAndFlush(Unpooled.copiedBuffer(sent, StandardCharsets.UTF_8));
      assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo(sent);
      client.close().sync();
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
