package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC upstreams that behave as real servers do but the happy path never shows: a server that
 * limits its concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS) and a server that rotates its
 * connections (GOAWAY after a maximum connection age, old streams finishing on the old connection).
 */
class GatewayGrpcAttackTest {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<byte[], byte[]> SLOW = method("Slow");
  private static final MethodDescriptor<byte[], byte[]> HOLD = method("Hold");

  private static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  @TempDir Path dir;
  private Server server;
  private Gateway gateway;
  private ManagedChannel channel;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final ConcurrentLinkedQueue<StreamObserver<byte[]>> held = new ConcurrentLinkedQueue<>();

  private void start(UnaryOperator<NettyServerBuilder> tune) throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> later.schedule(() -> {
          out.onNext(("echo " + new String(req, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
          out.onCompleted();
        }, 300, TimeUnit.MILLISECONDS)))
        .addMethod(HOLD, ServerCalls.asyncUnaryCall((req, out) -> held.add(out)))
        .build();
    server = tune.apply(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))).addService(service).build().start();
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "routes:\n  - id: grpc\n    uri: /test.Echo/*\n    upstream:\n      scheme: grpc\n      nodes:\n        \"127.0.0.1:"
        + server.getPort() + "\": 1\n#END\n");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--h2c", "true", "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(),
        "--standalone", file.toString(), "--admin-key", GatewayAdminTest.KEY}));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.dataAddress().getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    for (StreamObserver<byte[]> o : held) {
      try {
        o.onCompleted();
      } catch (RuntimeException ignored) {
        // its call is gone already
      }
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    later.shutdownNow();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * An upstream that allows one stream per connection (SETTINGS_MAX_CONCURRENT_STREAMS 1): four
   * concurrent calls through the gateway must all succeed (queued for the stream, or on more
   * connections), not fail because the gateway opened a stream the server's settings forbid.
   */
  @Test
  void anUpstreamAllowingOneStreamStillServesConcurrentCalls() throws Exception {
    start(b -> b.maxConcurrentCallsPerConnection(1));
    List<ListenableFuture<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(ClientCalls.futureUnaryCall(channel.newCall(SLOW, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
          bytes("c" + i)));
    }
    List<String> outcomes = new ArrayList<>();
    for (ListenableFuture<byte[]> c : calls) {
      try {
        outcomes.add(new String(c.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
      } catch (java.util.concurrent.ExecutionException e) {
        outcomes.add("failed: " + e.getCause());
      }
    }
    assertThat(outcomes).containsExactly("echo c0", "echo c1", "echo c2", "echo c3");
  }

  /**
   * An upstream that rotates its connections (grpc-java's maxConnectionAge: GOAWAY, then the old
   * connection lives on while its streams finish): calls after the GOAWAY must go on a new
   * connection, not fail on the one the server is draining.
   */
  @Test
  void callsAfterAnUpstreamGoawayGoOnANewConnection() throws Exception {
    start(b -> b.maxConnectionAge(1, TimeUnit.SECONDS).maxConnectionAgeGrace(60, TimeUnit.SECONDS));
    ListenableFuture<byte[]> longCall = ClientCalls.futureUnaryCall(channel.newCall(HOLD, CallOptions.DEFAULT), bytes("held"));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !held.isEmpty());
    // past the connection's age the server sends GOAWAY; the held call keeps the connection open
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> gateway.upstreamPool().http2GoneAway() == 1);
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      try {
        outcomes.add(new String(ClientCalls.blockingUnaryCall(channel, SLOW, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            bytes("after" + i)), StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        outcomes.add("failed: " + e);
      }
    }
    assertThat(outcomes).containsExactly("echo after0", "echo after1", "echo after2");
    assertThat(longCall.isDone()).isFalse();
  }
}
