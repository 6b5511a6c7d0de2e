package io.dynconf.radix.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteTable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's balancer example (pick, attempt, retry), run for real; its text is checked by core's ReadmeSnippetsTest. */
class ReadmeBalancerExampleTest {
  /** The host's own client: here the node at 10.0.0.9 refuses every connection. */
  private static String send(Node node) throws IOException {
    if (node.host().equals("10.0.0.9")) {
      throw new IOException("connection refused");
    }
    return "ok from " + node.address();
  }

  @Test
  void readmeBalancerExample() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix")) {
      source.put("/apisix/upstreams/u", "{\"retries\":1,\"nodes\":{\"10.0.0.9:80\":1,\"10.0.0.5:80\":1}}");
      source.put("/apisix/routes/r", "{\"uri\":\"/*\",\"upstream_id\":\"u\"}");
      try (ConfigRegistry registry = ConfigRegistry.builder(source).build().start();
          RouteTable routes = RouteTable.attach(registry)) {
        assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
        // the table follows the registry from its own listener: wait until it holds the route
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> routes.router().size() == 1);
        for (int request = 0; request < 4; request++) { // round robin: half start at the dead node
          MatchResult<ResolvedRoute> m = new MatchResult<>();
          assertThat(routes.match(RouteRequest.of("GET", "/x", "h", "10.0.0.7"), m)).isTrue();
          String answer = null;
          // --- README example begins
          Balancers balancers = Balancers.create();        // one per server: picker cache, node state, health
          // per request, once routes.match(request, m) found the route:
          ResolvedRoute route = m.value();
          Picker picker = balancers.picker(route.upstreamKey(), route.upstreamRevision(), route.upstream());
          List<Node> tried = new ArrayList<>();
          long first = 0;
          for (int attempts = 1; answer == null; attempts++) {
            Node node = picker.pick(BalancerRequest.NONE, tried); // chash reads the request: BalancerRequest.of(...)
            if (node == null) {
              break;                                        // no node to try: answer 502
            }
            long started = picker.start(node);              // counts it in flight
            first = attempts == 1 ? started : first;
            try {
              answer = send(node);                          // your client, to node.host():node.port()
              picker.finish(node, started, Outcome.RESPONSE, 200); // the status feeds passive health checks
            } catch (IOException e) {
              picker.finish(node, started, Outcome.FAILURE, 0);
              tried.add(node);
              if (!picker.mayRetry(attempts, first)) {      // the upstream's retries and retry_timeout
                break;                                      // answer 502
              }
            }
          }
          // --- README example ends
          assertThat(answer).as("request %d: retried on the live node", request).isEqualTo("ok from 10.0.0.5:80");
          balancers.close();
        }
      }
    }
  }
}
