package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProtoTypeTest {

  @Test
  void keepsTheProtoSourceAsText() {
    String content = "syntax = \"proto3\";\npackage helloworld;\nservice Greeter {\n  rpc SayHello (HelloRequest) returns (HelloReply) {}\n}";
    Proto proto = decode(StandardTypes.PROTOS, "1", "{\"content\": " + StandardTypesTest.quote(content) + ", \"name\": \"hello\"}");

    assertThat(proto.id()).isEqualTo("1");
    assertThat(proto.content()).isEqualTo(content);
    assertThat(proto.name()).isEqualTo("hello");
  }

  @Test
  void rejectsAProtoWithoutContent() {
    InvalidConfigException e = rejection(StandardTypes.PROTOS, "1", "{\"name\": \"hello\"}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).isEqualTo("required key [content] not found");
  }
}
