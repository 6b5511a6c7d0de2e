package io.dynconf.radix.balance;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The health of one node of one upstream at one moment, for a status page or metrics. Immutable.
 *
 * @param node the node (of the upstream's current version)
 * @param healthy whether the node takes traffic now (APISIX's {@code apisix_upstream_status} 1):
 *     healthy, or a passive ejection has ended and the node is on probation
 * @param status lua-resty-healthcheck's name of the state, as APISIX's control API shows it:
 *     {@code healthy}, {@code mostly_healthy} (failures counted, threshold not reached), {@code
 *     unhealthy}, {@code mostly_unhealthy} (successes counted, threshold not reached)
 * @param inStateFor how long since the node last went down or came back (or was first seen)
 * @param lastProbe the last active probe's result, or null when the node was never probed
 * @param lastProbeAgo how long ago that probe ended, or null
 * @param successes consecutive successes counted toward recovery
 * @param httpFailures consecutive HTTP failures counted toward {@code unhealthy.http_failures}
 * @param tcpFailures consecutive connection failures counted toward {@code unhealthy.tcp_failures}
 * @param timeouts consecutive timeouts counted toward {@code unhealthy.timeouts}
 * @param ejections passive ejections in a row (each doubles the ejection period)
 * @param inFlight requests in flight at the node
 */
public record NodeHealth(Node node, boolean healthy, String status, Duration inStateFor, @Nullable ProbeResult lastProbe,
    @Nullable Duration lastProbeAgo, int successes, int httpFailures, int tcpFailures, int timeouts, int ejections,
    int inFlight) {}
