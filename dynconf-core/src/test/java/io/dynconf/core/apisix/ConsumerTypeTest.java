package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsumerTypeTest {

  @Test
  void decodesTheAdminApiExampleKeyedByUsername() {
    Consumer consumer = decode(StandardTypes.CONSUMERS, "jack", """
        {
          "username": "jack",
          "plugins": {
            "key-auth": {"key": "auth-one"},
            "limit-count": {"count": 2, "time_window": 60, "rejected_code": 503, "key": "remote_addr"}
          },
          "desc": "hello world"
        }""");

    assertThat(consumer.username()).isEqualTo("jack");
    assertThat(consumer.id()).isNull();
    assertThat(consumer.desc()).isEqualTo("hello world");
    assertThat(consumer.plugins()).containsOnlyKeys("key-auth", "limit-count");
    assertThat(consumer.plugins().get("key-auth")).isEqualTo(Map.of("key", "auth-one"));
    assertThat(consumer.groupId()).isNull();
    assertThat(StandardTypes.CONSUMERS.referencesOf(consumer)).isEmpty();
  }

  @Test
  void referencesItsGroup() {
    Consumer consumer = decode(StandardTypes.CONSUMERS, "jack", "{\"username\": \"jack\", \"group_id\": \"company_a\", \"id\": 5}");

    assertThat(consumer.groupId()).isEqualTo("company_a");
    assertThat(consumer.id()).isEqualTo("5");
    assertThat(StandardTypes.CONSUMERS.referencesOf(consumer)).containsExactly(Reference.to("consumer_groups", "company_a", "group_id"));
  }

  @Test
  void rejectsAUsernameThatDiffersFromTheKey() {
    InvalidConfigException e = rejection(StandardTypes.CONSUMERS, "jack", "{\"username\": \"jill\"}");

    assertThat(e.field()).isEqualTo("/username");
    assertThat(e.reason()).contains("\"jill\" differs from the id in the key (\"jack\")");
  }

  @Test
  void rejectsAConsumerWithoutUsername() {
    InvalidConfigException e = rejection(StandardTypes.CONSUMERS, "jack", "{\"plugins\": {}}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).isEqualTo("required key [username] not found");
  }

  @Test
  void rejectsAPluginConfigurationThatIsNotAnObject() {
    InvalidConfigException e = rejection(StandardTypes.CONSUMERS, "jack", "{\"username\": \"jack\", \"plugins\": {\"key-auth\": \"k\"}}");

    assertThat(e.field()).isEqualTo("/plugins/key-auth");
    assertThat(e.reason()).contains("expected type: object, found: string");
  }
}
