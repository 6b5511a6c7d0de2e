package io.dynconf.radix.balance;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What to probe: the node and the upstream's {@code checks.active} settings, with APISIX's
 * defaults. Immutable.
 *
 * @param type {@code http}, {@code https} or {@code tcp}
 * @param host the {@code Host} header to send ({@code checks.active.host}), or null for the node's
 * @param port the port to probe: {@code checks.active.port}, else the node's
 * @param headers {@code req_headers}, each {@code "Name: value"}
 */
public record ProbeTarget(String upstreamKey, Node node, String type, @Nullable String host, int port, String method,
    String path, String body, List<String> headers, Duration timeout, boolean verifyCertificate) {
  public ProbeTarget {
    headers = List.copyOf(headers);
  }
}
