package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Flag mistakes are reported as flag mistakes, naming the flag, before anything starts. */
class GatewayConfigTest {
  @Test
  void aWeakAdminOrViewerKeyIsRefusedNamingTheFlagButNotTheKey() {
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--admin-key", "secret"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--admin-key: ")
        .hasMessageContaining("at least 16")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--viewer-key", "has a space in it!"}))
        .hasMessageStartingWith("--viewer-key: ");
    assertThat(GatewayConfig.parse(new String[] {"--admin-key", "a-good-admin-key-0123"}).adminKey()).isEqualTo("a-good-admin-key-0123");
  }
}
