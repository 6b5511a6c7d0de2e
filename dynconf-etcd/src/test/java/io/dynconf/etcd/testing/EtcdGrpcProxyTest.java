package io.dynconf.etcd.testing;

import static io.dynconf.etcd.testing.Jetcd.bytes;
import static io.dynconf.etcd.testing.Jetcd.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** etcd's gRPC proxy in front of a real one-member cluster: reads, writes and watches pass; close kills it. */
class EtcdGrpcProxyTest {
  @Test
  void servesReadsWritesAndWatchesAndDiesOnClose() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.single()) {
      EtcdGrpcProxy proxy = EtcdGrpcProxy.start(etcd);
      long pid = proxy.pid().orElseThrow();
      assertThat(proxy.endpoint()).isNotIn(etcd.directEndpoints());
      try (Client client = Jetcd.client(List.of(proxy.endpoint()))) {
        BlockingQueue<WatchEvent> events = new ArrayBlockingQueue<>(16);
        // from the revision after now: the put below is seen even if the watch opens after it
        long now = client.getKVClient().get(bytes("/apisix/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        WatchOption prefix = WatchOption.builder().isPrefix(true).withRevision(now + 1).build();
        try (Watch.Watcher watcher = client.getWatchClient().watch(bytes("/apisix/"), prefix, r -> events.addAll(r.getEvents()))) {
          client.getKVClient().put(bytes("/apisix/routes/1"), bytes("{\"uri\":\"/a\"}")).get(10, TimeUnit.SECONDS);

          WatchEvent event = events.poll(10, TimeUnit.SECONDS);
          assertThat(event).isNotNull();
          assertThat(string(event.getKeyValue().getKey())).isEqualTo("/apisix/routes/1");
          assertThat(string(client.getKVClient().get(bytes("/apisix/routes/1")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()))
              .isEqualTo("{\"uri\":\"/a\"}");
        }
      }
      proxy.close();

      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
      assertThat(proxy.pid()).isEmpty();
    }
  }
}
