package io.dynconf.jmh;

import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic route set of any size for the scale benchmarks (fixed seed, so every run and
 * every size draws the same sequence): about 50% static ({@code /svcS/resK/list}), 30% parameter
 * ({@code /svcS/resK/:id} and {@code /svcS/resK/:id/items/:item}, half each), 10% catch-all or
 * prefix ({@code /svcS/assetsK/*}, {@code /svcS/filesK*}, half each) and 10% host-bound ({@code
 * /svcS/tenant/resG}, the same path for {@value #TENANTS} tenants, each route with {@code
 * hosts("tenantT.example.com")}). {@value #SERVICES} services; route {@code k}'s value is {@code k}
 * and its id {@code "r" + k}. Every route has {@code methods("GET")}.
 *
 * <p>For each kind the set also holds requests that hit a route of that kind, drawn evenly over
 * the set, with the route each must match.
 */
public final class ScaleRoutes {

  public static final long SEED = 20261126L;
  public static final int SERVICES = 50;
  public static final int TENANTS = 4;
  /** Requests prepared per kind (fewer when the set has fewer routes of that kind). */
  public static final int REQUESTS = 256;

  public enum Kind { STATIC, PARAM, PREFIX, HOST }

  /** A request and the route it must match ({@code -1} for none). */
  public record Probe(RouteRequest request, int expected) {}

  private final List<RouteSpec<Integer>> routes;
  private final List<Kind> kinds;
  private final List<Probe> staticHits = new ArrayList<>();
  private final List<Probe> paramHits = new ArrayList<>();
  private final List<Probe> hostHits = new ArrayList<>();
  private final List<Probe> misses = new ArrayList<>();

  private ScaleRoutes(int n) {
    Random rnd = new Random(SEED);
    routes = new ArrayList<>(n);
    kinds = new ArrayList<>(n);
    int hostRoutes = 0;
    for (int k = 0; k < n; k++) {
      int s = rnd.nextInt(SERVICES);
      int r = rnd.nextInt(100);
      RouteSpec.Builder<Integer> b = RouteSpec.<Integer>builder("r" + k, k).methods("GET");
      Kind kind;
      if (r < 50) {
        kind = Kind.STATIC;
        b.paths("/svc" + s + "/res" + k + "/list");
      } else if (r < 80) {
        kind = Kind.PARAM;
        b.paths(r < 65 ? "/svc" + s + "/res" + k + "/:id" : "/svc" + s + "/res" + k + "/:id/items/:item");
      } else if (r < 90) {
        kind = Kind.PREFIX;
        b.paths(r < 85 ? "/svc" + s + "/assets" + k + "/*" : "/svc" + s + "/files" + k + "*");
      } else {
        kind = Kind.HOST;
        int group = hostRoutes / TENANTS;
        b.paths("/svc" + (group % SERVICES) + "/tenant/res" + group)
            .hosts("tenant" + (hostRoutes % TENANTS) + ".example.com");
        hostRoutes++;
      }
      routes.add(b.build());
      kinds.add(kind);
    }
    for (Kind kind : Kind.values()) {
      List<Integer> of = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        if (kinds.get(k) == kind) {
          of.add(k);
        }
      }
      int count = Math.min(REQUESTS, of.size());
      for (int j = 0; j < count; j++) {
        int k = of.get((int) ((long) j * of.size() / count));
        RouteSpec<Integer> route = routes.get(k);
        String p = route.paths().get(0);
        switch (kind) {
          case STATIC -> {
            staticHits.add(new Probe(RouteRequest.of("GET", p, "api.example.com", "10.0.0.1"), k));
            misses.add(new Probe(RouteRequest.of("GET", p.replace("/list", "/lists"), "api.example.com",
                "10.0.0.1"), -1));
          }
          case PARAM -> paramHits.add(new Probe(RouteRequest.of("GET",
              p.replace(":id", String.valueOf(100_000 + j)).replace(":item", "item-" + j), "api.example.com",
              "10.0.0.1"), k));
          case HOST -> hostHits.add(new Probe(RouteRequest.of("GET", p, route.hosts().get(0), "10.0.0.1"), k));
          default -> { }
        }
      }
    }
  }

  /** The set of {@code n} routes. */
  public static ScaleRoutes generate(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("routes must be >= 1, got " + n);
    }
    return new ScaleRoutes(n);
  }

  public List<RouteSpec<Integer>> routes() {
    return routes;
  }

  public Kind kind(int k) {
    return kinds.get(k);
  }

  /** Requests for static routes. */
  public List<Probe> staticHits() {
    return staticHits;
  }

  /** Requests for parameter routes (one or two parameters), with values bound. */
  public List<Probe> paramHits() {
    return paramHits;
  }

  /** Requests for host-bound routes, with the route's host. */
  public List<Probe> hostHits() {
    return hostHits;
  }

  /** Requests that match nothing: a static route's path with its last segment changed. */
  public List<Probe> misses() {
    return misses;
  }
}
