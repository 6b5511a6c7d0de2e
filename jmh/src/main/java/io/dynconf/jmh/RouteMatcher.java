package io.dynconf.jmh;

import io.dynconf.jmh.RouteSet.Route;
import io.dynconf.radix.MatchResult;
import io.dynconf.radix.RouteRequest;
import io.dynconf.radix.RouteSpec;
import io.dynconf.radix.Router;
import io.dynconf.radix.RouterMode;
import io.undertow.util.HttpString;
import io.undertow.util.PathTemplateMatcher;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * dynconf's router and its peers, each set up as its users would set it up for the same routes
 * (route {@code i} of the list answers handler {@code i}) and matching method + path. The lookups
 * are prepared once ({@link #prepare}): what a server hands its router (the method already parsed,
 * the path as a string) is built outside the timed code; everything the router does per request is
 * inside {@link #match}.
 */
public abstract class RouteMatcher implements AutoCloseable {

  /**
   * A request to look up: method and path. The path is a string of its own (its own characters,
   * its hash code computed, as a server's request parser would hand it over), never the route
   * file's string object: a router that keeps the route's text as a key must not find the request
   * by identity, which no real request allows.
   */
  public record Lookup(String method, String path) {
    public Lookup {
      path = new String(path.toCharArray());
      var unused = path.hashCode(); // cached in the string, as before
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  /** The implementations, by {@code impl} parameter value. */
  public static final List<String> IMPLS = List.of("dynconf", "spring", "vertx", "undertow");

  /** What the last successful match produced (params, match info), kept so it is not optimised away. */
  protected @Nullable Object last;

  /** Builds {@code impl} over {@code routes}. */
  public static RouteMatcher create(String impl, List<Route> routes) {
    return switch (impl) {
      case "dynconf" -> new Dynconf(routes, RouterMode.RADIXTREE_URI_WITH_PARAMETER);
      // APISIX's default mode (host groups first, :name literal): only for sets without parameters
      case "dynconf-host-uri" -> new Dynconf(routes, RouterMode.RADIXTREE_HOST_URI);
      case "spring" -> new Spring(routes);
      case "vertx" -> new VertxWeb(routes);
      case "undertow" -> new Undertow(routes);
      case "floor-map" -> new FloorMap(routes);
      default -> throw new IllegalArgumentException("impl " + impl + ": expected one of " + IMPLS);
    };
  }

  /** Prepares {@code lookups}; {@link #match}{@code (i)} then looks up the {@code i}-th. */
  public abstract void prepare(List<Lookup> lookups);

  /** Looks up prepared request {@code i}: the handler (route index), or -1 when nothing matches. */
  public abstract int match(int i);

  /** The last match's by-product (parameters, match info); for the Blackhole. */
  public @Nullable Object last() {
    return last;
  }

  /** The value of path parameter {@code name} of the last match, or null; for checks only. */
  public abstract @Nullable String param(String name);

  @Override
  public void close() {}

  // ---------------------------------------------------------------------------------------------

  /** A request as a server adapter would fill it: fields, no allocation when read. */
  static final class BenchRequest implements RouteRequest {
    private final String method;
    private final String path;

    BenchRequest(String method, String path) {
      this.method = method;
      this.path = path;
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public @Nullable String host() {
      return null;
    }

    @Override
    public @Nullable String remoteAddress() {
      return null;
    }
  }

  /** dynconf-radix: one {@link RouteSpec} per (method, path), {@code Router.of}, reused {@link MatchResult}. */
  static final class Dynconf extends RouteMatcher {
    final Router<Integer> router;
    private final MatchResult<Integer> result = new MatchResult<>();
    private BenchRequest[] requests = new BenchRequest[0];

    Dynconf(List<Route> routes, RouterMode mode) {
      List<RouteSpec<Integer>> specs = new ArrayList<>(routes.size());
      for (int i = 0; i < routes.size(); i++) {
        Route r = routes.get(i);
        specs.add(RouteSpec.builder(r.toString(), i).paths(r.path()).methods(r.method()).build());
      }
      router = Router.of(mode, specs);
    }

    @Override
    public void prepare(List<Lookup> lookups) {
      requests = lookups.stream().map(l -> new BenchRequest(l.method(), l.path())).toArray(BenchRequest[]::new);
    }

    @Override
    public int match(int i) {
      return router.match(requests[i], result) ? result.value() : -1;
    }

    @Override
    public @Nullable String param(String name) {
      return result.param(name);
    }
  }

  /**
   * A floor, not a router: one {@link HashMap} from path to handler per method, so it answers
   * route sets without parameters only (static.txt). What a whole-path lookup costs in this
   * harness: the path's (cached) hash, one probe, one {@code String.equals} of distinct strings.
   */
  static final class FloorMap extends RouteMatcher {
    private final Map<String, Map<String, Integer>> byMethod = new HashMap<>();
    private String[] methods = new String[0];
    private String[] paths = new String[0];

    FloorMap(List<Route> routes) {
      for (int i = 0; i < routes.size(); i++) {
        Route r = routes.get(i);
        byMethod.computeIfAbsent(r.method(), m -> new HashMap<>()).put(r.path(), i);
      }
    }

    @Override
    public void prepare(List<Lookup> lookups) {
      methods = lookups.stream().map(Lookup::method).toArray(String[]::new);
      paths = lookups.stream().map(Lookup::path).toArray(String[]::new);
    }

    @Override
    public int match(int i) {
      Map<String, Integer> m = byMethod.get(methods[i]);
      Integer h = m == null ? null : m.get(paths[i]);
      return h == null ? -1 : h;
    }

    @Override
    public @Nullable String param(String name) {
      return null;
    }
  }

  /**
   * Spring's {@link PathPattern}s the way Spring MVC looks them up: the request path is parsed into
   * a {@link PathContainer} (Spring does it once per request, before the handler lookup); per
   * method, paths without variables are looked up in a map first (Spring MVC's "direct path"
   * lookup), and otherwise the patterns are tried in {@link PathPattern#SPECIFICITY_COMPARATOR}
   * order with {@link PathPattern#matchAndExtract}.
   */
  static final class Spring extends RouteMatcher {
    private static final class Table {
      final Map<String, Integer> direct = new HashMap<>();
      final List<PathPattern> patternList = new ArrayList<>();
      final Map<PathPattern, Integer> handlerOf = new HashMap<>();
      PathPattern[] patterns = new PathPattern[0];
      int[] handlers = new int[0];
    }

    private final Map<String, Table> byMethod = new HashMap<>();
    private String[] methods = new String[0];
    private String[] paths = new String[0];

    Spring(List<Route> routes) {
      PathPatternParser parser = PathPatternParser.defaultInstance;
      for (int i = 0; i < routes.size(); i++) {
        Route r = routes.get(i);
        Table t = byMethod.computeIfAbsent(r.method(), m -> new Table());
        PathPattern p = parser.parse(r.braces());
        if (r.params() == 0) {
          t.direct.put(r.path(), i);
        } else {
          t.patternList.add(p);
          t.handlerOf.put(p, i);
        }
      }
      for (Table t : byMethod.values()) {
        t.patternList.sort(PathPattern.SPECIFICITY_COMPARATOR);
        t.patterns = t.patternList.toArray(PathPattern[]::new);
        t.handlers = t.patternList.stream().mapToInt(t.handlerOf::get).toArray();
      }
    }

    @Override
    public void prepare(List<Lookup> lookups) {
      methods = lookups.stream().map(Lookup::method).toArray(String[]::new);
      paths = lookups.stream().map(Lookup::path).toArray(String[]::new);
    }

    @Override
    public int match(int i) {
      String path = paths[i];
      PathContainer container = PathContainer.parsePath(path);
      last = container;
      Table t = byMethod.get(methods[i]);
      if (t == null) {
        return -1;
      }
      Integer direct = t.direct.get(path);
      if (direct != null) {
        return direct;
      }
      PathPattern[] patterns = t.patterns;
      for (int k = 0; k < patterns.length; k++) {
        PathPattern.PathMatchInfo info = patterns[k].matchAndExtract(container);
        if (info != null) {
          last = info;
          return t.handlers[k];
        }
      }
      return -1;
    }

    @Override
    public @Nullable String param(String name) {
      return last instanceof PathPattern.PathMatchInfo info ? info.getUriVariables().get(name) : null;
    }
  }

  /**
   * Undertow's {@code RoutingHandler} lookup: a {@link PathTemplateMatcher} per method, keyed by the
   * {@link HttpString} the request parser produced, templates in {@code {name}} syntax, and
   * {@code matcher.match(path)}.
   */
  static final class Undertow extends RouteMatcher {
    private final Map<HttpString, PathTemplateMatcher<Integer>> matchers = new HashMap<>();
    private HttpString[] methods = new HttpString[0];
    private String[] paths = new String[0];

    Undertow(List<Route> routes) {
      for (int i = 0; i < routes.size(); i++) {
        Route r = routes.get(i);
        matchers.computeIfAbsent(HttpString.tryFromString(r.method()), m -> new PathTemplateMatcher<>())
            .add(r.braces(), i);
      }
    }

    @Override
    public void prepare(List<Lookup> lookups) {
      methods = lookups.stream().map(l -> HttpString.tryFromString(l.method())).toArray(HttpString[]::new);
      paths = lookups.stream().map(Lookup::path).toArray(String[]::new);
    }

    @Override
    public int match(int i) {
      PathTemplateMatcher<Integer> m = matchers.get(methods[i]);
      if (m == null) {
        return -1;
      }
      PathTemplateMatcher.PathMatchResult<Integer> r = m.match(paths[i]);
      if (r == null) {
        return -1;
      }
      last = r;
      return r.getValue();
    }

    @Override
    public @Nullable String param(String name) {
      return last instanceof PathTemplateMatcher.PathMatchResult<?> r ? r.getParameters().get(name) : null;
    }
  }

  /**
   * Vert.x Web's {@link io.vertx.ext.web.Router}: one {@code router.route(method, path)} per route
   * with a handler that records its index, static routes added before parameterised ones (Vert.x
   * tries routes in the order they were added, so its users list the specific ones first), and
   * {@code router.handle(request)} with a {@link VertxInMemoryRequest}. Timed: what Vert.x does for
   * every request before a handler runs — a {@code RoutingContext} and request wrapper, the walk
   * over the routes in order (method check, then path: string compare for static routes, a regular
   * expression for {@code :name} routes), path parameters into the context's map — up to the
   * handler call.
   */
  static final class VertxWeb extends RouteMatcher {
    private final Vertx vertx;
    private final io.vertx.ext.web.Router router;
    private final VertxInMemoryRequest request;
    private int hit = -1;
    private @Nullable RoutingContext context;
    private HttpMethod[] methods = new HttpMethod[0];
    private String[] paths = new String[0];

    VertxWeb(List<Route> routes) {
      vertx = Vertx.vertx();
      router = io.vertx.ext.web.Router.router(vertx);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < routes.size(); i++) {
        order.add(i);
      }
      order.sort(Comparator.comparingInt(i -> routes.get(i).params() == 0 ? 0 : 1));
      for (int i : order) {
        Route r = routes.get(i);
        int handler = i;
        router.route(HttpMethod.valueOf(r.method()), r.path()).handler(ctx -> {
          hit = handler;
          context = ctx;
        });
      }
      request = new VertxInMemoryRequest(((VertxInternal) vertx).getOrCreateContext());
    }

    @Override
    public void prepare(List<Lookup> lookups) {
      methods = lookups.stream().map(l -> HttpMethod.valueOf(l.method())).toArray(HttpMethod[]::new);
      paths = lookups.stream().map(Lookup::path).toArray(String[]::new);
    }

    @Override
    public int match(int i) {
      hit = -1;
      try {
        router.handle(request.set(methods[i], paths[i]));
      } catch (VertxInMemoryRequest.Miss miss) {
        return -1;
      }
      last = context;
      return hit;
    }

    @Override
    public @Nullable String param(String name) {
      return context == null ? null : context.pathParam(name);
    }

    @Override
    public void close() {
      vertx.close().await();
    }
  }
}
