package io.dynconf.etcd.testing;

import static io.dynconf.etcd.testing.Jetcd.bytes;
import static io.dynconf.etcd.testing.Jetcd.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The single-member cluster and each of its fault controls, against real etcd through jetcd. */
class EtcdClusterTest {
  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  private Client client;

  private KV kv() {
    if (client == null) {
      client = Jetcd.client(ETCD.cluster().endpoints());
    }
    return client.getKVClient();
  }

  @AfterEach
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  private String get(String key) throws Exception {
    GetResponse r = kv().get(bytes(key)).get(10, TimeUnit.SECONDS);
    return r.getKvs().isEmpty() ? null : string(r.getKvs().get(0).getValue());
  }

  @Test
  void servesReadsAndWritesThroughTheProxy() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    assertThat(etcd.endpoints()).hasSize(1);
    assertThat(etcd.endpoints().get(0)).isNotEqualTo(etcd.directEndpoints().get(0));
    assertThat(etcd.member(0).pid()).isPresent();

    kv().put(bytes("/apisix/routes/1"), bytes("{\"uri\":\"/a\"}")).get(10, TimeUnit.SECONDS);

    assertThat(get("/apisix/routes/1")).isEqualTo("{\"uri\":\"/a\"}");
    assertThat(etcd.member(0).proxy().openConnections()).isPositive();
  }

  @Test
  void pausedMemberStopsAnsweringAndComesBack() throws Exception {
    kv().put(bytes("k"), bytes("v1")).get(10, TimeUnit.SECONDS);
    EtcdMember member = ETCD.cluster().member(0);

    member.pause();
    assertThat(member.isPaused()).isTrue();
    assertThatThrownBy(() -> kv().get(bytes("k")).get(1, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);

    member.resume();
    assertThat(get("k")).isEqualTo("v1");
  }

  @Test
  void blackholedProxyMakesACallTimeOutInsteadOfHanging() throws Exception {
    kv().put(bytes("k"), bytes("v1")).get(10, TimeUnit.SECONDS);
    TcpProxy proxy = ETCD.cluster().member(0).proxy();

    proxy.blackhole();
    // A client that passes a deadline gets its answer: a timeout, not a hang.
    assertThatThrownBy(() -> kv().get(bytes("k")).get(1, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
    // A fresh connection is accepted but never answered either.
    try (Socket s = new Socket()) {
      s.connect(proxy.address(), 1000);
      s.setSoTimeout(300);
      s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
    }

    proxy.pass();
    assertThat(get("k")).isEqualTo("v1");
  }

  @Test
  void droppingResetsOpenAndNewConnections() throws Exception {
    kv().put(bytes("k"), bytes("v1")).get(10, TimeUnit.SECONDS);
    TcpProxy proxy = ETCD.cluster().member(0).proxy();
    Socket open = new Socket();
    open.connect(proxy.address(), 1000);
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() >= 2);

    proxy.drop();

    open.setSoTimeout(2000);
    assertThat(readOrReset(open.getInputStream())).isTrue();
    assertThat(freshConnectionIsReset(proxy)).isTrue();
    assertThatThrownBy(() -> kv().get(bytes("k")).get(1, TimeUnit.SECONDS))
        .isInstanceOfAny(TimeoutException.class, ExecutionException.class);

    proxy.pass();
    assertThat(get("k")).isEqualTo("v1");
    open.close();
  }

  /** True when a new connection is torn down: reset while connecting, or EOF/reset at the first read. */
  private static boolean freshConnectionIsReset(TcpProxy proxy) {
    try (Socket fresh = new Socket()) {
      fresh.connect(proxy.address(), 1000);
      fresh.setSoTimeout(2000);
      return readOrReset(fresh.getInputStream());
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.io.IOException e) {
      return true; // reset before connect() even returned
    }
  }

  /** True when the peer closed or reset the connection (EOF or an exception other than a timeout). */
  private static boolean readOrReset(InputStream in) {
    try {
      return in.read() < 0;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  @Test
  void latencyDelaysEveryRoundTrip() throws Exception {
    kv().put(bytes("k"), bytes("v1")).get(10, TimeUnit.SECONDS);
    ETCD.cluster().member(0).proxy().latency(Duration.ofMillis(150));

    long start = System.nanoTime();
    assertThat(get("k")).isEqualTo("v1");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // 150 ms each way: a round trip can never be faster than 300 ms.
    assertThat(tookMillis).isGreaterThanOrEqualTo(300);
  }

  @Test
  void compactionMakesOlderRevisionsUnreadable() throws Exception {
    long first = kv().put(bytes("k"), bytes("v1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    kv().put(bytes("k"), bytes("v2")).get(10, TimeUnit.SECONDS);

    long compacted = ETCD.cluster().compact();

    assertThat(compacted).isGreaterThan(first);
    assertThatThrownBy(() -> kv().get(bytes("k"), GetOption.builder().withRevision(first).build()).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("compacted");
    assertThat(get("k")).isEqualTo("v2");
  }

  @Test
  void wipeStartsAgainEmptyWithRevisionOneAndANewClusterId() throws Exception {
    for (int i = 0; i < 5; i++) {
      kv().put(bytes("k" + i), bytes("v")).get(10, TimeUnit.SECONDS);
    }
    EtcdCluster etcd = ETCD.cluster();
    long before = etcd.revision();
    String idBefore = etcd.clusterId();
    List<java.net.URI> endpointsBefore = etcd.endpoints();

    etcd.wipe();

    assertThat(before).isGreaterThanOrEqualTo(6);
    assertThat(etcd.revision()).isEqualTo(1);
    assertThat(etcd.clusterId()).isNotEqualTo(idBefore);
    assertThat(etcd.endpoints()).isEqualTo(endpointsBefore);
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get("k0") == null);
  }

  @Test
  void killedMemberRestartsOnItsOwnData() throws Exception {
    kv().put(bytes("k"), bytes("kept")).get(10, TimeUnit.SECONDS);
    EtcdMember member = ETCD.cluster().member(0);
    long pid = member.pid().orElseThrow();

    member.kill();
    assertThat(member.isRunning()).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    member.start();
    assertThat(member.pid().orElseThrow()).isNotEqualTo(pid);
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> "kept".equals(get("k")));
  }

  @Test
  void gracefulRestartKeepsDataToo() throws Exception {
    kv().put(bytes("k"), bytes("kept")).get(10, TimeUnit.SECONDS);

    ETCD.cluster().member(0).restart();

    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> "kept".equals(get("k")));
  }
}
