package io.dynconf.examples.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How long the data plane waits for a client, and how many clients it holds, with nginx's
 * defaults. Flags and YAML keys: {@code --client-header-timeout} (the whole request head, from
 * the connection's start or the head's first byte; 60 s), {@code --keepalive-timeout} (an idle
 * kept-alive connection; 75 s), {@code --client-body-timeout} (between two reads of a request
 * body; 60 s), {@code --send-timeout} (between two successful writes to a client that stops
 * reading; 60 s), {@code --max-connections} (client connections over all data listeners; default
 * {@link #defaultMaxConnections()}). Durations: {@code 300ms}, {@code 60s}, {@code 2m}, or seconds.
 *
 * @param headerTimeout to read a request head
 * @param keepaliveTimeout idle between two requests on one connection
 * @param bodyTimeout between two reads of a request body
 * @param sendTimeout between two writes that make progress
 * @param maxConnections client connections at most; 0: derived from the descriptor limit
 */
public record ClientLimits(Duration headerTimeout, Duration keepaliveTimeout, Duration bodyTimeout, Duration sendTimeout,
    int maxConnections) {

  /** The flags (and YAML keys) of this record. */
  static final Set<String> KEYS = Set.of("client-header-timeout", "keepalive-timeout", "client-body-timeout", "send-timeout",
      "max-connections");

  public ClientLimits {
    for (Duration d : new Duration[] {headerTimeout, keepaliveTimeout, bodyTimeout, sendTimeout}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("client timeouts must be > 0 (got " + d + ")");
      }
    }
    if (maxConnections < 0) {
      throw new IllegalArgumentException("--max-connections must be >= 0 (0: from the descriptor limit), got " + maxConnections);
    }
  }

  /** Descriptors kept for everything but client connections and their upstreams (see {@link #defaultMaxConnections}). */
  static final int RESERVED = 64 + 64 + 32;

  /** nginx's defaults: 60 s, 75 s, 60 s, 60 s; connections from the descriptor limit. */
  public static ClientLimits defaults() {
    return from(Map.of());
  }

  static ClientLimits from(Map<String, String> settings) {
    return new ClientLimits(
        duration(settings, "client-header-timeout", "60s"),
        duration(settings, "keepalive-timeout", "75s"),
        duration(settings, "client-body-timeout", "60s"),
        duration(settings, "send-timeout", "60s"),
        integer(settings, "max-connections", "0"));
  }

  /** {@link #maxConnections()}, or the default when it is 0. */
  public int effectiveMaxConnections() {
    return maxConnections > 0 ? maxConnections : defaultMaxConnections();
  }

  /**
   * Half of the descriptors still free under the process's limit (the other half for the upstream
   * connection each client may hold), less {@value #RESERVED} for files, etcd, the health-check
   * prober and event loops opened later, and the admin and status listeners' own connection caps
   * (256 and 32, of which 96 are kept: a flood of either is not the common case); at least 16. 10,000 when the limit cannot be read.
   */
  public static int defaultMaxConnections() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long free = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - RESERVED;
      return (int) Math.max(16, Math.min(1_000_000, free / 2));
    }
    return 10_000;
  }

  private static Duration duration(Map<String, String> settings, String key, String fallback) {
    String v = settings.getOrDefault(key, fallback).trim();
    try {
      Duration d;
      if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
      } else if (v.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else if (v.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else {
        d = Duration.ofSeconds(Long.parseLong(v));
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("--" + key + ": must be more than 0 (got \"" + v + "\")");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": expected a duration such as 300ms, 60s or 2m (got \"" + v + "\")");
    }
  }

  private static int integer(Map<String, String> settings, String key, String fallback) {
    String v = settings.getOrDefault(key, fallback).trim();
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": expected a whole number (got \"" + v + "\")");
    }
  }
}
