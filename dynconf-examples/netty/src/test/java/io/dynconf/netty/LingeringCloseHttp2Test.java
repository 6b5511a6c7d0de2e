package io.dynconf.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTP/2 stream answered before its request body ended ({@link LingeringClose#start} on a stream
 * channel): the client (curl, h2c with prior knowledge) gets the whole answer and a clean end, and the
 * server's stream channel is closed afterwards, so answered uploads never pile up open streams.
 */
class LingeringCloseHttp2Test {
  @TempDir Path dir;
  private MultiThreadIoEventLoopGroup group;
  private Channel server;
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, Transport.NIO.ioHandlerFactory());
    server = Transport.bind(new ServerBootstrap().group(group).channel(Transport.NIO.serverChannel())
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(Http2Connections.priorKnowledge(ctx -> Http2Connections.serve(ctx.pipeline(), 8192,
                Duration.ofSeconds(30), stream -> {
                  openStreams.incrementAndGet();
                  stream.closeFuture().addListener(f -> openStreams.decrementAndGet());
                  stream.pipeline().addLast(new AnswerEarly());
                })));
          }
        }), "test listener", "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Answers 413 to the request's head, then closes the stream lingering; drops the body it gets. */
  private final class AnswerEarly extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean head = msg instanceof HttpRequest;
      ReferenceCountUtil.release(msg);
      if (head) {
        byte[] body = "too large\n".getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            Unpooled.wrappedBuffer(body));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        answered.incrementAndGet();
        LingeringClose.after(ctx.writeAndFlush(r));
      }
    }
  }

  @Test
  void uploadsAnsweredEarlyGetTheAnswerAndLeaveNoStreamOpen() throws Exception {
    Path big = dir.resolve("big");
    Files.write(big, new byte[3_000_000]);
    String url = "http://127.0.0.1:" + ((java.net.InetSocketAddress) server.localAddress()).getPort() + "/upload";
    for (int i = 0; i < 3; i++) {
      // one upload per curl: curl 7.88 cannot reuse a connection after it stopped sending a body on
      // an early answer ("Error in the HTTP2 framing layer"; nginx 1.22 draws the same error from it)
      List<String> cmd = List.of("curl", "-sS", "--http2-prior-knowledge", "--max-time", "20", "-T", big.toString(), "-o", "/dev/null",
          "-w", "%{http_version} %{http_code}", url);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(out).as("curl's output").isEqualTo("2 413");
      assertThat(p.exitValue()).as("curl's exit status").isZero();
    }
    assertThat(answered.get()).isEqualTo(3);
    await().atMost(Duration.ofMillis(LingeringClose.MAX_MILLIS + 3_000)).untilAsserted(() -> assertThat(openStreams.get())
        .as("stream channels still open").isZero());
  }
}
