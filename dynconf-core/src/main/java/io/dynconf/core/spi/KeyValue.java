package io.dynconf.core.spi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One key as a source holds it: the key, its value and etcd's revisions. The value array is copied
 * in and never exposed for writing ({@link #value()} returns a copy; {@link #utf8()} decodes).
 *
 * @param key the full key, for example {@code /apisix/routes/1}
 * @param createRevision the revision that created the key
 * @param modRevision the revision of its last change
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision) {
  public KeyValue {
    Objects.requireNonNull(key, "key");
    value = value.clone();
    if (createRevision < 1 || modRevision < createRevision) {
      throw new IllegalArgumentException(
          "key " + key + ": revisions must satisfy 1 <= createRevision <= modRevision, got "
              + createRevision + " and " + modRevision);
    }
  }

  public static KeyValue of(String key, String value, long createRevision, long modRevision) {
    return new KeyValue(key, value.getBytes(StandardCharsets.UTF_8), createRevision, modRevision);
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  /** The value without a copy, for readers that promise not to write to it. */
  public byte[] valueUnsafe() {
    return value;
  }

  public String utf8() {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv
        && key.equals(kv.key)
        && createRevision == kv.createRevision
        && modRevision == kv.modRevision
        && Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, createRevision, modRevision) * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "KeyValue[" + key + " @" + modRevision + " " + value.length + " bytes]";
  }
}
