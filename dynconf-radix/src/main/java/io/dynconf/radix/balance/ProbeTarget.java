package io.dynconf.radix.balance;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What to probe: the node and the upstream's {@code checks.active} settings, with APISIX's
 * defaults. Immutable.
 *
 * @param type {@code http}, {@code https} or {@code tcp}
 * @param host the {@code Host} header (and TLS server name) to send: the upstream's {@code
 *     upstream_host} when {@code pass_host} is {@code rewrite}, else {@code checks.active.host},
 *     else null for the node's host
 * @param port the port to probe: {@code checks.active.port}, else the node's
 * @param method {@code checks.active.http_method} (default {@code GET})
 * @param path {@code checks.active.http_path} (default {@code /})
 * @param body {@code checks.active.http_req_body} (default empty: no body)
 * @param headers {@code req_headers}, each {@code "Name: value"}
 * @param timeout {@code checks.active.timeout}: for the whole probe (connect, handshake, request,
 *     status line)
 * @param verifyCertificate {@code https_verify_certificate}: check the chain and the host name
 */
public record ProbeTarget(String upstreamKey, Node node, String type, @Nullable String host, int port, String method,
    String path, String body, List<String> headers, Duration timeout, boolean verifyCertificate) {
  public ProbeTarget {
    headers = List.copyOf(headers);
  }

  /** The {@code Host} header and TLS server name to use: {@link #host()}, else the node's host. */
  public String hostHeader() {
    return host != null ? host : node.host();
  }
}
