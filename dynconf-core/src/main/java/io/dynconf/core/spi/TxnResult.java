package io.dynconf.core.spi;

/**
 * The outcome of a {@link Txn}.
 *
 * @param succeeded true when every comparison held and every operation was applied
 * @param revision the revision of the applied change, or the source's current revision when the
 *     comparisons failed (nothing changed)
 */
public record TxnResult(boolean succeeded, long revision) {}
