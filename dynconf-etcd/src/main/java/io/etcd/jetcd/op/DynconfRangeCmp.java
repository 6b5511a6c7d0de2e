package io.etcd.jetcd.op;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.support.Util;

/**
 * A {@link Cmp} over a key range: etcd (3.3 and later) applies the comparison to every key in
 * {@code [key, rangeEnd)}. jetcd 0.8 has no public way to set a comparison's {@code range_end}, so
 * this class lives in jetcd's package to extend the package-private {@code toCompare}; it is used
 * only by {@code io.dynconf.etcd.EtcdSource} for {@code Txn.ifUnchangedSince}, and {@code
 * EtcdSourceContractTest} checks on a real etcd that the range reaches the server (a comparison
 * that lost its range would compare one absent key and hold).
 */
public final class DynconfRangeCmp extends Cmp {
  private final ByteSequence rangeEnd;

  /** Holds when every key in {@code [key, rangeEnd)} satisfies {@code op target}. */
  public DynconfRangeCmp(ByteSequence key, ByteSequence rangeEnd, Cmp.Op op, CmpTarget<?> target) {
    super(key, op, target);
    this.rangeEnd = rangeEnd;
  }

  @Override
  Compare toCompare(ByteSequence namespace) {
    return super.toCompare(namespace).toBuilder().setRangeEnd(Util.prefixNamespaceToRangeEnd(rangeEnd, namespace)).build();
  }
}
