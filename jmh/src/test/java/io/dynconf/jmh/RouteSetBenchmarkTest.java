package io.dynconf.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynconf.jmh.RouteMatcher.Lookup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.infra.Blackhole;

/** The route-set benchmark compares like with like: every implementation routes every request alike. */
class RouteSetBenchmarkTest {

  private static final Blackhole BH =
      new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

  @TempDir Path dir;

  private RouteSet small() throws IOException {
    Path f = dir.resolve("small.txt");
    Files.writeString(f, """
        # a comment, then routes where order matters
        GET /gists/:id
        GET /gists/starred
        DELETE /gists/:id
        GET /user/repos
        GET /repos/:owner/:repo/stargazers
        PUT /repos/:owner/:repo/stargazers
        GET /repos/:owner/:repo
        """);
    return RouteSet.load(f.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"dynconf", "spring", "vertx", "undertow"})
  void everyImplementationRoutesEveryRequestToItsHandler(String impl) throws IOException {
    RouteSet set = small();
    RouteSetBenchmark.Cases cases = RouteSetBenchmark.Cases.of(set);
    try (RouteMatcher m = RouteMatcher.create(impl, set.routes())) {
      cases.verify(impl, m);
      m.prepare(List.of(new Lookup("GET", "/gists/starred"), new Lookup("GET", "/gists/42"),
          new Lookup("POST", "/gists/42"), new Lookup("GET", "/nowhere"),
          new Lookup("GET", "/repos/julienschmidt/httprouter/stargazers")));
      assertThat(m.match(0)).isEqualTo(1);
      assertThat(m.match(1)).isZero();
      assertThat(m.param("id")).isEqualTo("42");
      assertThat(m.match(2)).isEqualTo(-1);
      assertThat(m.match(3)).isEqualTo(-1);
      assertThat(m.match(4)).isEqualTo(4);
      assertThat(m.param("owner")).isEqualTo("julienschmidt");
      assertThat(m.param("repo")).isEqualTo("httprouter");
    }
  }

  @Test
  void singleRouteCasesAreTheClassicOnesOnTheGitHubSet() {
    RouteSet github = RouteSet.load("github.txt");
    assertThat(github.routes()).hasSize(203);
    RouteSetBenchmark.Cases cases = RouteSetBenchmark.Cases.of(github);
    assertThat(cases.static1()).isEqualTo(new Lookup("GET", "/user/repos"));
    assertThat(cases.param2()).isEqualTo(new Lookup("GET", "/repos/julienschmidt/httprouter/stargazers"));
    assertThat(cases.param2Names()).containsExactly("owner", "repo");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dynconf", "spring", "vertx", "undertow"})
  void benchmarkSetsUpAndRunsOnBothShippedRouteSets(String impl) {
    for (String file : RouteSet.BUNDLED) {
      for (String lookup : List.of("all", "static1", "param2")) {
        if (file.equals("static.txt") && lookup.equals("param2")) {
          continue; // the static set has no parameter route
        }
        RouteSetBenchmark b = new RouteSetBenchmark();
        b.routeFile = file;
        b.impl = impl;
        b.lookup = lookup;
        b.setUp();
        try {
          b.match(BH);
          b.match(BH);
        } finally {
          b.tearDown();
        }
      }
    }
  }

  @Test
  void aMisroutingImplementationFailsTheSetup() throws IOException {
    RouteSet set = small();
    RouteMatcher broken = new RouteMatcher() {
      @Override
      public void prepare(List<Lookup> lookups) {}

      @Override
      public int match(int i) {
        return 0;
      }

      @Override
      public String param(String name) {
        return null;
      }
    };
    assertThatThrownBy(() -> RouteSetBenchmark.Cases.of(set).verify("broken", broken))
        .hasMessageContaining("broken routes 6 of 7 requests");
  }

  @Test
  void routeFilesAreValidated() throws IOException {
    Path f = dir.resolve("bad.txt");
    Files.writeString(f, "GET /a\nGET\n");
    assertThatThrownBy(() -> RouteSet.load(f.toString())).hasMessageContaining("line 2");
    assertThatThrownBy(() -> RouteSet.load("no-such-routes.txt"))
        .hasMessageContaining("not found").hasMessageContaining("github.txt");
  }

  /** A fresh clone runs the benchmark with its default: the default set ships inside the module. */
  @Test
  void theDefaultRouteSetIsBundledAndNeedsNoFileOutsideTheModule() throws Exception {
    String[] defaults = RouteSetBenchmark.class.getField("routeFile")
        .getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
    assertThat(defaults).containsExactly("github.txt");
    RouteSet set = RouteSet.load(defaults[0]);
    assertThat(set.source()).isEqualTo("classpath:io/dynconf/jmh/routes/github.txt");
    assertThat(set.routes()).hasSize(203).contains(new RouteSet.Route("GET", "/user/repos"));
    assertThat(RouteSet.load("static.txt").routes()).hasSize(157);
  }

  /** Any other set is a file path; a bare bundled name still means the bundled set. */
  @Test
  void otherSetsAreReadFromAFilePath() throws IOException {
    Path f = dir.resolve("github.txt");
    Files.writeString(f, "GET /only\n");
    assertThat(RouteSet.load(f.toString()).routes()).containsExactly(new RouteSet.Route("GET", "/only"));
    assertThat(RouteSet.load(f.toString()).source()).isEqualTo(f.toString());
    assertThat(RouteSet.load("github.txt").routes()).hasSize(203);
  }
}
