package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Query arguments as route vars and {@code $arg_*} read them: malformed escapes are values, never exceptions. */
class QueryArgsTest {

  @Test
  void decodesWhatIsValidAndKeepsWhatIsNot() {
    assertThat(QueryArgs.parse("a=%41+b&a=2&c&=x&&d=%C3%A9")).isEqualTo(Map.of("a", List.of("A b", "2"), "c", List.of(""),
        "d", List.of("\u00e9")));
    assertThat(QueryArgs.parse("a=%zz").get("a")).containsExactly("%zz");
    assertThat(QueryArgs.parse("a=%").get("a")).containsExactly("%");
    assertThat(QueryArgs.parse("a=%4").get("a")).containsExactly("%4");
    assertThat(QueryArgs.parse("a=x%4").get("a")).containsExactly("x%4");
    assertThat(QueryArgs.parse("a=%%41").get("a")).containsExactly("%A");
    assertThat(QueryArgs.parse("%zz=1").get("%zz")).containsExactly("1");
    assertThat(QueryArgs.parse("a=%C3").get("a")).as("not UTF-8: the replacement character").containsExactly("\ufffd");
    assertThat(QueryArgs.parse("a=\u00c3\u00a9").get("a")).as("raw bytes as Netty reads them, one char each").containsExactly("\u00e9");
    assertThat(QueryArgs.parse("")).isEmpty();
    assertThat(QueryArgs.decode("x=%41", 2, 5)).isEqualTo("A");
  }

  @Test
  void readsAtMostMaxArgs() {
    StringBuilder q = new StringBuilder();
    for (int i = 0; i < QueryArgs.MAX_ARGS + 10; i++) {
      q.append("k").append(i).append("=v&");
    }
    Map<String, List<String>> args = QueryArgs.parse(q.toString());
    assertThat(args).hasSize(QueryArgs.MAX_ARGS).containsKey("k0").doesNotContainKey("k" + QueryArgs.MAX_ARGS);
  }
}
