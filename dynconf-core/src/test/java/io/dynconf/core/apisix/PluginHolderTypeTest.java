package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The types that only hold plugins: global rules, plugin configs, consumer groups and plugin metadata. */
class PluginHolderTypeTest {

  @Test
  void decodesAGlobalRule() {
    GlobalRule rule = decode(StandardTypes.GLOBAL_RULES, "1", "{\"id\": \"1\", \"plugins\": {\"prometheus\": {}}, \"create_time\": 5}");

    assertThat(rule.id()).isEqualTo("1");
    assertThat(rule.plugins()).containsExactly(Map.entry("prometheus", Map.of()));
    assertThat(rule.createTime()).isEqualTo(5L);
  }

  @Test
  void rejectsAGlobalRuleWithoutIdAsApisixsDataPlaneDoes() {
    InvalidConfigException e = rejection(StandardTypes.GLOBAL_RULES, "1", "{\"plugins\": {\"prometheus\": {}}}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).isEqualTo("required key [id] not found");
  }

  @Test
  void rejectsAnUnknownPluginMetaKey() {
    InvalidConfigException e = rejection(StandardTypes.GLOBAL_RULES, "1",
        "{\"id\": \"1\", \"plugins\": {\"prometheus\": {\"_meta\": {\"disabled\": true}}}}");

    assertThat(e.field()).isEqualTo("/plugins/prometheus/_meta");
    assertThat(e.reason()).isEqualTo("extraneous key [disabled] is not permitted");
  }

  @Test
  void decodesAPluginConfig() {
    PluginConfig config = decode(StandardTypes.PLUGIN_CONFIGS, "1", """
        {"id": "1", "desc": "blah", "plugins": {"limit-count": {"count": 2, "time_window": 60, "rejected_code": 503}}}""");

    assertThat(config.desc()).isEqualTo("blah");
    assertThat(config.name()).isNull();
    assertThat(config.plugins().get("limit-count")).containsEntry("rejected_code", 503L);
  }

  @Test
  void decodesAConsumerGroup() {
    ConsumerGroup group = decode(StandardTypes.CONSUMER_GROUPS, "company_a", """
        {"id": "company_a", "plugins": {"limit-count": {"count": 200, "time_window": 60, "group": "grp_company_a"}}}""");

    assertThat(group.id()).isEqualTo("company_a");
    assertThat(group.plugins().get("limit-count")).containsEntry("group", "grp_company_a");
  }

  @Test
  void rejectsAConsumerGroupWithoutPlugins() {
    InvalidConfigException e = rejection(StandardTypes.CONSUMER_GROUPS, "g", "{\"id\": \"g\"}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).isEqualTo("required key [plugins] not found");
  }

  @Test
  void keepsPluginMetadataWholeExceptTheId() {
    PluginMetadata metadata = decode(StandardTypes.PLUGIN_METADATA, "http-logger", """
        {"id": "http-logger", "log_format": {"host": "$host", "@timestamp": "$time_iso8601", "client_ip": "$remote_addr"}}""");

    assertThat(metadata.pluginName()).isEqualTo("http-logger");
    assertThat(metadata.metadata()).containsOnlyKeys("log_format");
    assertThat(metadata.metadata().get("log_format"))
        .isEqualTo(Map.of("host", "$host", "@timestamp", "$time_iso8601", "client_ip", "$remote_addr"));
  }

  @Test
  void rejectsPluginMetadataForAnotherPlugin() {
    InvalidConfigException e = rejection(StandardTypes.PLUGIN_METADATA, "http-logger", "{\"id\": \"syslog\"}");

    assertThat(e.field()).isEqualTo("/id");
  }
}
