package io.dynconf.core;

import java.util.Objects;
import java.util.Optional;
import io.dynconf.core.internal.Quote;
import org.jspecify.annotations.Nullable;

/**
 * The etcd key of one APISIX resource, {@code <prefix>/<type>/<id>}, for example
 * {@code /apisix/routes/1} with prefix {@code /apisix}, type {@code routes} and id {@code 1}.
 *
 * <p>Every instance is valid; the canonical constructor, {@link #of}, {@link #parse} and
 * {@link #tryParse} enforce the same rules and throw {@link IllegalArgumentException} with a
 * message that names the offending value and the reason:
 *
 * <ul>
 *   <li><b>prefix</b>: absolute (starts with {@code /}), below the root (not just {@code /}) and
 *       without empty segments ({@code //}). One trailing slash is removed, so {@code /apisix/}
 *       and {@code /apisix} denote the same prefix; {@link #prefix()} never ends with {@code /}.
 *   <li><b>type</b>: matches {@code [a-z][a-z0-9_]{0,63}}, for example {@code routes},
 *       {@code ssls} or {@code plugin_metadata}.
 *   <li><b>id</b>: matches {@code [A-Za-z0-9_.-]{1,64}} and is neither {@code .} nor {@code ..}.
 *       This is the id rule of the APISIX Admin API; it admits plugin names such as
 *       {@code key-auth} (the ids of {@code plugin_metadata}) but no path tricks.
 * </ul>
 *
 * <p>Keys are compared exactly: the type and id are case-sensitive, as they are in etcd.
 *
 * @param prefix the normalised key prefix, for example {@code /apisix}; never ends with {@code /}
 * @param type the resource type, for example {@code routes}
 * @param id the resource id, for example {@code 1}
 */
public record ResourceKey(String prefix, String type, String id) {

  /** Maximum length of a type and of an id. */
  public static final int MAX_SEGMENT_LENGTH = 64;

  private static final String TYPE_RULE = "[a-z][a-z0-9_]{0,63}";
  private static final String ID_RULE = "[A-Za-z0-9_.-]{1,64}";

  /**
   * Validates and normalises the components; see the class documentation for the rules.
   *
   * @throws IllegalArgumentException if a component breaks its rule; the message names the
   *     component, its value and the rule
   * @throws NullPointerException if a component is null
   */
  public ResourceKey {
    prefix = normalizePrefix(prefix);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    String problem = typeProblem(type);
    if (problem == null) {
      problem = idProblem(id);
    }
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Returns the key of resource {@code id} of type {@code type} under {@code prefix}.
   *
   * @throws IllegalArgumentException if a component breaks its rule (see the class documentation)
   */
  public static ResourceKey of(String prefix, String type, String id) {
    return new ResourceKey(prefix, type, id);
  }

  /**
   * Parses an etcd key of the form {@code <prefix>/<type>/<id>}.
   *
   * @param prefix the key prefix, for example {@code /apisix} or {@code /apisix/}
   * @param key the full etcd key, for example {@code /apisix/routes/1}
   * @return the parsed key; {@code parse(prefix, key).toKey()} equals {@code key}
   * @throws IllegalArgumentException if the prefix is invalid, or if the key is not the key of a
   *     resource under the prefix: it lies outside the prefix, names a directory such as {@code
   *     /apisix/routes}, has more segments than {@code <type>/<id>}, or its type or id break their
   *     rules. The message names the key, the prefix and the reason.
   */
  public static ResourceKey parse(String prefix, String key) {
    ResourceKey parsed = decode(normalizePrefix(prefix), Objects.requireNonNull(key, "key"), true);
    // decode() throws rather than returning null when strict.
    return Objects.requireNonNull(parsed);
  }

  /**
   * Parses an etcd key like {@link #parse}, but reports keys that are not resource keys as empty
   * instead of throwing. Use it to sift the keys of a watch or a range read, where directory
   * keys such as {@code /apisix/routes} and unrelated keys are expected.
   *
   * @param prefix the key prefix, for example {@code /apisix}
   * @param key the full etcd key
   * @return the parsed key, or empty for every key that {@link #parse} would reject
   * @throws IllegalArgumentException if the prefix itself is invalid (a configuration error, not
   *     a property of the key)
   */
  public static Optional<ResourceKey> tryParse(String prefix, String key) {
    return Optional.ofNullable(
        decode(normalizePrefix(prefix), Objects.requireNonNull(key, "key"), false));
  }

  /**
   * Returns {@code prefix} in normal form: validated and without a trailing slash.
   *
   * @param prefix a key prefix such as {@code /apisix} or {@code /apisix/}
   * @return the prefix without a trailing slash, for example {@code /apisix}
   * @throws IllegalArgumentException if the prefix is empty, relative, the root {@code /}, or
   *     contains an empty segment
   */
  public static String normalizePrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException(
          "prefix must not be empty; use an absolute path such as \"/apisix\"");
    }
    if (prefix.charAt(0) != '/') {
      throw new IllegalArgumentException(
          "prefix " + quote(prefix) + " must start with '/', for example \"/apisix\"");
    }
    String normalized =
        prefix.charAt(prefix.length() - 1) == '/'
            ? prefix.substring(0, prefix.length() - 1)
            : prefix;
    if (normalized.isEmpty()) {
      throw new IllegalArgumentException(
          "prefix \"/\" must name a directory below the root, for example \"/apisix\"");
    }
    if (normalized.contains("//") || normalized.endsWith("/")) {
      throw new IllegalArgumentException(
          "prefix " + quote(prefix) + " must not contain empty segments (\"//\")");
    }
    return normalized;
  }

  /** Returns the etcd key, {@code <prefix>/<type>/<id>}, for example {@code /apisix/routes/1}. */
  public String toKey() {
    return prefix + '/' + type + '/' + id;
  }

  /**
   * Returns the etcd key of the directory that holds this resource, {@code <prefix>/<type>}, for
   * example {@code /apisix/routes}.
   */
  public String directoryKey() {
    return prefix + '/' + type;
  }

  /**
   * Decodes {@code key} under the already normalised {@code prefix}. When {@code strict}, throws
   * for an invalid key; otherwise returns null for it.
   */
  private static @Nullable ResourceKey decode(String prefix, String key, boolean strict) {
    return decode(prefix, key, strict, 1);
  }

  private static int segments(String id) {
    int n = 1;
    for (int i = 0; i < id.length(); i++) {
      if (id.charAt(i) == '/') {
        n++;
      }
    }
    return n;
  }

  /**
   * Like {@link #tryParse(String, String)} for types whose ids span {@code idSegments} key
   * segments (APISIX's secrets: {@code /apisix/secrets/vault/1} has id {@code vault/1}); each
   * segment follows the id rule.
   */
  public static Optional<ResourceKey> tryParse(String prefix, String key, int idSegments) {
    return Optional.ofNullable(decode(normalizePrefix(prefix), key, false, idSegments));
  }

  private static @Nullable ResourceKey decode(String prefix, String key, boolean strict, int idSegments) {
    int prefixLength = prefix.length();
    if (!key.startsWith(prefix)
        || (key.length() > prefixLength && key.charAt(prefixLength) != '/')) {
      return reject(strict, prefix, key, "it is outside the prefix");
    }
    int typeStart = prefixLength + 1;
    if (key.length() <= typeStart) {
      return reject(strict, prefix, key, "it names the prefix directory itself, not a resource");
    }
    int slash = key.indexOf('/', typeStart);
    String type = key.substring(typeStart, slash < 0 ? key.length() : slash);
    String problem = typeProblem(type);
    if (problem != null) {
      return reject(strict, prefix, key, problem);
    }
    if (slash < 0) {
      return reject(
          strict,
          prefix,
          key,
          "it names the directory of type "
              + quote(type)
              + ", not a resource; expected "
              + quote(prefix + "/<type>/<id>"));
    }
    String id = key.substring(slash + 1);
    if (segments(id) > idSegments) {
      return reject(
          strict,
          prefix,
          key,
          "it has more than two segments after the prefix; expected "
              + quote(prefix + "/<type>/<id>"));
    }
    problem = idProblem(id);
    if (problem != null) {
      return reject(strict, prefix, key, problem);
    }
    return new ResourceKey(prefix, type, id);
  }

  private static @Nullable ResourceKey reject(
      boolean strict, String prefix, String key, String reason) {
    if (strict) {
      throw new IllegalArgumentException(
          "key "
              + quote(key)
              + " is not a resource key under prefix "
              + quote(prefix)
              + ": "
              + reason);
    }
    return null;
  }

  /** Returns why {@code type} is not a valid type, or null if it is valid. */
  private static @Nullable String typeProblem(String type) {
    String problem = lengthProblem("type", type, TYPE_RULE);
    if (problem != null) {
      return problem;
    }
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '_'));
      if (!allowed) {
        return badCharacter("type", type, TYPE_RULE, c, i);
      }
    }
    return null;
  }

  /** Returns why {@code id} is not a valid id, or null if it is valid; segments are checked one by one. */
  private static @Nullable String idProblem(String id) {
    int slash = id.indexOf('/');
    if (slash >= 0) {
      String first = idSegmentProblem(id.substring(0, slash));
      return first != null ? first : idProblem(id.substring(slash + 1));
    }
    return idSegmentProblem(id);
  }

  private static @Nullable String idSegmentProblem(String id) {
    String problem = lengthProblem("id", id, ID_RULE);
    if (problem != null) {
      return problem;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == '-';
      if (!allowed) {
        return badCharacter("id", id, ID_RULE, c, i);
      }
    }
    if (id.equals(".") || id.equals("..")) {
      return "id " + quote(id) + " is not allowed: \".\" and \"..\" are path segments, not ids";
    }
    return null;
  }

  private static @Nullable String lengthProblem(String what, String value, String rule) {
    if (value.isEmpty()) {
      return what + " must not be empty; it must match " + rule;
    }
    if (value.length() > MAX_SEGMENT_LENGTH) {
      return what
          + " "
          + quote(value)
          + " is "
          + value.length()
          + " characters long; at most "
          + MAX_SEGMENT_LENGTH
          + " are allowed";
    }
    return null;
  }

  private static String badCharacter(String what, String value, String rule, char c, int index) {
    return what
        + " "
        + quote(value)
        + " must match "
        + rule
        + ": "
        + describe(c)
        + " at index "
        + index
        + " is not allowed";
  }

  private static String describe(char c) {
    if (c >= 0x21 && c <= 0x7e) {
      return "character '" + c + "'";
    }
    return String.format("character U+%04X", (int) c);
  }

  private static String quote(String value) {
    return Quote.quote(value);
  }
}
