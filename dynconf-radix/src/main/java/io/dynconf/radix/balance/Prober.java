package io.dynconf.radix.balance;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one active health probe. Called on the {@link Balancers} scheduler thread: it must not
 * block, only start the probe and complete the future (with a result, or exceptionally, which
 * counts as a {@link Outcome#FAILURE}) on any thread. The probe should honour {@link
 * ProbeTarget#timeout()}; a future still pending after twice that is counted as a timeout. A
 * result of {@link ProbeResult#skipped()} gives no verdict.
 *
 * <p>{@link SocketProber} is the library's own (JDK sockets, no dependency); a host server may
 * use its own client instead.
 */
@FunctionalInterface
public interface Prober {
  CompletableFuture<ProbeResult> probe(ProbeTarget target);
}
