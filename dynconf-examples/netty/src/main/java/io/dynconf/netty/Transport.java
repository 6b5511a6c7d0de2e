package io.dynconf.netty;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.io.IOException;
import java.net.BindException;
import java.util.Locale;

/**
 * The socket transport of a server's event loops: the JVM's NIO, or Linux's native epoll when the
 * host ships Netty's native library ({@code netty-transport-native-epoll}, classifier
 * {@code linux-x86_64} or {@code linux-aarch_64}; the example gateway does). Epoll saves the JDK
 * selector's and socket channel's own work on every read and write; the proxy's upstream
 * connections take the transport of the client connection's loop ({@link #socketChannelFor}).
 * {@code IO_URING} uses Linux's io_uring through {@code netty-transport-native-io_uring} (the
 * example gateway ships it): the loops submit their reads and writes in batches instead of one
 * system call each, which took a third off the gateway's CPU per proxied request against epoll.
 */
public enum Transport {
  NIO,
  EPOLL,
  IO_URING;

  /**
   * io_uring when its classes and native library load here and the kernel lets this process set up
   * a ring (a container's seccomp profile often forbids it); else epoll when its native library
   * loads; else NIO.
   */
  public static Transport auto() {
    if (ioUringAvailable()) {
      return IO_URING;
    }
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * {@code auto}, {@code nio}, {@code epoll} or {@code io_uring} (any case).
   *
   * @throws IllegalArgumentException for another name, or {@code epoll} where it cannot load (with why)
   */
  public static Transport parse(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "auto" -> auto();
      case "nio" -> NIO;
      case "epoll" -> {
        if (!Epoll.isAvailable()) {
          throw new IllegalArgumentException("transport epoll is not available here: " + Epoll.unavailabilityCause());
        }
        yield EPOLL;
      }
      case "io_uring", "io-uring", "iouring" -> {
        if (!ioUringAvailable()) {
          throw new IllegalArgumentException("transport io_uring is not available here: " + ioUringUnavailability());
        }
        yield IO_URING;
      }
      default -> throw new IllegalArgumentException("unknown transport '" + name + "' (auto, nio, epoll or io_uring)");
    };
  }

  /** Whether io_uring's classes and native library load here and the kernel allows it. */
  private static boolean ioUringAvailable() {
    try {
      return IoUring.isAvailable();
    } catch (LinkageError e) { // the classes are an optional dependency of this module
      return false;
    }
  }

  /**
   * Whether io_uring accepts connections "multishot" here: one request takes the listener's whole
   * backlog into descriptors, so a handler that pauses accepting at a connection limit pauses too late.
   * Netty reads {@code -Dio.netty.iouring.acceptMultiShotEnabled} once, when its io_uring classes load.
   * False where io_uring is unavailable.
   */
  public static boolean ioUringAcceptsMultishot() {
    try {
      return IoUring.isAvailable() && IoUring.isAcceptMultishotEnabled();
    } catch (LinkageError e) {
      return false;
    }
  }

  private static String ioUringUnavailability() {
    try {
      return String.valueOf(IoUring.unavailabilityCause());
    } catch (LinkageError e) {
      return "netty-transport-classes-io_uring is not on the classpath (" + e + ")";
    }
  }

  /** For {@code new MultiThreadIoEventLoopGroup(n, transport.ioHandlerFactory())}. */
  public IoHandlerFactory ioHandlerFactory() {
    return switch (this) {
      case EPOLL -> EpollIoHandler.newFactory();
      case IO_URING -> IoUringIoHandler.newFactory();
      case NIO -> NioIoHandler.newFactory();
    };
  }

  /** The listening channel class for loops of this transport. */
  public Class<? extends ServerSocketChannel> serverChannel() {
    return switch (this) {
      case EPOLL -> EpollServerSocketChannel.class;
      case IO_URING -> IoUringServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }

  /** The connecting channel class for loops of this transport. */
  public Class<? extends SocketChannel> socketChannel() {
    return switch (this) {
      case EPOLL -> EpollSocketChannel.class;
      case IO_URING -> IoUringSocketChannel.class;
      case NIO -> NioSocketChannel.class;
    };
  }

  /** The transport of {@code loop} (NIO unless it is an epoll or io_uring loop). */
  public static Transport of(EventLoop loop) {
    if (loop instanceof IoEventLoop io) {
      if (io.isIoType(EpollIoHandler.class)) {
        return EPOLL;
      }
      if (isIoUring(io)) {
        return IO_URING;
      }
    }
    return NIO;
  }

  private static boolean isIoUring(IoEventLoop io) {
    try {
      return io.isIoType(IoUringIoHandler.class);
    } catch (LinkageError e) {
      return false;
    }
  }

  /** The connecting channel class for a connection made on {@code loop}. */
  public static Class<? extends SocketChannel> socketChannelFor(EventLoop loop) {
    return of(loop).socketChannel();
  }

  /**
   * Binds {@code bootstrap} to {@code host:port} and waits. A listener that cannot bind fails the
   * same way on either transport: a {@link BindException} naming the listener and the address
   * (epoll reports the kernel's error as its own {@code NativeIoException}, NIO as a
   * {@code BindException}; both are kept as the cause).
   *
   * @param listener what listens there, for the message ("data-plane listener", "admin API")
   */
  public static Channel bind(AbstractBootstrap<?, ?> bootstrap, String listener, String host, int port)
      throws BindException, InterruptedException {
    ChannelFuture bound = bootstrap.bind(host, port).await();
    if (bound.isSuccess()) {
      return bound.channel();
    }
    Throwable cause = bound.cause();
    if (cause instanceof IOException) {
      BindException e = new BindException(listener + " cannot listen on " + host + ":" + port + ": " + cause.getMessage());
      e.initCause(cause);
      throw e;
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException(listener + " cannot listen on " + host + ":" + port, cause);
  }
}
