package io.dynconf.core.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A multi-key write that applies all of its operations or none: when every comparison holds, every
 * operation is applied at one new revision; otherwise nothing changes.
 *
 * <pre>{@code
 * Txn.builder()
 *     .ifModRevision("/apisix/upstreams/1", 7)   // still the version we validated against
 *     .ifAbsent("/apisix/routes/9")
 *     .put("/apisix/routes/9", json)
 *     .build();
 * }</pre>
 *
 * <p>Besides comparisons on one key, a transaction may require that no key under a prefix changed
 * after a revision ({@link Builder#ifUnchangedSince}: etcd's comparison over a key range). Every
 * source must honour both kinds ({@code ConfigSourceContract} checks it).
 */
public final class Txn {
  /** A condition on one key's mod revision; {@code 0} means "the key does not exist". */
  public record Compare(String key, long modRevision) {
    public Compare {
      Objects.requireNonNull(key, "key");
      if (modRevision < 0) {
        throw new IllegalArgumentException("compare on " + key + ": revision must not be negative, was " + modRevision);
      }
    }
  }

  /**
   * Holds when every key under {@code keyPrefix} has a mod revision of at most {@code revision}:
   * no key under it was created or changed after {@code revision} (a key deleted since does not
   * count). With etcd, a comparison {@code mod_revision < revision + 1} over the range of the prefix.
   */
  public record Unchanged(String keyPrefix, long revision) {
    public Unchanged {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (keyPrefix.isEmpty() || revision < 0) {
        throw new IllegalArgumentException("unchanged since: needs a non-empty prefix and a revision >= 0, got \""
            + keyPrefix + "\" and " + revision);
      }
    }

    /** True when {@code kv} (a key under the prefix or not) does not break this condition. */
    public boolean allows(KeyValue kv) {
      return !kv.key().startsWith(keyPrefix) || kv.modRevision() <= revision;
    }
  }

  /** A put (value non-null) or a delete (value null). */
  public record Op(String key, byte @Nullable [] value) {
    public Op {
      Objects.requireNonNull(key, "key");
      value = value == null ? null : value.clone();
    }

    public boolean isDelete() {
      return value == null;
    }

    @Override
    public byte @Nullable [] value() {
      return value == null ? null : value.clone();
    }
  }

  private final List<Compare> compares;
  private final List<Unchanged> unchanged;
  private final List<Op> ops;

  private Txn(List<Compare> compares, List<Unchanged> unchanged, List<Op> ops) {
    this.compares = List.copyOf(compares);
    this.unchanged = List.copyOf(unchanged);
    this.ops = List.copyOf(ops);
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Compare> compares() {
    return compares;
  }

  public List<Op> ops() {
    return ops;
  }

  /** The range conditions ({@link Builder#ifUnchangedSince}). */
  public List<Unchanged> unchanged() {
    return unchanged;
  }

  @Override
  public String toString() {
    return "Txn[if " + compares + (unchanged.isEmpty() ? "" : " " + unchanged) + " then " + ops.stream().map(o -> (o.isDelete() ? "delete " : "put ") + o.key()).toList() + "]";
  }

  /** Collects comparisons and operations; a key may appear in at most one operation. */
  public static final class Builder {
    private final List<Compare> compares = new ArrayList<>();
    private final List<Unchanged> unchanged = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();

    private Builder() {}

    /** Holds when {@code key}'s mod revision is {@code modRevision} (0: the key is absent). */
    public Builder ifModRevision(String key, long modRevision) {
      compares.add(new Compare(key, modRevision));
      return this;
    }

    public Builder ifAbsent(String key) {
      return ifModRevision(key, 0);
    }

    /** Holds when no key under {@code keyPrefix} was created or changed after {@code revision}. */
    public Builder ifUnchangedSince(String keyPrefix, long revision) {
      unchanged.add(new Unchanged(keyPrefix, revision));
      return this;
    }

    public Builder put(String key, byte[] value) {
      return op(new Op(key, Objects.requireNonNull(value, "value")));
    }

    public Builder put(String key, String value) {
      return put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    public Builder delete(String key) {
      return op(new Op(key, null));
    }

    private Builder op(Op op) {
      for (Op o : ops) {
        if (o.key().equals(op.key())) {
          throw new IllegalArgumentException("a transaction may change " + op.key() + " only once");
        }
      }
      ops.add(op);
      return this;
    }

    public Txn build() {
      if (ops.isEmpty()) {
        throw new IllegalArgumentException("a transaction needs at least one operation");
      }
      return new Txn(compares, unchanged, ops);
    }
  }
}
