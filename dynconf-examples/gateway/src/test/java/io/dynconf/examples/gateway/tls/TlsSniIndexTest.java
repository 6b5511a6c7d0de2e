package io.dynconf.examples.gateway.tls;

import io.dynconf.core.tls.Certificates;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link SniIndex} against APISIX's {@code radixtree_sni} rules, case by case and randomized. */
class TlsSniIndexTest {
  private static Certificates.Issued cert;
  private static SslContext context;

  @BeforeAll
  static void context() throws Exception {
    cert = Certificates.builder("index.test").issue();
    context = SslContextBuilder.forServer(cert.key(), cert.certificate()).sslProvider(SslProvider.JDK).build();
  }

  private static SniIndex.Entry entry(String id) {
    return new SniIndex.Entry(id, context, cert.certificate());
  }

  private static SniIndex index(String... idAndSni) {
    SniIndex.Builder b = SniIndex.builder(entry("default"));
    for (int i = 0; i < idAndSni.length; i += 2) {
      b.add(idAndSni[i + 1], entry(idAndSni[i]));
    }
    return b.build();
  }

  @Test
  void exactThenLongestWildcardThenStarThenDefault() {
    SniIndex index = index("exact", "a.example.com", "wild", "*.example.com", "longer", "*oo.example.com", "star", "*");

    assertThat(index.select("a.example.com").sslId()).isEqualTo("exact");
    assertThat(index.select("b.example.com").sslId()).isEqualTo("wild");
    assertThat(index.select("foo.example.com").sslId()).as("the longer suffix wins").isEqualTo("longer");
    assertThat(index.select("oo.example.com").sslId()).as("* is never empty").isEqualTo("wild");
    assertThat(index.select("x.a.example.com").sslId()).as("* is one label").isEqualTo("star");
    assertThat(index.select("anything.org").sslId()).isEqualTo("star");
    assertThat(index(("w"), "*.example.com").select("example.com").sslId()).isEqualTo("default");
  }

  @Test
  void namesAreCaseInsensitiveAndATrailingDotIsIgnored() {
    SniIndex index = index("1", "A.Example.com.", "2", "*.EXAMPLE.org");

    assertThat(index.select("a.example.COM").sslId()).isEqualTo("1");
    assertThat(index.select("a.example.com.").sslId()).isEqualTo("1");
    assertThat(index.select("X.example.org").sslId()).isEqualTo("2");
  }

  @Test
  void noNameGetsTheDefaultEvenWithAStar() {
    SniIndex index = index("star", "*");

    assertThat(index.select(null).sslId()).isEqualTo("default");
    assertThat(index.select("").sslId()).isEqualTo("default");
  }

  @Test
  void theFirstSslToClaimANameKeepsIt() {
    SniIndex.Builder b = SniIndex.builder(entry("default"));
    assertThat(b.add("a.test", entry("1"))).isNull();
    assertThat(b.add("A.TEST", entry("2")).sslId()).isEqualTo("1");
    assertThat(b.build().select("a.test").sslId()).isEqualTo("1");
  }

  @Test
  void agreesWithANaiveReadingOfTheRulesOnRandomNames() {
    long seed = Long.getLong("dynconf.seed", new SecureRandom().nextLong());
    System.out.println("TlsSniIndexTest.agreesWithANaiveReadingOfTheRulesOnRandomNames: seed " + seed + " (replay with -Ddynconf.seed=" + seed + ")");
    Random random = new Random(seed);
    String[] labels = {"a", "b", "ab", "ba", "x", "example", "com"};
    for (int round = 0; round < 300; round++) {
      Map<String, String> ssls = new LinkedHashMap<>(); // sni -> id, first claim kept
      SniIndex.Builder b = SniIndex.builder(entry("default"));
      for (int i = 0; i < 6; i++) {
        String sni = pattern(random, labels);
        ssls.putIfAbsent(sni, "s" + i);
        b.add(sni, entry("s" + i));
      }
      SniIndex index = b.build();
      for (int q = 0; q < 20; q++) {
        String name = name(random, labels, 1 + random.nextInt(3));
        assertThat(index.select(name).sslId()).as("%s among %s (seed %d)", name, ssls, seed).isEqualTo(naive(ssls, name));
      }
    }
  }

  /** Exact; else the wildcard with the longest suffix whose star covers a non-empty part of one label; else *; else default. */
  private static String naive(Map<String, String> ssls, String name) {
    if (ssls.containsKey(name)) {
      return ssls.get(name);
    }
    @Nullable String best = null;
    int bestLength = -1;
    for (Map.Entry<String, String> e : ssls.entrySet()) {
      String sni = e.getKey();
      if (sni.startsWith("*") && sni.length() > 1) {
        String suffix = sni.substring(1);
        String star = name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : null;
        if (star != null && !star.isEmpty() && !star.contains(".") && suffix.length() > bestLength) {
          best = e.getValue();
          bestLength = suffix.length();
        }
      }
    }
    if (best != null) {
      return best;
    }
    return ssls.getOrDefault("*", "default");
  }

  private static String pattern(Random random, String[] labels) {
    return switch (random.nextInt(4)) {
      case 0 -> "*." + name(random, labels, 1 + random.nextInt(2));
      case 1 -> "*" + name(random, labels, 1 + random.nextInt(2));
      case 2 -> random.nextInt(4) == 0 ? "*" : name(random, labels, 1 + random.nextInt(3));
      default -> name(random, labels, 1 + random.nextInt(3));
    };
  }

  private static String name(Random random, String[] labels, int n) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      parts.add(labels[random.nextInt(labels.length)]);
    }
    return String.join(".", parts);
  }
}
