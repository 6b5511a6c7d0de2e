package io.dynconf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceKeyTest {

  @Nested
  class Parsing {

    @Test
    void splitsAKeyIntoPrefixTypeAndId() {
      ResourceKey key = ResourceKey.parse("/apisix", "/apisix/routes/1");

      assertThat(key.prefix()).isEqualTo("/apisix");
      assertThat(key.type()).isEqualTo("routes");
      assertThat(key.id()).isEqualTo("1");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "/apisix/routes/1",
          "/apisix/upstreams/00000000000000000012",
          "/apisix/plugin_metadata/key-auth",
          "/apisix/ssls/my.cert_v2",
          "/apisix/stream_routes/A-b.C_d",
          "/apisix/consumers/...",
          "/apisix/services/.hidden",
        })
    void formatsBackToTheSameKey(String etcdKey) {
      assertThat(ResourceKey.parse("/apisix", etcdKey).toKey()).isEqualTo(etcdKey);
    }

    @Test
    void acceptsPluginNamesAsPluginMetadataIds() {
      ResourceKey key = ResourceKey.parse("/apisix", "/apisix/plugin_metadata/key-auth");

      assertThat(key).isEqualTo(ResourceKey.of("/apisix", "plugin_metadata", "key-auth"));
    }

    @Test
    void worksWithANestedPrefix() {
      ResourceKey key = ResourceKey.parse("/prod/gw1/apisix", "/prod/gw1/apisix/routes/r1");

      assertThat(key).isEqualTo(ResourceKey.of("/prod/gw1/apisix", "routes", "r1"));
      assertThat(key.toKey()).isEqualTo("/prod/gw1/apisix/routes/r1");
    }

    @Test
    void acceptsSegmentsOfExactlyTheMaximumLength() {
      String type = "t" + "x".repeat(63);
      String id = "9".repeat(64);

      ResourceKey key = ResourceKey.parse("/apisix", "/apisix/" + type + "/" + id);

      assertThat(key.type()).hasSize(64).isEqualTo(type);
      assertThat(key.id()).hasSize(64).isEqualTo(id);
    }

    @Test
    void treatsTypesAndIdsCaseSensitively() {
      assertThat(ResourceKey.parse("/apisix", "/apisix/routes/ABC"))
          .isNotEqualTo(ResourceKey.parse("/apisix", "/apisix/routes/abc"));
    }
  }

  @Nested
  class ParseRejections {

    @Test
    void rejectsTheBareDirectoryKeyOfAType() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/routes"))
          .withMessage(
              "key \"/apisix/routes\" is not a resource key under prefix \"/apisix\": it names"
                  + " the directory of type \"routes\", not a resource; expected"
                  + " \"/apisix/<type>/<id>\"");
    }

    @Test
    void rejectsADirectoryKeyWithATrailingSlash() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/routes/"))
          .withMessage(
              "key \"/apisix/routes/\" is not a resource key under prefix \"/apisix\": id must"
                  + " not be empty; it must match [A-Za-z0-9_.-]{1,64}");
    }

    @Test
    void rejectsKeysOutsideThePrefix() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/other/routes/1"))
          .withMessage(
              "key \"/other/routes/1\" is not a resource key under prefix \"/apisix\": it is"
                  + " outside the prefix");
    }

    @Test
    void rejectsKeysThatOnlyShareTheTextOfThePrefix() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix2/routes/1"))
          .withMessageEndingWith(": it is outside the prefix");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/apisix", "/apisix/"})
    void rejectsThePrefixDirectoryItself(String etcdKey) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", etcdKey))
          .withMessage(
              "key \""
                  + etcdKey
                  + "\" is not a resource key under prefix \"/apisix\": it names the prefix"
                  + " directory itself, not a resource");
    }

    @Test
    void rejectsKeysWithMoreThanTwoSegmentsAfterThePrefix() {
      assertThatIllegalArgumentException()
          .isThrownBy(
              () -> ResourceKey.parse("/apisix", "/apisix/data_plane/server_info/node-1"))
          .withMessage(
              "key \"/apisix/data_plane/server_info/node-1\" is not a resource key under prefix"
                  + " \"/apisix\": it has more than two segments after the prefix; expected"
                  + " \"/apisix/<type>/<id>\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void rejectsDotSegmentsAsIds(String id) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/routes/" + id))
          .withMessage(
              "key \"/apisix/routes/"
                  + id
                  + "\" is not a resource key under prefix \"/apisix\": id \""
                  + id
                  + "\" is not allowed: \".\" and \"..\" are path segments, not ids");
    }

    @Test
    void rejectsAnIdWithAForbiddenCharacterAndNamesIt() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/routes/a:b"))
          .withMessage(
              "key \"/apisix/routes/a:b\" is not a resource key under prefix \"/apisix\": id"
                  + " \"a:b\" must match [A-Za-z0-9_.-]{1,64}: character ':' at index 1 is not"
                  + " allowed");
    }

    @Test
    void rejectsAnUpperCaseType() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/Routes/1"))
          .withMessage(
              "key \"/apisix/Routes/1\" is not a resource key under prefix \"/apisix\": type"
                  + " \"Routes\" must match [a-z][a-z0-9_]{0,63}: character 'R' at index 0 is"
                  + " not allowed");
    }

    @Test
    void rejectsAnEmptyType() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix//1"))
          .withMessageEndingWith(": type must not be empty; it must match [a-z][a-z0-9_]{0,63}");
    }

    @Test
    void rejectsAnIdLongerThan64Characters() {
      String id = "a".repeat(65);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/routes/" + id))
          .withMessageEndingWith(
              ": id \"" + id + "\" is 65 characters long; at most 64 are allowed");
    }

    @Test
    void escapesControlCharactersInTheMessage() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", "/apisix/routes/a\nb"))
          .withMessage(
              "key \"/apisix/routes/a\\u000ab\" is not a resource key under prefix \"/apisix\":"
                  + " id \"a\\u000ab\" must match [A-Za-z0-9_.-]{1,64}: character U+000A at"
                  + " index 1 is not allowed")
          .withMessageNotContaining("\n");
    }

    @Test
    void shortensVeryLongKeysInTheMessage() {
      String etcdKey = "/elsewhere/" + "x".repeat(10_000);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("/apisix", etcdKey))
          .withMessageContaining("... (10011 characters)")
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }

    @Test
    void rejectsAnInvalidPrefixBeforeLookingAtTheKey() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.parse("apisix", "/apisix/routes/1"))
          .withMessage("prefix \"apisix\" must start with '/', for example \"/apisix\"");
    }

    @Test
    void rejectsNullArguments() {
      assertThatNullPointerException().isThrownBy(() -> ResourceKey.parse(null, "/apisix/a/b"));
      assertThatNullPointerException().isThrownBy(() -> ResourceKey.parse("/apisix", null));
    }
  }

  @Nested
  class TryParsing {

    @Test
    void returnsTheKeyOfAResource() {
      assertThat(ResourceKey.tryParse("/apisix", "/apisix/upstreams/u-1"))
          .contains(ResourceKey.of("/apisix", "upstreams", "u-1"));
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "/apisix",
          "/apisix/",
          "/apisix/routes",
          "/apisix/routes/",
          "/apisix2/routes/1",
          "/other/routes/1",
          "",
          "routes/1",
          "/apisix/routes/..",
          "/apisix/routes/.",
          "/apisix/Routes/1",
          "/apisix/data_plane/server_info/node-1",
          "/apisix/routes/a b",
        })
    void returnsEmptyForKeysThatAreNotResources(String etcdKey) {
      assertThat(ResourceKey.tryParse("/apisix", etcdKey)).isEmpty();
    }

    @Test
    void stillRejectsAnInvalidPrefix() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.tryParse("", "/apisix/routes/1"))
          .withMessage("prefix must not be empty; use an absolute path such as \"/apisix\"");
    }
  }

  @Nested
  class Prefixes {

    @Test
    void removesATrailingSlash() {
      assertThat(ResourceKey.normalizePrefix("/apisix/")).isEqualTo("/apisix");
      assertThat(ResourceKey.normalizePrefix("/a/b/")).isEqualTo("/a/b");
    }

    @Test
    void keepsAPrefixWithoutTrailingSlash() {
      assertThat(ResourceKey.normalizePrefix("/apisix")).isEqualTo("/apisix");
    }

    @Test
    void parsesTheSameWithOrWithoutTrailingSlash() {
      ResourceKey withSlash = ResourceKey.parse("/apisix/", "/apisix/routes/1");
      ResourceKey withoutSlash = ResourceKey.parse("/apisix", "/apisix/routes/1");

      assertThat(withSlash).isEqualTo(withoutSlash);
      assertThat(withSlash.prefix()).isEqualTo("/apisix");
      assertThat(withSlash.toKey()).isEqualTo("/apisix/routes/1");
    }

    @Test
    void normalisesThePrefixOfAConstructedKey() {
      ResourceKey key = ResourceKey.of("/apisix/", "routes", "1");

      assertThat(key.prefix()).isEqualTo("/apisix");
      assertThat(key).isEqualTo(ResourceKey.of("/apisix", "routes", "1"));
      assertThat(key.toKey()).isEqualTo("/apisix/routes/1");
    }

    @Test
    void rejectsAnEmptyPrefix() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.normalizePrefix(""))
          .withMessage("prefix must not be empty; use an absolute path such as \"/apisix\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"apisix", "apisix/", "./apisix", " /apisix"})
    void rejectsARelativePrefix(String prefix) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.normalizePrefix(prefix))
          .withMessage("prefix \"" + prefix + "\" must start with '/', for example \"/apisix\"");
    }

    @Test
    void rejectsTheRoot() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.normalizePrefix("/"))
          .withMessage("prefix \"/\" must name a directory below the root, for example \"/apisix\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"//", "/apisix//", "/a//b", "//apisix"})
    void rejectsEmptySegments(String prefix) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.normalizePrefix(prefix))
          .withMessage("prefix \"" + prefix + "\" must not contain empty segments (\"//\")");
    }
  }

  @Nested
  class Construction {

    @Test
    void formatsTheKeyAndTheDirectoryKey() {
      ResourceKey key = ResourceKey.of("/apisix", "plugin_metadata", "key-auth");

      assertThat(key.toKey()).isEqualTo("/apisix/plugin_metadata/key-auth");
      assertThat(key.directoryKey()).isEqualTo("/apisix/plugin_metadata");
    }

    @Test
    void roundTripsThroughParse() {
      ResourceKey key = ResourceKey.of("/apisix", "stream_routes", "sr.1");

      assertThat(ResourceKey.parse("/apisix", key.toKey())).isEqualTo(key);
    }

    @Test
    void validatesTheCanonicalConstructorToo() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> new ResourceKey("/apisix", "routes", ".."))
          .withMessage("id \"..\" is not allowed: \".\" and \"..\" are path segments, not ids");
    }

    @ParameterizedTest
    @CsvSource({
      "Routes, 'type \"Routes\" must match [a-z][a-z0-9_]{0,63}: character ''R'' at index 0 is not allowed'",
      "1routes, 'type \"1routes\" must match [a-z][a-z0-9_]{0,63}: character ''1'' at index 0 is not allowed'",
      "_routes, 'type \"_routes\" must match [a-z][a-z0-9_]{0,63}: character ''_'' at index 0 is not allowed'",
      "plugin-metadata, 'type \"plugin-metadata\" must match [a-z][a-z0-9_]{0,63}: character ''-'' at index 6 is not allowed'",
      "rout/es, 'type \"rout/es\" must match [a-z][a-z0-9_]{0,63}: character ''/'' at index 4 is not allowed'",
    })
    void rejectsAnInvalidTypeAndNamesTheCharacter(String type, String message) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.of("/apisix", type, "1"))
          .withMessage(message);
    }

    @Test
    void rejectsAnEmptyType() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.of("/apisix", "", "1"))
          .withMessage("type must not be empty; it must match [a-z][a-z0-9_]{0,63}");
    }

    @Test
    void rejectsATypeLongerThan64Characters() {
      String type = "r".repeat(65);

      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.of("/apisix", type, "1"))
          .withMessage("type \"" + type + "\" is 65 characters long; at most 64 are allowed");
    }

    @Test
    void acceptsIdsOfSeveralSegmentsEachFollowingTheRule() {
      assertThat(ResourceKey.of("/apisix", "secrets", "vault/1").toKey()).isEqualTo("/apisix/secrets/vault/1");
      assertThatThrownBy(() -> ResourceKey.of("/apisix", "secrets", "vault/..")).hasMessageContaining("\"..\"");
      assertThatThrownBy(() -> ResourceKey.of("/apisix", "secrets", "vault/")).hasMessageContaining("id");
    }

    @Test
    void parsesTwoSegmentIdsOnlyWhenAsked() {
      assertThat(ResourceKey.tryParse("/apisix", "/apisix/secrets/vault/1")).isEmpty();
      assertThat(ResourceKey.tryParse("/apisix", "/apisix/secrets/vault/1", 2)).hasValueSatisfying(k -> {
        assertThat(k.type()).isEqualTo("secrets");
        assertThat(k.id()).isEqualTo("vault/1");
      });
      assertThat(ResourceKey.tryParse("/apisix", "/apisix/secrets/vault/1/x", 2)).isEmpty();
    }

    @Test
    void acceptsTypesWithDigitsAndUnderscoresAfterTheFirstCharacter() {
      assertThat(ResourceKey.of("/apisix", "a0_9z", "1").type()).isEqualTo("a0_9z");
    }

    @ParameterizedTest
    @CsvSource({
      "a b, 'id \"a b\" must match [A-Za-z0-9_.-]{1,64}: character U+0020 at index 1 is not allowed'",
      "é, 'id \"\\u00e9\" must match [A-Za-z0-9_.-]{1,64}: character U+00E9 at index 0 is not allowed'",
      "a%2e, 'id \"a%2e\" must match [A-Za-z0-9_.-]{1,64}: character ''%'' at index 1 is not allowed'",
    })
    void rejectsAnInvalidIdAndNamesTheCharacter(String id, String message) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.of("/apisix", "routes", id))
          .withMessage(message);
    }

    @Test
    void rejectsAnEmptyId() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.of("/apisix", "routes", ""))
          .withMessage("id must not be empty; it must match [A-Za-z0-9_.-]{1,64}");
    }

    @Test
    void acceptsIdsThatMerelyContainDots() {
      assertThat(ResourceKey.of("/apisix", "routes", "...").id()).isEqualTo("...");
      assertThat(ResourceKey.of("/apisix", "routes", "..a").id()).isEqualTo("..a");
    }

    @Test
    void rejectsAnInvalidPrefix() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> ResourceKey.of("/", "routes", "1"))
          .withMessageStartingWith("prefix \"/\" must name a directory below the root");
    }

    @Test
    void rejectsNullComponents() {
      assertThatNullPointerException()
          .isThrownBy(() -> ResourceKey.of(null, "routes", "1"))
          .withMessage("prefix");
      assertThatNullPointerException()
          .isThrownBy(() -> ResourceKey.of("/apisix", null, "1"))
          .withMessage("type");
      assertThatNullPointerException()
          .isThrownBy(() -> ResourceKey.of("/apisix", "routes", null))
          .withMessage("id");
    }
  }
}
