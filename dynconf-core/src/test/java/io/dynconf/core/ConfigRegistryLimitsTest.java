package io.dynconf.core;

import static io.dynconf.core.TestTypes.UPSTREAMS;
import static io.dynconf.core.TestTypes.upstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.source.InMemorySource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The data path's JSON limits (issue 13, item 2): a value past them is a rejection with that reason. */
class ConfigRegistryLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ResourceType<ObjectNode> ANY = ResourceType.builder("any", ObjectNode.class).build();

  private final InMemorySource source = new InMemorySource("/apisix");
  private ConfigRegistry registry;

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    source.close();
  }

  private static String nested(int depth) {
    return "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
  }

  private Rejection rejectionOf(String key, String value) {
    long rev = source.put(key, value);
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= rev);
    Rejection r = registry.snapshot().rejections().get(key);
    assertThat(r).as(key).isNotNull();
    assertThat(r.modRevision()).isEqualTo(rev);
    return r;
  }

  @Test
  void aTenThousandLevelValueIsRejectedForItsDepthNotWithACrashMessage() throws Exception {
    registry = ConfigRegistry.builder(source).types(List.of(ANY, UPSTREAMS)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();

    Rejection r = rejectionOf("/apisix/upstreams/deep", nested(10_000));

    assertThat(r.reason()).isEqualTo("not accepted: the JSON value is nested deeper than the limit of 1000 levels");
    assertThat(r.message()).doesNotContain("Exception");
    // the default depth is APISIX's: 1,000 levels pass the parser
    long ok = source.put("/apisix/any/1000", nested(1000));
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= ok);
    assertThat(registry.store(ANY).get("1000")).isNotNull();
    // and the loop goes on
    long rev = source.put("/apisix/upstreams/u1", upstream("a"));
    await().atMost(WAIT).until(() -> registry.store(UPSTREAMS).get("u1") != null && registry.snapshot().revision() >= rev);
  }

  @Test
  void theDefaultValueSizeIsEtcdsAndBothLimitsAreConfigurable() throws Exception {
    registry = ConfigRegistry.builder(source).types(List.of(ANY, UPSTREAMS)).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    String big = "{\"a\":\"" + "x".repeat(1536 * 1024) + "\"}";
    assertThat(rejectionOf("/apisix/any/big", big).reason())
        .isEqualTo("the value is " + big.length() + " bytes, over the limit of " + (1536 * 1024) + " bytes");
    registry.close();

    registry = ConfigRegistry.builder(source).types(List.of(ANY, UPSTREAMS)).jsonLimits(20, 1000).build().start();
    assertThat(registry.awaitReady(WAIT)).isTrue();
    assertThat(registry.snapshot().rejections().get("/apisix/any/big").reason()).contains("over the limit of 1000 bytes");
    assertThat(rejectionOf("/apisix/any/d21", nested(21)).reason()).contains("nested deeper than the limit of 20 levels");
    long ok = source.put("/apisix/any/d20", nested(20));
    await().atMost(WAIT).until(() -> registry.snapshot().revision() >= ok);
    assertThat(registry.store(ANY).get("d20")).isNotNull();
  }
}
