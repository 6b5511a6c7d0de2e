package io.dynconf.etcd.testing;

import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A fault test's own writer: puts and deletes that retry until etcd takes them. Right after a
 * fault the member a client reaches may have no leader yet, and jetcd's gRPC channel may sit in its
 * own reconnect backoff towards a member that is back; so every attempt is bounded (2 s), and after
 * three failures in a row the client is closed and dialled again (as {@code EtcdSource} does).
 * Not thread-safe: one test thread.
 */
public final class EtcdWriter implements AutoCloseable {
  private static final int FAILURES_BEFORE_REDIAL = 3;

  private final Supplier<List<URI>> endpoints;
  private final Duration timeout;
  private Client client;
  private int failuresInARow;

  /**
   * @param endpoints where to dial, asked again at every re-dial
   * @param timeout how long one put or delete may keep retrying before the test fails
   */
  public EtcdWriter(Supplier<List<URI>> endpoints, Duration timeout) {
    this.endpoints = endpoints;
    this.timeout = timeout;
    this.client = dial();
  }

  /** The current client, for reads. */
  public Client client() {
    return client;
  }

  public void put(String key, String value) {
    retry(kv -> kv.put(Jetcd.bytes(key), Jetcd.bytes(value)).get(2, TimeUnit.SECONDS));
  }

  public void delete(String key) {
    retry(kv -> kv.delete(Jetcd.bytes(key)).get(2, TimeUnit.SECONDS));
  }

  /** Closes the client and dials the endpoints again (after a wipe or a restart of every member). */
  public void redial() {
    client.close();
    client = dial();
    failuresInARow = 0;
  }

  @Override
  public void close() {
    client.close();
  }

  private interface Attempt {
    void run(KV kv) throws Exception;
  }

  private void retry(Attempt attempt) {
    await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
      try {
        attempt.run(client.getKVClient());
        failuresInARow = 0;
        return true;
      } catch (Exception e) {
        if (++failuresInARow % FAILURES_BEFORE_REDIAL == 0) {
          redial();
        }
        return false;
      }
    });
  }

  private Client dial() {
    return Client.builder().endpoints(endpoints.get().toArray(URI[]::new)).connectTimeout(Duration.ofSeconds(2)).build();
  }
}
