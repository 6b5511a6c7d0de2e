package io.dynconf.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client may still be sending (an answer given before its request body
 * was read: 401, 404, 413, ...) without losing that answer. Closing a socket with unread input makes
 * the kernel send a reset, and a reset makes the client's kernel drop what it had received but not
 * yet read — the answer. So, as nginx's {@code lingering_close}: the output is shut down after the
 * answer (the client sees the answer, then end of stream), and the input is read and dropped until
 * the client closes, for at most {@link #MAX_MILLIS} ms and {@link #MAX_BYTES} bytes, then the
 * connection is closed. Both bounds keep a client that never stops sending from holding the
 * connection.
 */
public final class LingeringClose {
  /** The longest time a closing connection keeps reading. */
  public static final long MAX_MILLIS = 2_000;
  /** The most bytes a closing connection reads and drops. */
  public static final long MAX_BYTES = 4L * 1024 * 1024;

  private static final String NAME = "dynconf-lingering-close";

  private LingeringClose() {}

  /** Once {@code written} completes (successfully or not), closes its channel lingering. */
  public static void after(ChannelFuture written) {
    written.addListener(f -> {
      if (f.isSuccess()) {
        start(written.channel());
      } else {
        written.channel().close();
      }
    });
  }

  /** Closes {@code ch} lingering, from now; on its event loop or not. */
  public static void start(Channel ch) {
    if (!ch.eventLoop().inEventLoop()) {
      ch.eventLoop().execute(() -> start(ch));
      return;
    }
    if (!ch.isActive() || ch.pipeline().get(NAME) != null) {
      return;
    }
    if (!(ch instanceof DuplexChannel) && !(ch instanceof Http2StreamChannel)) {
      ch.close();
      return;
    }
    // the backstop: whatever happens below, the channel is closed after MAX_MILLIS
    io.netty.util.concurrent.ScheduledFuture<?> deadline = ch.eventLoop().schedule(() -> {
      ch.close();
    }, MAX_MILLIS, TimeUnit.MILLISECONDS);
    ch.closeFuture().addListener(f -> deadline.cancel(false));
    ch.pipeline().addFirst(NAME, new Drop()); // raw bytes (or a stream's frames), before any TLS or HTTP decoding
    if (ch instanceof Http2StreamChannel) {
      // RFC 9113 section 8.1: after a complete response, RST_STREAM with NO_ERROR asks the client to
      // stop sending its request without an error; a bare close resets with CANCEL, and a client
      // that reads the reset before the response (curl: "not closed cleanly") loses the answer. The
      // codec closes the stream channel once the reset is written.
      ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR)).addListener(f -> {
        if (!f.isSuccess()) {
          ch.close();
        }
      });
      return;
    }
    DuplexChannel duplex = (DuplexChannel) ch;
    SslHandler ssl = ch.pipeline().get(SslHandler.class);
    if (ssl != null) {
      ssl.closeOutbound().addListener(f -> shutdownOutput(duplex)); // close_notify first
    } else {
      shutdownOutput(duplex);
    }
    ch.config().setAutoRead(true);
    ch.read();
  }

  private static void shutdownOutput(DuplexChannel ch) {
    if (!ch.isActive()) {
      return;
    }
    ch.shutdownOutput().addListener(f -> {
      if (!f.isSuccess()) {
        ch.close(); // the output could not be shut down: nothing to linger for
      }
    });
  }

  /** Reads and drops whatever arrives (bytes, or a stream's frames), closing after {@link #MAX_BYTES} bytes. */
  private static final class Drop extends ChannelInboundHandlerAdapter {
    private long read;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        read += buf.readableBytes();
      } else if (msg instanceof io.netty.buffer.ByteBufHolder data) {
        read += data.content().readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (read > MAX_BYTES) {
        ctx.close();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // nothing further in the pipeline needs to know
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a reset while lingering: the client is gone, which is what we waited for
    }
  }
}
