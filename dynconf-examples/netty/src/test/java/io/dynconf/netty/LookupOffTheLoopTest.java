package io.dynconf.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.resolver.AddressResolver;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Host names are looked up off the event loop, with a bound on waiting lookups. */
class LookupOffTheLoopTest {
  private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger lookups = new AtomicInteger();

  @AfterEach
  void stop() {
    release.countDown();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A DNS server that answers only when the test releases it. */
  private InetAddress[] silentDns(String host) throws UnknownHostException {
    lookups.incrementAndGet();
    try {
      if (!release.await(30, TimeUnit.SECONDS)) {
        throw new UnknownHostException(host + ": timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnknownHostException(host + ": interrupted");
    }
    return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 0, 0, 7})};
  }

  @Test
  void aSilentDnsServerDoesNotStallTheLoop() throws Exception {
    try (LookupOffTheLoop resolvers = new LookupOffTheLoop(this::silentDns, 2, 8)) {
      EventLoop loop = group.next();
      AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(loop);
      Future<InetSocketAddress> slow = loop.submit(() -> resolver.resolve(InetSocketAddress.createUnresolved("slow.test", 80)))
          .get(5, TimeUnit.SECONDS);
      // the loop still runs other work while the lookup hangs (inline, this would wait 30 s)
      assertThat(loop.submit(() -> "served").get(5, TimeUnit.SECONDS)).isEqualTo("served");
      assertThat(slow.isDone()).isFalse();
      release.countDown();
      InetSocketAddress answer = slow.get(5, TimeUnit.SECONDS);
      assertThat(answer.getAddress().getHostAddress()).isEqualTo("10.0.0.7");
      assertThat(answer.getPort()).isEqualTo(80);
    }
  }

  @Test
  void whenTheLookupsAreAllWaitingTheNextFailsAtOnceSayingWhy() throws Exception {
    try (LookupOffTheLoop resolvers = new LookupOffTheLoop(this::silentDns, 1, 1)) {
      AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(group.next());
      Future<InetSocketAddress> first = resolver.resolve(InetSocketAddress.createUnresolved("a.test", 80));
      Future<InetSocketAddress> queued = resolver.resolve(InetSocketAddress.createUnresolved("b.test", 80));
      Future<InetSocketAddress> refused = resolver.resolve(InetSocketAddress.createUnresolved("c.test", 80));
      assertThat(refused.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(refused.cause()).isInstanceOf(UnknownHostException.class).hasMessageContaining("c.test")
          .hasMessageContaining("already waiting");
      release.countDown();
      assertThat(first.get(5, TimeUnit.SECONDS).getAddress().getHostAddress()).isEqualTo("10.0.0.7");
      assertThat(queued.get(5, TimeUnit.SECONDS).getAddress().getHostAddress()).isEqualTo("10.0.0.7");
    }
  }

  @Test
  void connectionsWaitingForOneNameShareItsLookupAndOtherNamesGoOn() throws Exception {
    try (LookupOffTheLoop resolvers = new LookupOffTheLoop(
        host -> host.equals("fast.test") ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 0, 0, 8})} : silentDns(host),
        2, 1)) {
      AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(group.next());
      List<Future<InetSocketAddress>> waiting = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        waiting.add(resolver.resolve(InetSocketAddress.createUnresolved("slow.test", 8000 + i)));
      }
      assertThat(resolver.resolve(InetSocketAddress.createUnresolved("fast.test", 80)).get(5, TimeUnit.SECONDS)
          .getAddress().getHostAddress()).as("another name is looked up while slow.test hangs").isEqualTo("10.0.0.8");
      assertThat(lookups).as("one lookup for the 50 connections waiting on slow.test").hasValue(1);
      release.countDown();
      for (int i = 0; i < waiting.size(); i++) {
        InetSocketAddress a = waiting.get(i).get(5, TimeUnit.SECONDS);
        assertThat(a.getAddress().getHostAddress()).isEqualTo("10.0.0.7");
        assertThat(a.getPort()).as("each keeps its own port").isEqualTo(8000 + i);
      }
    }
  }

  @Test
  void aHangingLookupCountsAgainstTheConnectTimeout() throws Exception {
    try (LookupOffTheLoop names = new LookupOffTheLoop(this::silentDns, 1, 4)) {
      UpstreamPool pool = new UpstreamPool(4, 60_000, names);
      java.util.concurrent.CompletableFuture<Throwable> failure = new java.util.concurrent.CompletableFuture<>();
      long t0 = System.nanoTime();
      pool.acquire(group.next(), "slow.test", 80, 300, (ch, reused, cause) -> failure.complete(cause));
      Throwable cause = failure.get(10, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(cause).isInstanceOf(io.netty.channel.ConnectTimeoutException.class)
          .hasMessageContaining("slow.test:80").hasMessageContaining("name lookup");
      assertThat(ms).as("the route's 300 ms connect timeout, not the lookup's 30 s").isBetween(250L, 5_000L);
    }
  }

  @Test
  void ipLiteralsNeedNoLookupAndRealNamesResolve() throws Exception {
    try (LookupOffTheLoop resolvers = new LookupOffTheLoop(this::silentDns, 1, 1)) {
      AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(group.next());
      assertThat(resolver.resolve(InetSocketAddress.createUnresolved("127.0.0.1", 9)).get(5, TimeUnit.SECONDS)
          .getAddress().isLoopbackAddress()).isTrue();
      assertThat(resolver.resolve(InetSocketAddress.createUnresolved("::1", 9)).get(5, TimeUnit.SECONDS)
          .getAddress().isLoopbackAddress()).isTrue();
      assertThat(lookups).hasValue(0);
    }
    AddressResolver<InetSocketAddress> jdk = LookupOffTheLoop.SHARED.getResolver(group.next());
    assertThat(jdk.resolve(InetSocketAddress.createUnresolved("localhost", 9)).get(5, TimeUnit.SECONDS)
        .getAddress().isLoopbackAddress()).isTrue();
    Future<InetSocketAddress> unknown = jdk.resolve(InetSocketAddress.createUnresolved("no-such-host.invalid", 9));
    assertThat(unknown.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(unknown.cause()).isInstanceOf(UnknownHostException.class);
  }
}
