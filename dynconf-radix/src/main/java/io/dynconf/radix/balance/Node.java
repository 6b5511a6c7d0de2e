package io.dynconf.radix.balance;

import io.dynconf.core.apisix.Upstream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One upstream server as a picker sees it: host, resolved port, weight, priority and metadata.
 * Immutable; equality is by value (host, port, weight, priority, metadata). The per-node state
 * (in-flight count, latency average, health) is keyed by {@link #address()}, so a node keeps its
 * state when its weight, priority or metadata change.
 */
public final class Node {
  private final String host;
  private final int port;
  private final int weight;
  private final int priority;
  private final Map<String, @Nullable Object> metadata;
  private final String address;
  /** The node's state object when the node was made by a picker; read by {@link Picker} only. */
  final @Nullable Object handle;

  /**
   * A node.
   *
   * @throws IllegalArgumentException when the host is empty, the port is outside 1–65535 or the
   *     weight is negative (each message names the field and the value)
   */
  public Node(String host, int port, int weight, int priority, Map<String, ? extends @Nullable Object> metadata) {
    this(host, port, weight, priority, metadata, null);
  }

  Node(String host, int port, int weight, int priority, Map<String, ? extends @Nullable Object> metadata,
      @Nullable Object handle) {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host: must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " is outside 1-65535 (node " + host + ")");
    }
    if (weight < 0) {
      throw new IllegalArgumentException("weight: " + weight + " is negative (node " + host + ":" + port + ")");
    }
    this.host = host;
    this.port = port;
    this.weight = weight;
    this.priority = priority;
    this.metadata = metadata.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.address = host + ":" + port;
    this.handle = handle;
  }

  /**
   * The node of an upstream node: the port defaults as in APISIX (443 for the {@code https} and
   * {@code grpcs} schemes, 80 otherwise).
   */
  public static Node of(Upstream.Node node, String scheme) {
    return new Node(node.host(), port(node, scheme), node.weight(), node.priority(), node.metadata());
  }

  static int port(Upstream.Node node, String scheme) {
    Integer port = node.port();
    if (port != null) {
      return port;
    }
    return scheme.equals("https") || scheme.equals("grpcs") ? 443 : 80;
  }

  Node withHandle(Object handle) {
    return new Node(host, port, weight, priority, metadata, handle);
  }

  /** The host: a name, an IPv4 address or an IPv6 address in brackets. */
  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The weight, 0 or more; a node of weight 0 receives no traffic. */
  public int weight() {
    return weight;
  }

  /** The priority; higher groups are used first, lower ones only when a higher group has no usable node. */
  public int priority() {
    return priority;
  }

  /** Free-form metadata, unmodifiable. */
  public Map<String, @Nullable Object> metadata() {
    return metadata;
  }

  /** {@code host:port}, the key of the node's state. */
  public String address() {
    return address;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o == this || o instanceof Node n && port == n.port && weight == n.weight && priority == n.priority
        && host.equals(n.host) && metadata.equals(n.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, port, weight, priority, metadata);
  }

  @Override
  public String toString() {
    return address + " (weight " + weight + ", priority " + priority + ")";
  }
}
