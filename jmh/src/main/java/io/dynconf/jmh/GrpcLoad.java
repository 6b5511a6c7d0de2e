package io.dynconf.jmh;

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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gRPC load driver for the gateway's gRPC benchmark (no generated code: one unary method with a
 * bytes marshaller), run by {@code dynconf-examples/load/h2-grpc.sh}:
 *
 * <pre>
 * java -cp benchmarks.jar io.dynconf.jmh.GrpcLoad server PORT
 * java -cp benchmarks.jar io.dynconf.jmh.GrpcLoad client HOST:PORT SECONDS CONCURRENCY [PAYLOAD_BYTES]
 * </pre>
 *
 * The client keeps CONCURRENCY unary calls in flight on one HTTP/2 connection (h2c, as gRPC
 * clients do) for SECONDS and prints, as its last line, {@code calls/s p50_us p99_us errors}.
 */
public final class GrpcLoad {
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
  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("grpc.Load", "Echo"))
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  private GrpcLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("server")) {
      server(Integer.parseInt(args[1]));
    } else if (args.length >= 4 && args[0].equals("client")) {
      client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), args.length > 4 ? Integer.parseInt(args[4]) : 64);
    } else {
      System.err.println("usage: GrpcLoad server PORT | client HOST:PORT SECONDS CONCURRENCY [PAYLOAD_BYTES]");
      System.exit(2);
    }
  }

  private static void server(int port) throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder("grpc.Load")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(service).build().start();
    System.out.println("grpc load server on 127.0.0.1:" + s.getPort());
    s.awaitTermination();
  }

  private static void client(String target, int seconds, int concurrency, int payload) throws Exception {
    int colon = target.lastIndexOf(':');
    ManagedChannel channel = NettyChannelBuilder.forAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)))
        .usePlaintext().build();
    byte[] body = new byte[payload];
    long[] latencies = new long[1 << 22]; // bounded: samples beyond it are counted, not kept
    AtomicLong calls = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong samples = new AtomicLong();
    for (int i = 0; i < concurrency; i++) {
      call(channel, body, calls, errors, measuring, stop, latencies, samples);
    }
    Thread.sleep(Math.min(5, seconds) * 1000L); // warm-up: not measured
    calls.set(0);
    errors.set(0);
    samples.set(0);
    measuring.set(true);
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    measuring.set(false);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long n = calls.get();
    stop.set(true);
    int kept = (int) Math.min(samples.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, kept);
    Arrays.sort(sorted);
    long p50 = kept == 0 ? 0 : sorted[kept / 2] / 1000;
    long p99 = kept == 0 ? 0 : sorted[(int) Math.min(kept - 1, (long) Math.ceil(kept * 0.99) - 1)] / 1000;
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    System.out.printf("%.0f %d %d %d%n", n / elapsed, p50, p99, errors.get());
  }

  private static void call(ManagedChannel channel, byte[] body, AtomicLong calls, AtomicLong errors, AtomicBoolean measuring,
      AtomicBoolean stop, long[] latencies, AtomicLong samples) {
    if (stop.get()) {
      return;
    }
    long start = System.nanoTime();
    ClientCalls.asyncUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), body,
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {}

          @Override
          public void onError(Throwable t) {
            if (measuring.get()) {
              errors.incrementAndGet();
            }
            call(channel, body, calls, errors, measuring, stop, latencies, samples);
          }

          @Override
          public void onCompleted() {
            if (measuring.get()) {
              calls.incrementAndGet();
              long i = samples.getAndIncrement();
              if (i < latencies.length) {
                latencies[(int) i] = System.nanoTime() - start;
              }
            }
            call(channel, body, calls, errors, measuring, stop, latencies, samples);
          }
        });
  }
}
