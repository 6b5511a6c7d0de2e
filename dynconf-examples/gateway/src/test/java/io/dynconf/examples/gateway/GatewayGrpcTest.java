package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC through the gateway with grpc-java on both ends (no generated code: methods with a bytes
 * marshaller): a client speaking h2c to the gateway's plain listener, a route to an upstream of
 * {@code scheme: grpc}. Unary, server streaming, a bidirectional stream of 10,000 messages, an
 * upstream that dies mid-stream, the gateway's own answers as gRPC statuses, and
 * {@code grpc-timeout} honoured by the gateway.
 */
class GatewayGrpcTest {
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
  private static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  private static final MethodDescriptor<byte[], byte[]> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
  private static final MethodDescriptor<byte[], byte[]> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  private static final MethodDescriptor<byte[], byte[]> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  @TempDir Path dir;
  private Server server;
  private Gateway gateway;
  private ManagedChannel channel;
  /** Set by a Count call that should die after this many messages: the test kills the server then. */
  private final CountDownLatch halfway = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(("echo " + new String(req, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
          out.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
          String r = new String(req, StandardCharsets.UTF_8);
          int n = Integer.parseInt(r.replace("die:", ""));
          for (int i = 0; i < n; i++) {
            out.onNext(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
          }
          if (r.startsWith("die:")) {
            halfway.countDown(); // the test shuts the server down now, with this call open
            return;
          }
          out.onCompleted();
        }))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] value) {
            out.onNext(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .addMethod(HANG, ServerCalls.asyncUnaryCall((req, out) -> {
          // never answers: the deadline must end it
        }))
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    Path file = dir.resolve("apisix.yaml");
    Files.writeString(file, "routes:\n  - id: grpc\n    uri: /test.Echo/*\n    upstream:\n      scheme: grpc\n      nodes:\n        \"127.0.0.1:"
        + server.getPort() + "\": 1\n  - id: dead\n    uri: /test.Dead/*\n    upstream:\n      scheme: grpc\n      nodes:\n        \"127.0.0.1:1\": 1\n#END\n");
    gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--tls-listen", "127.0.0.1:0", "--h2c", "true", "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(),
        "--standalone", file.toString(), "--admin-key", GatewayAdminTest.KEY}));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.dataAddress().getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void unaryAndServerStreamingCallsPassThrough() {
    byte[] answer = ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), utf8("hi"));
    assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("echo hi");
    Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel, COUNT,
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), utf8("500"));
    int n = 0;
    while (it.hasNext()) {
      assertThat(new String(it.next(), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(n));
      n++;
    }
    assertThat(n).isEqualTo(500);
    // many calls share one upstream HTTP/2 connection per event loop
    for (int i = 0; i < 50; i++) {
      ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), utf8("x" + i));
    }
    assertThat(gateway.upstreamPool().http2Connections()).isBetween(1, 2); // the gateway's two event loops
  }

  @Test
  void aBidirectionalStreamOfTenThousandMessages() throws Exception {
    LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(CHAT, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            received.add(new String(value, StandardCharsets.UTF_8));
          }

          @Override
          public void onError(Throwable t) {
            received.add(t);
          }

          @Override
          public void onCompleted() {
            received.add("completed");
          }
        });
    for (int i = 0; i < 10_000; i++) {
      requests.onNext(utf8("m" + i));
    }
    requests.onCompleted();
    for (int i = 0; i < 10_000; i++) {
      Object m = received.poll(30, TimeUnit.SECONDS);
      assertThat(m).as("message %d", i).isEqualTo("m" + i);
    }
    assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
  }

  @Test
  void anUpstreamThatDiesMidStreamEndsTheCallWithAnErrorAfterWhatItSent() throws Exception {
    List<String> got = new ArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    ClientCalls.asyncServerStreamingCall(channel.newCall(COUNT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
        utf8("die:5"), new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            synchronized (got) {
              got.add(new String(value, StandardCharsets.UTF_8));
            }
          }

          @Override
          public void onError(Throwable t) {
            error.set(t);
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    assertThat(halfway.await(20, TimeUnit.SECONDS)).isTrue();
    server.shutdownNow();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(error.get()).as("the call fails rather than completing").isNotNull();
    assertThat(Status.fromThrowable(error.get()).getCode()).isNotEqualTo(Status.Code.OK);
    synchronized (got) {
      assertThat(got).containsExactly("0", "1", "2", "3", "4");
    }
  }

  @Test
  void theGatewaysOwnAnswersAreGrpcStatuses() {
    MethodDescriptor<byte[], byte[]> missing = UNARY.toBuilder()
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Nowhere", "Unary")).build();
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, missing, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), utf8("x")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
          assertThat(e.getStatus().getDescription()).contains("Route Not Found");
        });
    MethodDescriptor<byte[], byte[]> dead = UNARY.toBuilder()
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Dead", "Unary")).build();
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, dead, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), utf8("x")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("502");
        });
  }

  /**
   * Calls the gateway answers itself (here: 404 as UNIMPLEMENTED), 640 of them 64 at a time, are
   * answered each and never end the connection (a load run through the gateway once saw GOAWAY
   * ENHANCE_YOUR_CALM from the rapid-reset guard and every later call fail).
   */
  @Test
  void manyCallsAnsweredByTheGatewayItselfDoNotLookLikeARapidResetAttack() {
    MethodDescriptor<byte[], byte[]> missing = UNARY.toBuilder()
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Nowhere", "Unary")).build();
    for (int round = 0; round < 10; round++) { // 64 in flight at a time, as a loaded client has them
      List<com.google.common.util.concurrent.ListenableFuture<byte[]>> calls = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        calls.add(ClientCalls.futureUnaryCall(channel.newCall(missing, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
            utf8("x")));
      }
      for (int i = 0; i < calls.size(); i++) {
        int call = round * 64 + i;
        com.google.common.util.concurrent.ListenableFuture<byte[]> f = calls.get(i);
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).as("call %d", call)
            .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
      }
    }
    assertThat(new String(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
        utf8("after")), StandardCharsets.UTF_8)).isEqualTo("echo after");
  }

  @Test
  void theGatewayHonoursGrpcTimeoutEvenWhenTheClientDoesNot() throws Exception {
    // the JDK client knows nothing of gRPC deadlines: only the gateway can end this call
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("gateway", gateway.certificates().defaultCertificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(ssl).build();
    ByteBuffer frame = ByteBuffer.allocate(5 + 1).put((byte) 0).putInt(1).put((byte) 'x');
    long t0 = System.nanoTime();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + gateway.tlsAddress().getPort() + "/test.Echo/Hang"))
        .header("content-type", "application/grpc").header("grpc-timeout", "300m")
        .POST(HttpRequest.BodyPublishers.ofByteArray(frame.array())).build(), HttpResponse.BodyHandlers.ofString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("grpc-status")).hasValue("4");
    assertThat(ms).as("answered at the deadline, not at the upstream's 60 s read timeout").isLessThan(15_000);
  }
}
