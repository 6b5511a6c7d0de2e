package io.dynconf.radix.balance;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one active health probe with the host server's own client. Called on the {@link Balancers}
 * scheduler thread: it must not block, only start the probe and complete the future (with a
 * result, or exceptionally, which counts as a {@link Outcome#FAILURE}) on any thread. The probe
 * should honour {@link ProbeTarget#timeout()}; a future still pending after twice that is
 * counted as a timeout.
 */
@FunctionalInterface
public interface Prober {
  CompletableFuture<ProbeResult> probe(ProbeTarget target);
}
