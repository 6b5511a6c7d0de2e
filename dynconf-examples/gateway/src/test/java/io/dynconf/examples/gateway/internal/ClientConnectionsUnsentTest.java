package io.dynconf.examples.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientConnections#unsentBytes()}, what a graceful close waits for besides requests in
 * flight: bytes written to a client that its socket has not taken yet.
 */
class ClientConnectionsUnsentTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void bytesAClientDoesNotReadAreCountedUntilItReadsThem() throws Exception {
    ClientConnections clients = new ClientConnections(8);
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    NioEventLoopGroup group = new NioEventLoopGroup(1);
    try {
      Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              Duration t = Duration.ofMinutes(1);
              ClientTimeouts timeouts = new ClientTimeouts(t, t, t, t);
              ch.pipeline().addLast(timeouts);
              assertThat(clients.admit(ch, timeouts)).isTrue();
              accepted.complete(ch);
            }
          }).bind("127.0.0.1", 0).sync().channel();
      int total = 32 << 20; // more than the kernel's buffers on both sides hold (4 MiB send buffer at most here)
      try (Socket client = new Socket()) {
        client.setReceiveBufferSize(4096);
        client.connect((InetSocketAddress) server.localAddress());
        Channel ch = accepted.get();
        assertThat(clients.unsentBytes()).isZero();
        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[total]));
        await().atMost(WAIT).until(() -> clients.unsentBytes() > total / 2); // the client reads nothing
        InputStream in = client.getInputStream();
        byte[] buf = new byte[65536];
        long read = 0;
        while (read < total) {
          int n = in.read(buf);
          assertThat(n).isPositive();
          read += n;
        }
        // the event loop marks the write done just after the socket took its last bytes
        await().atMost(WAIT).until(() -> clients.unsentBytes() == 0);
      }
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
  }
}
