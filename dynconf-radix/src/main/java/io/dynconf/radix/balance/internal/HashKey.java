package io.dynconf.radix.balance.internal;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.radix.balance.BalancerRequest;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where {@code chash} takes its key ({@code hash_on} and {@code key}, as APISIX's {@code
 * fetch_chash_hash_key}), and the 64-bit hash of it. A missing key falls back to the client
 * address. No string is built, also for {@code vars_combinations} ({@code "$host$uri"}), whose
 * parts are hashed one after the other.
 * Immutable.
 */
public final class HashKey {
  private enum Kind { VARS, HEADER, COOKIE, CONSUMER, COMBINATION }

  private final Kind kind;
  private final String key;
  /** For COMBINATION: literal text and variable names alternate; names at odd indexes. */
  private final String[] parts;

  private HashKey(Kind kind, String key, String[] parts) {
    this.kind = kind;
    this.key = key;
    this.parts = parts;
  }

  /**
   * The key source of {@code hash_on} and {@code key}.
   *
   * @throws InvalidConfigException for an unknown {@code hash_on} or a missing key
   */
  public static HashKey of(String hashOn, @Nullable String key) {
    Kind kind = switch (hashOn) {
      case "vars" -> Kind.VARS;
      case "header" -> Kind.HEADER;
      case "cookie" -> Kind.COOKIE;
      case "consumer" -> Kind.CONSUMER;
      case "vars_combinations" -> Kind.COMBINATION;
      default -> throw new InvalidConfigException("/hash_on", "unknown hash_on \"" + hashOn
          + "\": expected vars, header, cookie, consumer or vars_combinations");
    };
    if (kind != Kind.CONSUMER && (key == null || key.isEmpty())) {
      throw new InvalidConfigException("/key", "missing key: a chash upstream that hashes on " + hashOn + " needs one");
    }
    String k = key == null ? "" : key;
    return new HashKey(kind, k, kind == Kind.COMBINATION ? parse(k) : new String[0]);
  }

  /** Splits {@code "a$x${y}b"} into literal, name, literal, name, literal (APISIX's resolve_var syntax). */
  static String[] parse(String template) {
    List<String> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '$') {
        int start = i + 1;
        boolean braced = start < template.length() && template.charAt(start) == '{';
        int j = braced ? start + 1 : start;
        while (j < template.length() && isNameChar(template.charAt(j))) {
          j++;
        }
        int nameStart = braced ? start + 1 : start;
        boolean closed = !braced || j < template.length() && template.charAt(j) == '}';
        if (j > nameStart && closed) {
          parts.add(literal.toString());
          literal.setLength(0);
          parts.add(template.substring(nameStart, j));
          i = braced ? j + 1 : j;
          continue;
        }
      }
      literal.append(c);
      i++;
    }
    parts.add(literal.toString());
    return parts.toArray(new String[0]);
  }

  private static boolean isNameChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
  }

  /** The hash of this request's key (or of its client address when the key is missing). */
  public long hash(BalancerRequest request) {
    String value = switch (kind) {
      case VARS -> request.var(key);
      case HEADER -> request.header(key);
      case COOKIE -> request.cookie(key);
      case CONSUMER -> request.consumer();
      case COMBINATION -> null;
    };
    if (kind == Kind.COMBINATION) {
      int h = 0;
      int resolved = 0;
      for (int i = 0; i < parts.length; i++) {
        if ((i & 1) == 0) {
          h = feed(h, parts[i]);
        } else {
          String v = request.var(parts[i]);
          if (v != null) {
            resolved++;
            h = feed(h, v);
          }
        }
      }
      if (resolved > 0) {
        return mix(h);
      }
    } else if (value != null) {
      return hash(value);
    }
    String address = request.clientAddress();
    return hash(address == null ? "" : address);
  }

  /**
   * A well-mixed 64-bit hash of the characters: Java's {@link String#hashCode} (specified, so the
   * same on every JVM, and cached by the String) through murmur3's 64-bit finalizer. A {@code
   * vars_combinations} key hashes as the concatenated string would, without building it.
   */
  public static long hash(String s) {
    return mix(s.hashCode());
  }

  private static int feed(int h, String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      h = 31 * h + s.charAt(i);
    }
    return h;
  }

  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
