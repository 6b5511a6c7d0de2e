package io.dynconf.examples.gateway.internal;

import io.dynconf.netty.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The demo upstream the gateway starts next to itself so that its bundled configuration serves
 * at once on a machine with nothing else running: answers every request with a JSON echo of it
 * (method, uri, headers, body size), like httpbin's {@code /anything}.
 */
public final class EchoServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EchoServer.class);
  private final Channel channel;

  public EchoServer(EventLoopGroup group, String host, int port) throws InterruptedException, java.net.BindException {
    channel = Transport.bind(new ServerBootstrap().group(group).channel(Transport.of(group.next()).serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(1 << 20), new Echo());
          }
        }), "echo listener", host, port);
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  private static final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      if (req.decoderResult().isFailure()) {
        // a head over the codec's limits (the gateway passes heads up to 16 KiB) or a malformed
        // one: the codec reads nothing more on this connection, so answering it as a request and
        // keeping it open left every later request on it unanswered (a gateway's pooled connection)
        ByteBuf body = Unpooled.copiedBuffer("{\"error_msg\":" + quote("bad request: " + req.decoderResult().cause()) + "}\n",
            StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      StringBuilder json = new StringBuilder("{\"method\":").append(quote(req.method().name()))
          .append(",\"uri\":").append(quote(req.uri())).append(",\"headers\":{");
      boolean first = true;
      for (Map.Entry<String, String> h : req.headers()) {
        json.append(first ? "" : ",").append(quote(h.getKey())).append(':').append(quote(h.getValue()));
        first = false;
      }
      json.append("},\"body_bytes\":").append(req.content().readableBytes())
          .append(",\"server\":\"dynconf-gateway echo\"}\n");
      ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      if (!io.netty.handler.codec.http.HttpUtil.isKeepAlive(req)) {
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        io.netty.handler.codec.http.HttpUtil.setKeepAlive(r, true);
        ctx.writeAndFlush(r);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a client gone mid-request (the aggregator's PrematureChannelClosureException) and the
      // like: closed without a warning and a stack trace each (an attacker's thousands flooded the log)
      LOG.debug("echo connection {} failed", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }

    private static String quote(String s) {
      StringBuilder b = new StringBuilder("\"");
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.append('"').toString();
    }
  }
}
