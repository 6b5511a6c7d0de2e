package io.dynconf.examples.gateway.plugin.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.PluginCatalog;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.netty.plugin.PluginEnvironment;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** cors reads its metadata from the registry's newest snapshot: a new value counts at once, and a lookup allocates nothing. */
class CorsMetadataLookupTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void theNewestValueCountsAndLookingItUpDoesNotAllocate() throws Exception {
    try (InMemorySource source = new InMemorySource("/apisix")) {
      Cors cors = new Cors();
      PluginCatalog catalog = new PluginCatalog() {
        @Override
        public void check(String name, Map<String, Object> config) {}

        @Override
        public void checkMetadata(String name, Map<String, Object> metadata) {
          if (name.equals("cors")) {
            cors.checkMetadata(metadata);
          }
        }
      };
      ConfigRegistry registry = ConfigRegistry.builder(source).types(StandardTypes.withPlugins(catalog)).build().start();
      try (registry) {
        assertThat(registry.awaitReady(WAIT)).isTrue();
        cors.init(new PluginEnvironment(registry));
        String[] names = cors.configure(Map.of("allow_origins_by_metadata", List.of("k1", "k2"))).byMetadata();
        assertThat(cors.allowedByMetadata(names, "https://a.test")).as("no metadata").isNull();

        source.put("/apisix/plugin_metadata/cors", "{\"id\":\"cors\",\"allow_origins\":{\"k2\":\"https://a.test,https://b.test\"}}");
        await().atMost(WAIT).until(() -> cors.allowedByMetadata(names, "https://b.test") != null);
        assertThat(cors.allowedByMetadata(names, "https://c.test")).isNull();
        assertThat(cors.allowedByMetadata(names, null)).isNull();

        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()).isTrue();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        int allowed = 0;
        for (int i = 0; i < 100_000; i++) {
          allowed += cors.allowedByMetadata(names, (i & 1) == 0 ? "https://a.test" : "https://c.test") != null ? 1 : 0;
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(allowed).isEqualTo(50_000);
        assertThat(allocated).as("bytes allocated by 100,000 lookups").isLessThan(100_000);

        source.put("/apisix/plugin_metadata/cors", "{\"id\":\"cors\",\"allow_origins\":{\"k1\":\"**\"}}");
        await().atMost(WAIT).until(() -> "https://c.test".equals(cors.allowedByMetadata(names, "https://c.test")));
        source.delete("/apisix/plugin_metadata/cors");
        await().atMost(WAIT).until(() -> cors.allowedByMetadata(names, "https://c.test") == null);
      }
    }
  }
}
