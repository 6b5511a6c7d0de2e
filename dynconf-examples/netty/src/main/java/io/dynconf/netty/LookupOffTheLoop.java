package io.dynconf.netty;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Resolves upstream host names without blocking an event loop. Netty's default resolver calls the
 * JDK's {@link InetAddress#getAllByName} on the loop that connects, so one slow or silent DNS server
 * stalls every connection that loop serves; here the lookup runs on a small bounded pool and the
 * answer returns to the loop; connections waiting for one name share its lookup. IP literals
 * resolve at once, on the loop. The JDK's own cache
 * ({@code networkaddress.cache.ttl}) still applies. When the pool and its queue are full the connect
 * fails at once with a {@link UnknownHostException} saying so, rather than queueing without bound.
 */
public final class LookupOffTheLoop extends AddressResolverGroup<InetSocketAddress> {
  /** The lookup itself: the JDK's by default; a test may slow it down. */
  public interface Lookup {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  /** The one every bootstrap of this module uses: 4 lookup threads, 1,024 waiting lookups. */
  public static final LookupOffTheLoop SHARED = new LookupOffTheLoop(InetAddress::getAllByName, 4, 1024);

  private final Lookup lookup;
  private final ThreadPoolExecutor pool;
  private final ConcurrentHashMap<String, CompletableFuture<InetAddress[]>> inFlight = new ConcurrentHashMap<>();

  public LookupOffTheLoop(Lookup lookup, int threads, int queue) {
    this.lookup = lookup;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, "dynconf-dns-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.pool.allowCoreThreadTimeOut(true);
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor loop) {
    return new AbstractAddressResolver<InetSocketAddress>(loop, InetSocketAddress.class) {
      @Override
      protected boolean doIsResolved(InetSocketAddress address) {
        return !address.isUnresolved();
      }

      @Override
      protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
        lookUp(unresolved.getHostString(), promise, all -> new InetSocketAddress(all[0], unresolved.getPort()));
      }

      @Override
      protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
        lookUp(unresolved.getHostString(), promise, all -> {
          List<InetSocketAddress> out = new ArrayList<>(all.length);
          for (InetAddress a : all) {
            out.add(new InetSocketAddress(a, unresolved.getPort()));
          }
          return out;
        });
      }
    };
  }

  /** The outcome of {@link #within}: the connected channel, or why there is none. */
  public interface Connected {
    void outcome(io.netty.channel.@Nullable Channel channel, @Nullable Throwable failure);
  }

  /**
   * Calls {@code outcome} once, on {@code connect}'s loop, with its result, or with a {@link
   * io.netty.channel.ConnectTimeoutException} when {@code millis} pass first. Netty's
   * {@code CONNECT_TIMEOUT_MILLIS} starts only once the name is resolved; this gives the lookup and
   * the connect one budget (a channel connected after the deadline is closed). IP literals need no
   * lookup and no timer of their own.
   *
   * @param host the host as passed to {@code connect}
   * @param what the node, for the message ({@code host:port})
   */
  public static void within(io.netty.channel.ChannelFuture connect, String host, String what, long millis, Connected outcome) {
    boolean[] answered = {false};
    io.netty.util.concurrent.ScheduledFuture<?> deadline = NetUtil.createByteArrayFromIpAddressString(host) != null ? null
        : connect.channel().eventLoop().schedule(() -> {
          if (!connect.isDone() && !answered[0]) {
            answered[0] = true;
            connect.channel().close();
            outcome.outcome(null, new io.netty.channel.ConnectTimeoutException(
                "no connection to " + what + " within " + millis + " ms (name lookup included)"));
          }
        }, millis, TimeUnit.MILLISECONDS);
    connect.addListener(x -> {
      if (deadline != null) {
        deadline.cancel(false);
      }
      if (answered[0]) {
        connect.channel().close();
        return;
      }
      answered[0] = true;
      outcome.outcome(connect.isSuccess() ? connect.channel() : null, connect.isSuccess() ? null : connect.cause());
    });
  }

  private interface Answer<T> {
    T of(InetAddress[] all);
  }

  private <T> void lookUp(String host, Promise<T> promise, Answer<T> answer) {
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
    if (literal != null) {
      try {
        promise.trySuccess(answer.of(new InetAddress[] {InetAddress.getByAddress(host, literal)}));
      } catch (UnknownHostException e) {
        promise.tryFailure(e);
      }
      return;
    }
    inFlight(host).whenComplete((all, failure) -> {
      if (failure != null) {
        promise.tryFailure(failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure);
      } else {
        promise.trySuccess(answer.of(all));
      }
    });
  }

  /**
   * The lookup of {@code host} under way, or a new one: connections waiting for the same name share
   * one lookup, so a name whose DNS server is silent holds one lookup thread, not all of them.
   */
  private CompletableFuture<InetAddress[]> inFlight(String host) {
    CompletableFuture<InetAddress[]> mine = new CompletableFuture<>();
    CompletableFuture<InetAddress[]> running = inFlight.putIfAbsent(host, mine);
    if (running != null) {
      return running;
    }
    mine.whenComplete((all, failure) -> inFlight.remove(host, mine));
    try {
      pool.execute(() -> {
        try {
          InetAddress[] all = lookup.all(host);
          if (all.length == 0) {
            throw new UnknownHostException(host + ": no addresses");
          }
          mine.complete(all);
        } catch (UnknownHostException | RuntimeException e) {
          mine.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      UnknownHostException busy = new UnknownHostException(host + ": not looked up, " + pool.getQueue().size()
          + " lookups of other names already waiting (is the DNS server answering?)");
      busy.initCause(e);
      mine.completeExceptionally(busy);
    }
    return mine;
  }

  @Override
  public void close() {
    super.close();
    if (this != SHARED) {
      pool.shutdownNow();
    }
  }
}
