package io.dynconf.radix;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.radix.internal.NaivePathMatcher;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Random route sets (paths, methods, hosts, remote addresses, vars, priorities) and random
 * requests: {@link Router} must pick exactly the route, pattern and parameters a naive linear scan
 * picks, where the scan implements every predicate as directly as possible (string splitting,
 * {@link InetAddress} and {@link BigInteger} for CIDRs). Re-run a failure with
 * {@code -Drouter.seed=<seed>}.
 */
class RouterDifferentialTest {

  private static final String[] SEGS = {"a", "b", "ab", "abc", "x", ""};
  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD"};
  private static final String[] HOST_PATTERNS = {"a.test", "*.a.test", "b.test", "*.test", "b.test:8080", "[::1]"};
  private static final String[] REQUEST_HOSTS = {"a.test", "A.Test", "x.a.test", "b.test", "b.test:8080", "b.test:9090",
      "test", "c.test", "[::1]", "[::1]:80", "a.test:80"};
  private static final String[] CROWD_HOSTS = {"t1.test", "t2.test", "t3.test", "T4.test", "t5.test:8080", "t6.test",
      "t7.test", "t8.test", "t9.test", "[::2]"};
  private static final String[] CROWD_REQUEST_HOSTS = {"t1.test", "T1.TEST:80", "t2.test", "t3.test", "t4.test", "t5.test",
      "t5.test:8080", "t6.test", "t7.test", "t8.test", "t9.test:1", "t10.test", "[::2]", "[::2]:8080", "t\u212a.test"};
  private static final String[] CIDRS = {"10.0.0.0/8", "10.1.0.0/16", "192.168.0.1", "2001:db8::/32", "::1"};
  private static final String[] REQUEST_ADDRS = {"10.1.2.3", "10.2.0.1", "192.168.0.1", "192.168.0.2", "2001:db8::5", "::1", "fe80::1"};

  record Naive(String id, String path, List<String> methods, List<String> hosts, List<String> cidrs,
      @Nullable String varEquals, int priority, long sequence) {}

  @Test
  void routerAgreesWithANaiveScanOnRandomRoutesAndRequests() throws Exception {
    run(false, 100_000);
  }

  /**
   * Many routes on few paths, most bound to exact hosts: places large enough for the host index,
   * whose lookup must skip exactly the routes the host predicate would reject.
   */
  @Test
  void crowdedPlacesWithAHostIndexAgreeWithTheNaiveScan() throws Exception {
    run(true, 50_000);
  }

  private void run(boolean crowded, int minCases) throws Exception {
    long seed = Long.getLong("dynconf.seed", Long.getLong("router.seed", new SecureRandom().nextLong()));
    System.out.println("RouterDifferentialTest.run: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    SplittableRandom master = new SplittableRandom(seed);
    int cases = 0;
    int hits = 0;
    while (cases < minCases) {
      long setSeed = master.nextLong();
      SplittableRandom rnd = new SplittableRandom(setSeed);
      int n = crowded ? 10 + rnd.nextInt(60) : 1 + rnd.nextInt(30);
      List<String> crowdPaths = crowded ? List.of(randomPattern(rnd), randomPattern(rnd)) : List.of();
      List<RouteSpec<String>> specs = new ArrayList<>();
      List<Naive> naive = new ArrayList<>();
      NaivePathMatcher<Naive> paths = new NaivePathMatcher<>();
      List<String> patterns = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String id = "r" + i;
        String path = crowded ? crowdPaths.get(rnd.nextInt(crowdPaths.size()))
            : !patterns.isEmpty() && rnd.nextInt(3) == 0 ? patterns.get(rnd.nextInt(patterns.size())) : randomPattern(rnd);
        patterns.add(path);
        List<String> methods = pick(rnd, METHODS, rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(2) : 0);
        List<String> hosts = crowded
            ? (rnd.nextInt(5) == 0 ? List.of() : rnd.nextInt(6) == 0 ? pick(rnd, HOST_PATTERNS, 1 + rnd.nextInt(2))
                : pick(rnd, CROWD_HOSTS, 1 + rnd.nextInt(2)))
            : pick(rnd, HOST_PATTERNS, rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(2) : 0);
        List<String> cidrs = pick(rnd, CIDRS, rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0);
        String varEquals = rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? "1" : "2") : null;
        int priority = rnd.nextInt(3);
        long sequence = i;
        Naive nv = new Naive(id, path, methods, hosts, cidrs, varEquals, priority, sequence);
        naive.add(nv);
        paths.add(path, nv, priority, sequence);
        RouteSpec.Builder<String> b = RouteSpec.builder(id, id).paths(path).methods(methods).hosts(hosts)
            .remoteAddrs(cidrs).priority(priority);
        if (varEquals != null) {
          b.vars(req -> varEquals.equals(req.var("arg_v")));
        }
        specs.add(b.build());
      }
      Router<String> router = Router.of(specs);
      MatchResult<String> result = new MatchResult<>();
      for (int k = 0; k < 40; k++) {
        String path = rnd.nextInt(4) == 0 ? randomPath(rnd) : instantiate(patterns.get(rnd.nextInt(patterns.size())), rnd);
        String method = rnd.nextInt(10) == 0 ? "PROPFIND" : METHODS[rnd.nextInt(METHODS.length)];
        String host = rnd.nextInt(5) == 0 ? null
            : crowded && rnd.nextBoolean() ? CROWD_REQUEST_HOSTS[rnd.nextInt(CROWD_REQUEST_HOSTS.length)]
            : REQUEST_HOSTS[rnd.nextInt(REQUEST_HOSTS.length)];
        String addr = rnd.nextInt(6) == 0 ? null : REQUEST_ADDRS[rnd.nextInt(REQUEST_ADDRS.length)];
        Map<String, Object> vars = rnd.nextBoolean() ? Map.of("arg_v", rnd.nextBoolean() ? "1" : "2") : Map.of();
        RouteRequest request = RouteRequest.of(method, path, host, addr, vars);

        String expected = null;
        for (NaivePathMatcher.Candidate<Naive> c : paths.match(path)) {
          Naive r = c.value();
          if (admits(r, method, host, addr, vars)) {
            expected = r.id() + " " + c.pattern() + " " + c.params();
            break;
          }
        }
        String got = router.match(request, result) ? result.id() + " " + result.pattern() + " " + result.params() : null;
        assertThat(got).as("seed %d set %d: %s %s host %s addr %s vars %s; routes %s", seed, setSeed, method, path,
            host, addr, vars, naive).isEqualTo(expected);
        cases++;
        hits += expected == null ? 0 : 1;
      }
    }
    assertThat(hits).as("the generator must produce hits, or the test proves little").isGreaterThan(cases / 5);
  }

  private static boolean admits(Naive r, String method, @Nullable String host, @Nullable String addr,
      Map<String, Object> vars) throws Exception {
    if (!r.methods().isEmpty() && !r.methods().contains(method)) {
      return false;
    }
    if (!r.cidrs().isEmpty()) {
      if (addr == null) {
        return false;
      }
      boolean any = false;
      for (String c : r.cidrs()) {
        any |= inCidr(addr, c);
      }
      if (!any) {
        return false;
      }
    }
    if (!r.hosts().isEmpty()) {
      if (host == null) {
        return false;
      }
      boolean any = false;
      for (String h : r.hosts()) {
        any |= hostMatches(h, host);
      }
      if (!any) {
        return false;
      }
    }
    return r.varEquals() == null || r.varEquals().equals(vars.get("arg_v"));
  }

  private static boolean hostMatches(String pattern, String requestHost) {
    String[] p = splitPort(pattern.toLowerCase(Locale.ROOT));
    String[] h = splitPort(requestHost.toLowerCase(Locale.ROOT));
    if (p[1] != null && !p[1].equals(h[1])) {
      return false;
    }
    return p[0].startsWith("*") ? h[0].endsWith(p[0].substring(1)) : h[0].equals(p[0]);
  }

  private static String[] splitPort(String host) {
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      return close + 1 < host.length() ? new String[] {host.substring(0, close + 1), host.substring(close + 2)}
          : new String[] {host, null};
    }
    int colon = host.lastIndexOf(':');
    return colon >= 0 ? new String[] {host.substring(0, colon), host.substring(colon + 1)} : new String[] {host, null};
  }

  private static boolean inCidr(String addr, String cidr) throws Exception {
    String[] parts = cidr.split("/");
    byte[] a = InetAddress.getByName(addr).getAddress();
    byte[] net = InetAddress.getByName(parts[0]).getAddress();
    if (a.length != net.length) {
      return false;
    }
    int bits = parts.length > 1 ? Integer.parseInt(parts[1]) : a.length * 8;
    BigInteger mask = BigInteger.ONE.shiftLeft(a.length * 8).subtract(BigInteger.ONE)
        .shiftRight(bits).not().and(BigInteger.ONE.shiftLeft(a.length * 8).subtract(BigInteger.ONE));
    return new BigInteger(1, a).and(mask).equals(new BigInteger(1, net).and(mask));
  }

  private static List<String> pick(SplittableRandom rnd, String[] from, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String s = from[rnd.nextInt(from.length)];
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  static String randomPattern(SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    int depth = 1 + rnd.nextInt(3);
    int names = 0;
    for (int i = 0; i < depth; i++) {
      sb.append('/');
      boolean last = i == depth - 1;
      int kind = rnd.nextInt(last ? 5 : 3);
      switch (kind) {
        case 0, 1 -> sb.append(SEGS[rnd.nextInt(SEGS.length)]);
        case 2 -> sb.append(":p").append(names++);
        case 3 -> sb.append(SEGS[rnd.nextInt(SEGS.length - 1)]).append('*');
        default -> sb.append(rnd.nextBoolean() ? "*" : "*rest");
      }
    }
    String p = sb.toString();
    return p.equals("/*") || p.startsWith("/*") ? p : p.replace("/*", rnd.nextBoolean() ? "/*" : "/*");
  }

  static String randomPath(SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    int depth = 1 + rnd.nextInt(4);
    for (int i = 0; i < depth; i++) {
      sb.append('/').append(SEGS[rnd.nextInt(SEGS.length)]);
    }
    return sb.toString();
  }

  static String instantiate(String pattern, SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    for (String seg : pattern.substring(1).split("/", -1)) {
      sb.append('/');
      if (seg.startsWith(":")) {
        sb.append(SEGS[rnd.nextInt(SEGS.length - 1)]);
      } else if (seg.endsWith("*")) {
        sb.append(seg, 0, seg.length() - 1);
        if (rnd.nextBoolean()) {
          sb.append(SEGS[rnd.nextInt(SEGS.length)]);
        }
        if (rnd.nextBoolean()) {
          sb.append('/').append(SEGS[rnd.nextInt(SEGS.length)]);
        }
      } else if (seg.startsWith("*")) {
        sb.append(rnd.nextBoolean() ? "" : SEGS[rnd.nextInt(SEGS.length)] + "/" + SEGS[rnd.nextInt(SEGS.length)]);
      } else {
        sb.append(seg);
      }
    }
    return sb.toString();
  }

  @SuppressWarnings("unused")
  private static Map<String, String> ordered(Map<String, String> m) {
    return new LinkedHashMap<>(m);
  }
}
