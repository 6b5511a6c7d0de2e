package io.dynconf.radix.balance.internal;

import io.dynconf.core.InvalidConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An upstream's {@code checks}, with lua-resty-healthcheck's defaults (as APISIX's schema lists
 * them) filled in. Immutable. Passive checking is on whenever {@code checks} is set (APISIX reports
 * every proxied outcome to the checker of an upstream that has one), with the passive defaults
 * when {@code checks.passive} is absent.
 */
public final class HealthPolicy {
  /** No checks: every node healthy, outcomes ignored. */
  public static final HealthPolicy NONE = new HealthPolicy();

  public final boolean enabled;
  public final @Nullable Active active;
  public final Side passiveHealthy;
  public final Side passiveUnhealthy;

  /** One side (healthy or unhealthy) of a check. */
  public record Side(long intervalNanos, boolean[] statuses, int successes, int httpFailures, int tcpFailures, int timeouts) {
    public boolean has(int status) {
      return status >= 0 && status < statuses.length && statuses[status];
    }
  }

  /** The active probe settings. */
  public record Active(String type, Duration timeout, int concurrency, @Nullable String host, @Nullable Integer port,
      String method, String path, String body, boolean verifyCertificate, List<String> headers, Side healthy, Side unhealthy) {}

  private HealthPolicy() {
    enabled = false;
    active = null;
    passiveHealthy = side(Map.of(), 0, List.of(200), 0, 0, 0, 0, "");
    passiveUnhealthy = passiveHealthy;
  }

  private HealthPolicy(Map<String, @Nullable Object> checks) {
    enabled = true;
    Map<?, ?> a = map(checks, "active");
    if (a == null) {
      active = null;
    } else {
      Map<?, ?> h = orEmpty(map(a, "healthy"));
      Map<?, ?> u = orEmpty(map(a, "unhealthy"));
      double timeout = number(a, "timeout", 1);
      active = new Active(text(a, "type", "http"), Duration.ofNanos((long) (timeout * 1e9)), (int) number(a, "concurrency", 10),
          (String) a.get("host"), a.get("port") instanceof Number p ? p.intValue() : null, text(a, "http_method", "GET"),
          text(a, "http_path", "/"), text(a, "http_req_body", ""), !Boolean.FALSE.equals(a.get("https_verify_certificate")),
          a.get("req_headers") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(),
          side(h, (long) number(h, "interval", 1), List.of(200, 302), (int) number(h, "successes", 2), 0, 0, 0, "/checks/active/healthy"),
          side(u, (long) number(u, "interval", 1), List.of(429, 404, 500, 501, 502, 503, 504, 505), 0,
              (int) number(u, "http_failures", 5), (int) number(u, "tcp_failures", 2), (int) number(u, "timeouts", 3),
              "/checks/active/unhealthy"));
      if (active.timeout.isZero() || active.timeout.isNegative()) {
        throw new InvalidConfigException("/checks/active/timeout", "must be greater than 0 seconds, was " + timeout);
      }
      if (active.concurrency < 1) {
        throw new InvalidConfigException("/checks/active/concurrency", "must be at least 1, was " + active.concurrency);
      }
      // these go verbatim into the probe's request head: no line breaks, no spaces in the request line
      requestToken("/checks/active/http_path", active.path);
      requestToken("/checks/active/http_method", active.method);
      if (active.host != null) {
        requestToken("/checks/active/host", active.host);
      }
      for (int i = 0; i < active.headers.size(); i++) {
        String line = active.headers.get(i);
        int colon = line.indexOf(':');
        if (colon <= 0 || line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0
            || !line.substring(0, colon).strip().equals(line.substring(0, colon))) {
          throw new InvalidConfigException("/checks/active/req_headers/" + i,
              "must be one header line \"Name: value\" without line breaks, was \"" + line + "\"");
        }
      }
    }
    Map<?, ?> p = orEmpty(map(checks, "passive"));
    Map<?, ?> h = orEmpty(map(p, "healthy"));
    Map<?, ?> u = orEmpty(map(p, "unhealthy"));
    passiveHealthy = side(h, 0, List.of(200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305,
        306, 307, 308), (int) number(h, "successes", 5), 0, 0, 0, "/checks/passive/healthy");
    passiveUnhealthy = side(u, 0, List.of(429, 500, 503), 0, (int) number(u, "http_failures", 5),
        (int) number(u, "tcp_failures", 2), (int) number(u, "timeouts", 7), "/checks/passive/unhealthy");
  }

  /**
   * The policy of an upstream's {@code checks} ({@link #NONE} when empty).
   *
   * @throws InvalidConfigException for settings that cannot work, naming the field
   */
  public static HealthPolicy of(Map<String, @Nullable Object> checks) {
    return checks.isEmpty() ? NONE : new HealthPolicy(checks);
  }

  private static Side side(Map<?, ?> m, long intervalSeconds, List<Integer> defaults, int successes, int http, int tcp,
      int timeouts, String pointer) {
    boolean[] statuses = new boolean[600];
    List<?> list = m.get("http_statuses") instanceof List<?> l ? l : defaults;
    List<Object> bad = new ArrayList<>();
    for (Object s : list) {
      if (s instanceof Number n && n.intValue() >= 0 && n.intValue() < 600) {
        statuses[n.intValue()] = true;
      } else {
        bad.add(s);
      }
    }
    if (!bad.isEmpty()) {
      throw new InvalidConfigException(pointer + "/http_statuses", "not HTTP statuses: " + bad);
    }
    return new Side(Duration.ofSeconds(Math.max(1, intervalSeconds)).toNanos(), statuses, successes, http, tcp, timeouts);
  }

  private static void requestToken(String pointer, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new InvalidConfigException(pointer, "must not contain spaces or control characters, was \"" + value + "\"");
      }
    }
    if (value.isEmpty()) {
      throw new InvalidConfigException(pointer, "must not be empty");
    }
  }

  private static @Nullable Map<?, ?> map(Map<?, ?> m, String name) {
    return m.get(name) instanceof Map<?, ?> v ? v : null;
  }

  private static Map<?, ?> orEmpty(@Nullable Map<?, ?> m) {
    return m == null ? Map.of() : m;
  }

  private static double number(Map<?, ?> m, String name, double dflt) {
    return m.get(name) instanceof Number n ? n.doubleValue() : dflt;
  }

  private static String text(Map<?, ?> m, String name, String dflt) {
    return m.get(name) instanceof String s ? s : dflt;
  }
}
