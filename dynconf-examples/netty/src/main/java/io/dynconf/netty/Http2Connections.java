package io.dynconf.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/2 towards clients, for a host that serves {@link ProxyHandler} (or any HTTP/1.1-style
 * handler): each HTTP/2 stream becomes a child channel whose pipeline sees the stream as
 * {@code HttpRequest}/{@code HttpContent} objects, so the same handler serves both protocols with
 * the same routing, plugins, retries and timeouts. Flow control follows the handler's reads and
 * writes: a stream's window opens only as the handler reads its body, and a stream whose client
 * window is exhausted turns unwritable, which pauses the upstream (a slow client never makes the
 * gateway buffer a whole response).
 *
 * <p>A connection starts with the host's HTTP/1.1 pipeline; {@link #priorKnowledge} (plain
 * listener: h2c with prior knowledge) or {@link #alpn} (TLS listener: {@code h2} by ALPN) switches
 * it to HTTP/2 by calling the host's switch, which removes its HTTP/1.1 handlers and calls
 * {@link #serve}.
 *
 * <p>gRPC requests on a stream get gRPC's answers from the gateway itself (a gRPC status instead of
 * an HTTP error page) and their {@code grpc-timeout} honoured ({@link GrpcAnswers}); upstreams of
 * scheme {@code grpc}/{@code grpcs} are reached over HTTP/2 ({@link UpstreamPool}).
 */
public final class Http2Connections {
  /** Streams one connection may have open at once (nginx's {@code http2_max_concurrent_streams}). */
  public static final int MAX_CONCURRENT_STREAMS = 128;
  private static final ChannelHandler CONNECTION_ERRORS = PeerErrors.handler("HTTP/2 connection error");

  private static final byte[] PREFACE = ByteBufUtil.getBytes(Http2CodecUtil.connectionPrefaceBuf());

  private Http2Connections() {}

  /**
   * Makes {@code pipeline}'s connection serve HTTP/2 from here on.
   *
   * @param maxHeaderListSize the largest header list a client may send (as the HTTP/1.1 codec's limit)
   * @param idle an HTTP/2 connection without open streams for this long is closed (GOAWAY)
   * @param stream adds the handlers of one stream's child channel, after its HTTP/1.1 view
   */
  public static void serve(ChannelPipeline pipeline, int maxHeaderListSize, Duration idle, Consumer<Channel> stream) {
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
            .maxHeaderListSize(maxHeaderListSize))
        .validateHeaders(true)
        // rapid reset (CVE-2023-44487): Netty's default, 200 resets in 30 s, cuts off ordinary
        // clients that cancel many calls (gRPC cancels, hedged requests; a gRPC load run through
        // the gateway was cut off by it); 1,000 in 10 s still stops the attack's tens of thousands
        .decoderEnforceMaxRstFramesPerWindow(1000, 10)
        .build();
    pipeline.addLast(codec);
    pipeline.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Http1View(), new GrpcAnswers());
        stream.accept(ch);
      }
    }));
    pipeline.addLast(new NoStreamsTimeout(codec, idle));
    pipeline.addLast(CONNECTION_ERRORS); // the codec has answered a protocol error with GOAWAY already
    Channel ch = pipeline.channel();
    ch.config().setAutoRead(true); // the connection always reads; each stream's window is its flow control
    ch.read();
  }

  /**
   * First in a plain listener's connection: when the client opens with HTTP/2's connection preface
   * (h2c with prior knowledge), calls {@code toHttp2} with this handler's context before handing it
   * the bytes; otherwise removes itself and the connection stays HTTP/1.1.
   */
  public static ChannelHandler priorKnowledge(Consumer<ChannelHandlerContext> toHttp2) {
    return new PriorKnowledge(toHttp2);
  }

  /**
   * After a TLS listener's {@code SslHandler} (or {@code SniHandler}): when ALPN chose {@code h2},
   * calls {@code toHttp2}; otherwise (HTTP/1.1, or no ALPN) the connection stays HTTP/1.1.
   */
  public static ChannelHandler alpn(Consumer<ChannelHandlerContext> toHttp2) {
    return new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
      @Override
      protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (protocol.equals(ApplicationProtocolNames.HTTP_2)) {
          toHttp2.accept(ctx);
        }
      }

      @Override
      protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        PeerErrors.report("TLS handshake failed", ctx.channel(), cause); // not Netty's warning and stack trace each
      }
    };
  }

  /**
   * Closes the connection (GOAWAY first) once it has had no open stream for {@code idle}: the
   * timer runs from the last stream's end (or the connection's start) and only a new stream stops
   * it, so frames without streams (PING, SETTINGS, WINDOW_UPDATE) do not keep a connection open.
   */
  private static final class NoStreamsTimeout extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final long idleNanos;
    private @Nullable ScheduledFuture<?> timer;

    NoStreamsTimeout(Http2FrameCodec codec, Duration idle) {
      this.codec = codec;
      this.idleNanos = idle.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      codec.connection().addListener(new Http2ConnectionAdapter() {
        @Override
        public void onStreamActive(Http2Stream stream) {
          cancel();
        }

        @Override
        public void onStreamClosed(Http2Stream stream) {
          if (codec.connection().numActiveStreams() == 0) {
            arm(ctx);
          }
        }
      });
      arm(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
      cancel();
      timer = ctx.executor().schedule(() -> {
        timer = null;
        if (codec.connection().numActiveStreams() == 0) {
          ctx.close(); // the codec says GOAWAY first
        }
      }, idleNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
        timer = null;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      cancel();
      super.channelInactive(ctx);
    }
  }

  private static final class PriorKnowledge extends ByteToMessageDecoder {
    private final Consumer<ChannelHandlerContext> toHttp2;

    PriorKnowledge(Consumer<ChannelHandlerContext> toHttp2) {
      this.toHttp2 = toHttp2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.length);
      for (int i = 0; i < n; i++) {
        if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
          ctx.pipeline().remove(this); // HTTP/1.1: what was read goes on to its codec
          return;
        }
      }
      if (n == PREFACE.length) {
        toHttp2.accept(ctx);
        ctx.pipeline().remove(this); // the preface and what follows go on to the HTTP/2 codec
      } else {
        ctx.read(); // a prefix of the preface so far: the rest decides
      }
    }
  }

  /**
   * Makes a stream look exactly like an HTTP/1.1 request off the wire: a request whose HEADERS
   * ended the stream (Netty's conversion gives a {@code FullHttpRequest}) becomes a head and an
   * empty last content, as the HTTP/1.1 codec delivers it; and the {@code x-http2-*} headers the
   * conversion adds (stream id, scheme, path) go, since they describe this hop and must not travel
   * upstream.
   */
  private static final class Http1View extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        List<String> names = new ArrayList<>(2);
        for (Map.Entry<String, String> h : request.headers()) {
          if (h.getKey().toLowerCase(Locale.ROOT).startsWith("x-http2-")) {
            names.add(h.getKey());
          }
        }
        names.forEach(request.headers()::remove);
        if (msg instanceof FullHttpRequest full) {
          DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
          head.setDecoderResult(full.decoderResult());
          ctx.fireChannelRead(head);
          ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
          return;
        }
      }
      ctx.fireChannelRead(msg);
    }
  }
}
