package io.dynconf.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * The last handler of an upstream connection: hands what the upstream sends to the exchange that
 * currently owns the connection. An idle pooled connection has no owner; anything it receives is
 * dropped and the connection closed (an upstream must not speak unasked).
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

  /** What an exchange hears from its upstream connection. */
  interface Listener {
    void onBackendRead(Object msg);

    void onBackendClosed();

    void onBackendError(Throwable cause);

    void onBackendWritable();
  }

  private @Nullable Listener listener;
  /** The pool's key of this connection's node ({@code host:port}), and since when it is idle in the pool (nanoTime). */
  String node = "";
  long idleSince;

  void listener(@Nullable Listener listener) {
    this.listener = listener;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Listener l = listener;
    if (l == null) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    l.onBackendRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Listener l = listener;
    if (l != null) {
      l.onBackendClosed();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Listener l = listener;
    if (l != null && ctx.channel().isWritable()) {
      l.onBackendWritable();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Listener l = listener;
    if (l != null) {
      l.onBackendError(cause);
    } else {
      ctx.close();
    }
  }
}
