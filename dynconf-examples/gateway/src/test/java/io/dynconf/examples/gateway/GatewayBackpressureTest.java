package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that pipelines requests and never reads an answer, over real sockets: the gateway
 * stops reading its requests once the answers wait to be written (instead of queueing an answer
 * per request in memory until the heap is gone), and closes it; other clients are served
 * meanwhile. On the data plane for the answers the gateway makes itself (404), and on the status
 * listener.
 */
class GatewayBackpressureTest {
  /**
   * What the flooder tries to send: far more than the socket buffers of both ends hold (a few MiB
   * each way on loopback, and the gateway's send buffer holds answers to some 20,000 requests).
   */
  private static final long FLOOD_BYTES = 64L << 20;

  @TempDir Path dir;
  @RegisterExtension final StandaloneGateway fixture = new StandaloneGateway();
  private Gateway gateway;
  private Backend backend;

  private void start(String... flags) throws Exception {
    gateway = fixture.start(dir, "b", StandaloneGateway.oneRoute("r", "/ok"), flags);
    backend = fixture.backend();
  }

  /** The bytes the flooder got the gateway to take, and how its writing ended. */
  private record Flood(long written, boolean stoppedByClose) {}

  /**
   * Writes {@code request} again and again (never reading) until FLOOD_BYTES are written or the
   * gateway closes the connection.
   */
  private static CompletableFuture<Flood> flood(InetSocketAddress to, String request) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096); // before connect: a small window, answers back up soon
    s.setSendBufferSize(16384);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), to.getPort()));
    byte[] batch = request.repeat(16).getBytes(StandardCharsets.ISO_8859_1);
    AtomicLong written = new AtomicLong();
    return CompletableFuture.supplyAsync(() -> {
      try (s) {
        OutputStream out = s.getOutputStream();
        while (written.get() < FLOOD_BYTES) {
          out.write(batch);
          written.addAndGet(batch.length);
        }
        return new Flood(written.get(), false);
      } catch (IOException e) {
        return new Flood(written.get(), true); // reset or broken pipe: the gateway closed it
      }
    });
  }

  private static String padded(String head) {
    return head + "X-Pad: " + "p".repeat(200) + "\r\n\r\n";
  }

  @Test
  void aPipeliningClientThatReadsNoAnswerIsNotReadOnAndIsClosed() throws Exception {
    start("--send-timeout", "500ms");
    CompletableFuture<Flood> flooding = flood(gateway.dataAddress(), padded("GET /nope HTTP/1.1\r\nHost: a\r\n"));

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> other = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.dataAddress().getPort() + "/ok")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).as("another client meanwhile").isEqualTo(200);

    Flood f = flooding.get(30, TimeUnit.SECONDS);
    // on main the gateway read all 64 MiB and queued a 404 for each of its 270,000 requests
    assertThat(f.stoppedByClose()).as("closed by the gateway after the send timeout, %d bytes taken", f.written()).isTrue();
    assertThat(f.written()).as("bytes the gateway took before it stopped reading").isLessThan(FLOOD_BYTES / 2);
  }

  @Test
  void theStatusListenerDoesNotReadOnForAClientThatReadsNoAnswer() throws Exception {
    start("--status-listen", "127.0.0.1:0");
    CompletableFuture<Flood> flooding = flood(gateway.statusAddress(), padded("GET /dynconf/health HTTP/1.1\r\nHost: a\r\n"));

    Flood f = flooding.get(60, TimeUnit.SECONDS);
    assertThat(f.stoppedByClose()).as("closed by the gateway once silent, %d bytes taken", f.written()).isTrue();
    assertThat(f.written()).as("bytes the gateway took before it stopped reading").isLessThan(FLOOD_BYTES / 2);

    try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), gateway.statusAddress().getPort())) {
      probe.setSoTimeout(10_000);
      probe.getOutputStream().write("GET /dynconf/health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = probe.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
    }
  }
}
