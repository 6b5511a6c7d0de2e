package io.dynconf.netty;

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
import java.util.Locale;

/**
 * The socket transport of a server's event loops: the JVM's NIO, or Linux's native epoll when the
 * host ships Netty's native library ({@code netty-transport-native-epoll}, classifier
 * {@code linux-x86_64} or {@code linux-aarch_64}; the example gateway does). Epoll saves the JDK
 * selector's and socket channel's own work on every read and write; the proxy's upstream
 * connections take the transport of the client connection's loop ({@link #socketChannelFor}).
 */
public enum Transport {
  NIO,
  EPOLL;

  /** Epoll when its native library loads here, else NIO. */
  public static Transport auto() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * {@code auto}, {@code nio} or {@code epoll} (any case).
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
      default -> throw new IllegalArgumentException("unknown transport '" + name + "' (auto, nio or epoll)");
    };
  }

  /** For {@code new MultiThreadIoEventLoopGroup(n, transport.ioHandlerFactory())}. */
  public IoHandlerFactory ioHandlerFactory() {
    return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /** The listening channel class for loops of this transport. */
  public Class<? extends ServerSocketChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The connecting channel class for loops of this transport. */
  public Class<? extends SocketChannel> socketChannel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The transport of {@code loop} (NIO unless it is an epoll loop). */
  public static Transport of(EventLoop loop) {
    return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class) ? EPOLL : NIO;
  }

  /** The connecting channel class for a connection made on {@code loop}. */
  public static Class<? extends SocketChannel> socketChannelFor(EventLoop loop) {
    return of(loop).socketChannel();
  }
}
