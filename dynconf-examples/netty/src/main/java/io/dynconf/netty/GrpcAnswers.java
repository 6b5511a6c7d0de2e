package io.dynconf.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * gRPC's answers on one HTTP/2 stream from a client, between the stream's HTTP/1.1 view and the
 * proxy handler. For a gRPC request ({@code content-type: application/grpc...}):
 *
 * <ul>
 *   <li>an answer the gateway makes itself (404 no route, 401 from an auth plugin, 502 or 504 when
 *       the upstream fails) becomes a gRPC error: status 200 with {@code grpc-status} and
 *       {@code grpc-message} in a trailers-only response, the status mapped from HTTP as gRPC's
 *       own clients map it (401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429 and
 *       5xx UNAVAILABLE, 400 INTERNAL, else UNKNOWN); upstream answers pass as they are;
 *   <li>{@code grpc-timeout} is honoured: when the deadline passes before the response ends, the
 *       client gets {@code DEADLINE_EXCEEDED} (in trailers if the response had started) and the
 *       stream, with its upstream stream, is closed. The header also goes upstream, so the server
 *       sees the same deadline.
 * </ul>
 */
final class GrpcAnswers extends ChannelDuplexHandler {
  static final int DEADLINE_EXCEEDED = 4;

  private boolean grpc;
  private boolean headWritten;
  private boolean ended;
  private @Nullable ScheduledFuture<?> deadline;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
      grpc = type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
      long nanos = grpc ? timeoutNanos(request.headers().get("grpc-timeout")) : -1;
      if (nanos >= 0) {
        deadline = ctx.executor().schedule(() -> expire(ctx), nanos, TimeUnit.NANOSECONDS);
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** {@code grpc-timeout}: at most 8 digits and a unit (H, M, S, m, u, n); -1 when absent or malformed. */
  static long timeoutNanos(@Nullable String value) {
    if (value == null || value.length() < 2 || value.length() > 9) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    TimeUnit unit = switch (value.charAt(value.length() - 1)) {
      case 'H' -> TimeUnit.HOURS;
      case 'M' -> TimeUnit.MINUTES;
      case 'S' -> TimeUnit.SECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'n' -> TimeUnit.NANOSECONDS;
      default -> null;
    };
    return unit == null ? -1 : unit.toNanos(n);
  }

  private void expire(ChannelHandlerContext ctx) {
    deadline = null;
    if (ended || !ctx.channel().isActive()) {
      return;
    }
    ended = true;
    if (headWritten) {
      LastHttpContent trailers = new DefaultLastHttpContent();
      trailers.trailingHeaders().set("grpc-status", DEADLINE_EXCEEDED).set("grpc-message", "deadline exceeded at the gateway");
      ctx.writeAndFlush(trailers).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(error(DEADLINE_EXCEEDED, "deadline exceeded at the gateway")).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (ended) { // the deadline answered already: what the proxy still sends goes nowhere
      ReferenceCountUtil.release(msg);
      promise.setSuccess();
      return;
    }
    if (grpc && msg instanceof FullHttpResponse full && full.status().code() >= 300) {
      String text = full.content().toString(StandardCharsets.UTF_8).strip();
      int code = code(full.status().code());
      full.release();
      msg = error(code, text.isEmpty() ? full.status().toString() : text);
    }
    if (msg instanceof HttpResponse r && r.status().code() >= 200) {
      headWritten = true;
    }
    if (msg instanceof LastHttpContent) {
      ended = true;
      ScheduledFuture<?> d = deadline;
      if (d != null) {
        d.cancel(false);
        deadline = null;
      }
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    super.channelInactive(ctx);
  }

  /** gRPC's mapping of an HTTP status to a gRPC status code. */
  static int code(int http) {
    return switch (http) {
      case 400 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> 14; // UNAVAILABLE
      default -> 2; // UNKNOWN
    };
  }

  /** A trailers-only gRPC error: status 200, {@code grpc-status} and {@code grpc-message} in the headers. */
  static FullHttpResponse error(int code, String message) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
        .set("grpc-status", code)
        .set("grpc-message", percentEncode(message));
    return r;
  }

  /** gRPC's {@code grpc-message} encoding: printable ASCII except {@code %} as is, the rest as %XX of UTF-8. */
  static String percentEncode(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
