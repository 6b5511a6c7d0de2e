package io.dynconf.radix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathTreeConformanceTest {

  /** Patterns added with priority 0 and their index as sequence; value = pattern text. */
  private static PathTree<String> tree(String... patterns) {
    PathTree.Builder<String> b = PathTree.builder();
    for (int i = 0; i < patterns.length; i++) {
      b.add(patterns[i], patterns[i], 0, i);
    }
    return b.build();
  }

  private static List<String> order(PathTree<String> tree, String path) {
    return tree.matchAll(path).stream().map(PathTree.Match::pattern).toList();
  }

  private static Map<String, String> params(PathTree<String> tree, String path) {
    PathParams params = new PathParams();
    PathTree.Entry<String> e = tree.first(path, v -> true, params);
    assertThat(e).as("match for %s", path).isNotNull();
    return params.toMap();
  }

  // --- Exact ---
  @Test
  void exactPatternMatchesOnlyItsPath() {
    PathTree<String> t = tree("/a/b");
    assertThat(order(t, "/a/b")).containsExactly("/a/b");
    assertThat(order(t, "/a")).isEmpty();
    assertThat(order(t, "/a/b/c")).isEmpty();
    assertThat(order(t, "/a/bc")).isEmpty();
    assertThat(order(t, "/a/b/")).isEmpty();
  }

  @Test
  void trailingSlashIsSignificant() {
    PathTree<String> t = tree("/a/", "/a");
    assertThat(order(t, "/a/")).containsExactly("/a/");
    assertThat(order(t, "/a")).containsExactly("/a");
  }

  @Test
  void rootMatchesOnlyRoot() {
    PathTree<String> t = tree("/");
    assertThat(order(t, "/")).containsExactly("/");
    assertThat(order(t, "/x")).isEmpty();
  }

  @Test
  void emptyMiddleSegmentsAreLiteral() {
    PathTree<String> t = tree("/a//b");
    assertThat(order(t, "/a//b")).containsExactly("/a//b");
    assertThat(order(t, "/a/b")).isEmpty();
  }

  @Test
  void colonInsideASegmentIsLiteral() {
    PathTree<String> t = tree("/a/b:c");
    assertThat(order(t, "/a/b:c")).containsExactly("/a/b:c");
    assertThat(order(t, "/a/bx")).isEmpty();
  }

  @Test
  void pathNotStartingWithSlashMatchesNothing() {
    PathTree<String> t = tree("/*", "/a");
    assertThat(order(t, "a")).isEmpty();
    assertThat(order(t, "")).isEmpty();
    assertThat(t.first("", v -> true, new PathParams())).isNull();
  }

  // --- Prefix ---
  @Test
  void starAfterTextMatchesAnyPathStartingWithIt() {
    PathTree<String> t = tree("/foo*");
    assertThat(order(t, "/foo")).containsExactly("/foo*");
    assertThat(order(t, "/foobar")).containsExactly("/foo*");
    assertThat(order(t, "/foo/")).containsExactly("/foo*");
    assertThat(order(t, "/foo/bar/baz")).containsExactly("/foo*");
    assertThat(order(t, "/fo")).isEmpty();
    assertThat(order(t, "/xfoo")).isEmpty();
  }

  @Test
  void starAfterSlashMatchesPathsUnderTheSlashButNotTheBarePath() {
    PathTree<String> t = tree("/foo/*");
    assertThat(order(t, "/foo/")).containsExactly("/foo/*");
    assertThat(order(t, "/foo/bar")).containsExactly("/foo/*");
    assertThat(order(t, "/foo/bar/baz")).containsExactly("/foo/*");
    assertThat(order(t, "/foo")).isEmpty();
    assertThat(order(t, "/foobar")).isEmpty();
  }

  @Test
  void rootStarMatchesEverything() {
    PathTree<String> t = tree("/*");
    assertThat(order(t, "/")).containsExactly("/*");
    assertThat(order(t, "/a/b/c")).containsExactly("/*");
  }

  @Test
  void prefixAfterAParameter() {
    PathTree<String> t = tree("/:v/ab*");
    assertThat(order(t, "/1/ab")).containsExactly("/:v/ab*");
    assertThat(order(t, "/1/abc/d")).containsExactly("/:v/ab*");
    assertThat(order(t, "/1/a")).isEmpty();
    assertThat(params(t, "/1/abc")).containsExactly(Map.entry("v", "1"));
  }

  @Test
  void unnamedStarBindsNothing() {
    PathTree<String> t = tree("/foo/*");
    assertThat(params(t, "/foo/x")).isEmpty();
  }

  // --- Params ---
  @Test
  void colonNameMatchesExactlyOneNonEmptySegment() {
    PathTree<String> t = tree("/users/:id");
    assertThat(order(t, "/users/42")).containsExactly("/users/:id");
    assertThat(params(t, "/users/42")).containsExactly(Map.entry("id", "42"));
    assertThat(order(t, "/users/")).isEmpty();
    assertThat(order(t, "/users")).isEmpty();
    assertThat(order(t, "/users/42/")).isEmpty();
    assertThat(order(t, "/users/42/x")).isEmpty();
  }

  @Test
  void severalParamsBindInPathOrder() {
    PathTree<String> t = tree("/:org/repos/:repo/:ref");
    assertThat(params(t, "/acme/repos/web/main"))
        .containsExactly(Map.entry("org", "acme"), Map.entry("repo", "web"), Map.entry("ref", "main"));
  }

  @Test
  void paramsWithDifferentNamesAtOnePositionKeepTheirOwnNames() {
    PathTree<String> t = tree("/u/:id", "/u/:name/x");
    assertThat(params(t, "/u/7")).containsExactly(Map.entry("id", "7"));
    assertThat(params(t, "/u/bob/x")).containsExactly(Map.entry("name", "bob"));
  }

  @Test
  void namedCatchAllBindsTheRestWhichMayBeEmpty() {
    PathTree<String> t = tree("/files/*path");
    assertThat(params(t, "/files/a/b.txt")).containsExactly(Map.entry("path", "a/b.txt"));
    assertThat(params(t, "/files/")).containsExactly(Map.entry("path", ""));
    assertThat(order(t, "/files")).isEmpty();
  }

  @Test
  void catchAllAfterParams() {
    PathTree<String> t = tree("/:a/:b/*rest");
    assertThat(params(t, "/x/y/z/w"))
        .containsExactly(Map.entry("a", "x"), Map.entry("b", "y"), Map.entry("rest", "z/w"));
    assertThat(params(t, "/x/y/")).containsEntry("rest", "");
    assertThat(order(t, "/x/y")).isEmpty();
  }

  @Test
  void paramsHolderIsReusedAcrossMatches() {
    PathTree<String> t = tree("/a/:x", "/b/:y/:z", "/c");
    PathParams p = new PathParams(1);
    assertThat(t.first("/b/1/2", v -> true, p)).isNotNull();
    assertThat(p.toMap()).containsExactly(Map.entry("y", "1"), Map.entry("z", "2"));
    assertThat(t.first("/a/9", v -> true, p)).isNotNull();
    assertThat(p.toMap()).containsExactly(Map.entry("x", "9"));
    assertThat(t.first("/c", v -> true, p)).isNotNull();
    assertThat(p.size()).isZero();
    assertThat(p.get("x")).isNull();
  }

  // --- Order ---
  @Test
  void exactBeatsPrefixAndParamsAndCatchAll() {
    PathTree<String> t = tree("/*", "/blog/*", "/blog/:p", "/blog/foo*", "/blog/foo");
    assertThat(order(t, "/blog/foo"))
        .containsExactly("/blog/foo", "/blog/foo*", "/blog/:p", "/blog/*", "/*");
  }

  @Test
  void apisixDocumentedExample() {
    PathTree<String> t = tree("/blog/foo/*", "/blog/foo/a/*", "/blog/foo/c/*", "/blog/foo/bar");
    assertThat(order(t, "/blog/foo/bar").get(0)).isEqualTo("/blog/foo/bar");
    assertThat(order(t, "/blog/foo/a/b/c").get(0)).isEqualTo("/blog/foo/a/*");
    assertThat(order(t, "/blog/foo/c/d").get(0)).isEqualTo("/blog/foo/c/*");
    assertThat(order(t, "/blog/foo/gloo")).containsExactly("/blog/foo/*");
    assertThat(order(t, "/blog/bar")).isEmpty();
  }

  @Test
  void longestLiteralPrefixFirst() {
    PathTree<String> t = tree("/a*", "/a/b*", "/a/bc*", "/a/bc/d*", "/*");
    assertThat(order(t, "/a/bc/de")).containsExactly("/a/bc/d*", "/a/bc*", "/a/b*", "/a*", "/*");
  }

  @Test
  void literalBeatsParamBeatsCatchAll() {
    PathTree<String> t = tree("/users/*", "/users/:id", "/users/new");
    assertThat(order(t, "/users/new")).containsExactly("/users/new", "/users/:id", "/users/*");
    assertThat(order(t, "/users/7")).containsExactly("/users/:id", "/users/*");
    assertThat(order(t, "/users/")).containsExactly("/users/*");
  }

  @Test
  void paramBeatsCatchAllEvenWithLowerPriorityOrShorterText() {
    PathTree<String> t =
        PathTree.<String>builder()
            .add("/users/*everything", "catch", 100, 0)
            .add("/users/:id", "param", 0, 1)
            .build();
    assertThat(t.matchAll("/users/7")).extracting(PathTree.Match::value).containsExactly("param", "catch");
  }

  @Test
  void literalSegmentBeatsParamAtTheFirstDifference() {
    PathTree<String> t = tree("/:a/:b", "/:a/x", "/x/:b");
    assertThat(order(t, "/x/x")).containsExactly("/x/:b", "/:a/x", "/:a/:b");
  }

  @Test
  void deeperLiteralUnderParamBeatsPrefixInsideThatSegment() {
    PathTree<String> t = tree("/:p/bcd*", "/:p/bcd");
    assertThat(order(t, "/1/bcd")).containsExactly("/:p/bcd", "/:p/bcd*");
  }

  @Test
  void prefixWithLiteralBeatsParamInTheSameSegment() {
    PathTree<String> t = tree("/users/:id", "/users/a*");
    assertThat(order(t, "/users/abc")).containsExactly("/users/a*", "/users/:id");
  }

  @Test
  void higherPriorityFirstAtOnePlace() {
    PathTree<String> t =
        PathTree.<String>builder()
            .add("/a", "low", 1, 0)
            .add("/a", "high", 5, 1)
            .add("/a", "mid", 3, 2)
            .build();
    assertThat(t.matchAll("/a")).extracting(PathTree.Match::value).containsExactly("high", "mid", "low");
  }

  @Test
  void priorityDoesNotCrossPlaces() {
    PathTree<String> t =
        PathTree.<String>builder()
            .add("/a*", "short prefix", 100, 0)
            .add("/a/b*", "long prefix", 0, 1)
            .add("/a/b", "exact", -5, 2)
            .build();
    assertThat(t.matchAll("/a/b")).extracting(PathTree.Match::value)
        .containsExactly("exact", "long prefix", "short prefix");
  }

  @Test
  void longerPatternTextFirstAtEqualPriority() {
    PathTree<String> t = tree("/u/:id", "/u/:identifier", "/u/*", "/u/*rest");
    assertThat(order(t, "/u/1")).containsExactly("/u/:identifier", "/u/:id", "/u/*rest", "/u/*");
  }

  @Test
  void insertionOrderBreaksRemainingTies() {
    PathTree<String> t =
        PathTree.<String>builder()
            .add("/a", "third", 0, 30)
            .add("/a", "first", 0, 10)
            .add("/a", "second", 0, 20)
            .build();
    assertThat(t.matchAll("/a")).extracting(PathTree.Match::value).containsExactly("first", "second", "third");
  }

  @Test
  void firstReturnsTheFirstCandidatePassingThePredicate() {
    PathTree<String> t = tree("/a/b", "/a/:x", "/a/*");
    PathParams p = new PathParams();
    assertThat(t.first("/a/b", v -> true, p).value()).isEqualTo("/a/b");
    PathTree.Entry<String> e = t.first("/a/b", v -> !v.equals("/a/b"), p);
    assertThat(e.value()).isEqualTo("/a/:x");
    assertThat(p.toMap()).containsExactly(Map.entry("x", "b"));
    assertThat(t.first("/a/b", v -> v.equals("/a/*"), p).pattern()).isEqualTo("/a/*");
    assertThat(t.first("/a/b", v -> false, p)).isNull();
  }

  @Test
  void visitorCanStopEarly() {
    PathTree<String> t = tree("/a/b", "/a/:x", "/a/*");
    List<String> seen = new java.util.ArrayList<>();
    t.forEach("/a/b", (e, p) -> seen.add(e.pattern()) && seen.size() < 2);
    assertThat(seen).containsExactly("/a/b", "/a/:x");
  }

  @Test
  void samePatternTwiceYieldsBoth() {
    PathTree<String> t =
        PathTree.<String>builder().add("/x/:id", "one", 0, 1).add("/x/:id", "two", 0, 2).build();
    assertThat(t.matchAll("/x/1")).extracting(PathTree.Match::value).containsExactly("one", "two");
  }

  // --- Builders ---
  @Test
  void removeBySequenceAndToBuilderCopy() {
    PathTree.Builder<String> b = PathTree.builder();
    b.add("/a/:x", "1", 0, 1).add("/a/:x", "2", 0, 2).add("/a/*", "3", 0, 3);
    PathTree<String> before = b.build();
    assertThat(b.remove("/a/:x", 1)).isTrue();
    assertThat(b.remove("/a/:x", 1)).isFalse();
    assertThat(b.remove("/nope", 1)).isFalse();
    PathTree<String> after = b.build();
    assertThat(before.matchAll("/a/q")).extracting(PathTree.Match::value).containsExactly("1", "2", "3");
    assertThat(after.matchAll("/a/q")).extracting(PathTree.Match::value).containsExactly("2", "3");
    assertThat(after.size()).isEqualTo(2);
    PathTree<String> copy = after.toBuilder().add("/a/q", "4", 0, 4).build();
    assertThat(copy.matchAll("/a/q")).extracting(PathTree.Match::value).containsExactly("4", "2", "3");
    assertThat(after.size()).isEqualTo(2);
  }

  @Test
  void emptyTreeMatchesNothing() {
    assertThat(PathTree.<String>empty().matchAll("/")).isEmpty();
    assertThat(PathTree.<String>empty().first("/", v -> true, new PathParams())).isNull();
  }

  @Test
  void removingEveryEntryLeavesAnEmptyTree() {
    PathTree.Builder<String> b = PathTree.builder();
    b.add("/a/b/c", "1", 0, 1).add("/a/:x/*", "2", 0, 2);
    assertThat(b.remove("/a/b/c", 1)).isTrue();
    assertThat(b.remove("/a/:x/*", 2)).isTrue();
    PathTree<String> t = b.build();
    assertThat(t.size()).isZero();
    assertThat(t.entries()).isEmpty();
    assertThat(t.matchAll("/a/b/c")).isEmpty();
  }
}
