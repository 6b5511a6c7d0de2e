package io.dynconf.etcd.testing;

import static io.dynconf.etcd.testing.Jetcd.bytes;
import static io.dynconf.etcd.testing.Jetcd.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A three-member cluster: leader loss, follower pause, and rejoin, through jetcd. */
class EtcdThreeMemberClusterTest {
  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(3);

  @Test
  void keepsServingReadsAndWritesAfterItsLeaderIsKilled() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    try (Client client = Jetcd.client(etcd.endpoints())) {
      client.getKVClient().put(bytes("before"), bytes("1")).get(10, TimeUnit.SECONDS);
      EtcdMember leader = etcd.leader();

      leader.kill();

      EtcdMember next = etcd.leader();
      assertThat(next).isNotSameAs(leader);
      // jetcd fails over to a live endpoint; a write and a linearizable read both succeed.
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(
          () -> client.getKVClient().put(bytes("after"), bytes("2")).get(2, TimeUnit.SECONDS));
      assertThat(string(client.getKVClient().get(bytes("before")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()))
          .isEqualTo("1");

      leader.start(); // rejoins on its own data and catches up
      try (Client direct = Jetcd.client(List.of(leader.endpoint()))) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(
            () -> direct.getKVClient().get(bytes("after")).get(2, TimeUnit.SECONDS).getCount() == 1);
      }
    }
  }

  @Test
  void aPausedFollowerDoesNotStopTheCluster() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    EtcdMember follower = etcd.followers().get(0);
    try (Client client = Jetcd.client(etcd.endpoints())) {
      follower.pause();
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(
          () -> client.getKVClient().put(bytes("during-pause"), bytes("x")).get(2, TimeUnit.SECONDS));
      follower.resume();
      try (Client direct = Jetcd.client(List.of(follower.endpoint()))) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(
            () -> direct.getKVClient().get(bytes("during-pause")).get(2, TimeUnit.SECONDS).getCount() == 1);
      }
    }
  }

  @Test
  void healBringsEveryMemberBack() {
    EtcdCluster etcd = ETCD.cluster();
    etcd.member(0).kill();
    etcd.member(1).pause();
    etcd.member(2).proxy().drop();

    etcd.heal();

    assertThat(etcd.members()).allSatisfy(m -> {
      assertThat(m.isRunning()).isTrue();
      assertThat(m.isPaused()).isFalse();
      assertThat(m.proxy().mode()).isEqualTo(TcpProxy.Mode.PASS);
    });
    assertThat(etcd.leader()).isNotNull();
  }
}
