package io.dynconf.radix.balance;

/**
 * Told about health changes, for logs and metrics. Called on the thread that reported the outcome
 * (a request thread, a probe completion, or the thread whose {@code picker} call removed the
 * checks), never under a lock; must be quick and should not throw (a throw is logged and
 * swallowed on the probe path, and reaches the caller on the request path).
 */
public interface HealthListener {
  /** A listener that ignores everything. */
  HealthListener NONE = new HealthListener() {};

  /**
   * A node went down (ejected by passive checks or failed by active probes) or came back.
   *
   * @param reason what tipped it, e.g. {@code "passive: 5 http failures"} or {@code "active: 2 successes"}
   */
  default void nodeHealthChanged(String upstreamKey, Node node, boolean healthy, String reason) {}

  /**
   * Every node of the upstream is unhealthy, so traffic now goes to all of them, as in APISIX
   * (true), or some node is healthy again (false). Called on the change, not per request.
   */
  default void allUnhealthy(String upstreamKey, boolean allUnhealthy) {}
}
