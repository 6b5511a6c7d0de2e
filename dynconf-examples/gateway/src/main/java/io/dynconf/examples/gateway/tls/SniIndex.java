package io.dynconf.examples.gateway.tls;

import io.netty.handler.ssl.SslContext;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable map from a server name to the certificate that serves it, following APISIX's
 * {@code radixtree_sni}: an exact name first; then a wildcard, longest suffix first, where the
 * {@code *} stands for a non-empty part of the first label only ({@code *.example.com} matches
 * {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}); then an ssl whose
 * sni is {@code *} alone (every name); then the default. Names are compared lower-cased, without a
 * trailing dot. Built once per change of the ssls store; {@link #select} allocates only for
 * wildcard candidates.
 */
final class SniIndex {
  /** One servable ssl: its id ({@code "default"} for the default), its context and leaf certificate. */
  record Entry(String sslId, SslContext context, X509Certificate leaf) {
    Entry {
      Objects.requireNonNull(sslId, "sslId");
      Objects.requireNonNull(context, "context");
      Objects.requireNonNull(leaf, "leaf");
    }
  }

  private final Map<String, Entry> exact;
  /** Keyed by what follows the {@code *}, such as {@code .example.com}. */
  private final Map<String, Entry> wildcards;
  private final @Nullable Entry any;
  private final Entry fallback;

  private SniIndex(Map<String, Entry> exact, Map<String, Entry> wildcards, @Nullable Entry any, Entry fallback) {
    this.exact = Map.copyOf(exact);
    this.wildcards = Map.copyOf(wildcards);
    this.any = any;
    this.fallback = fallback;
  }

  /** The entry serving {@code hostname}; the default when none does or no name was sent. */
  Entry select(@Nullable String hostname) {
    if (hostname == null || hostname.isEmpty()) {
      return fallback;
    }
    String name = normalize(hostname);
    Entry e = exact.get(name);
    if (e != null) {
      return e;
    }
    if (!wildcards.isEmpty()) {
      int dot = name.indexOf('.');
      int firstLabelEnd = dot < 0 ? name.length() : dot;
      for (int i = 1; i <= firstLabelEnd && i < name.length(); i++) { // longest suffix first
        e = wildcards.get(name.substring(i));
        if (e != null) {
          return e;
        }
      }
    }
    return any != null ? any : fallback;
  }

  Entry fallback() {
    return fallback;
  }

  int size() {
    return exact.size() + wildcards.size() + (any == null ? 0 : 1);
  }

  static String normalize(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  static Builder builder(Entry fallback) {
    return new Builder(fallback);
  }

  /** Collects entries; the first entry given a name keeps it. */
  static final class Builder {
    private final Map<String, Entry> exact = new HashMap<>();
    private final Map<String, Entry> wildcards = new HashMap<>();
    private @Nullable Entry any;
    private final Entry fallback;

    private Builder(Entry fallback) {
      this.fallback = fallback;
    }

    /** Adds {@code sni} for {@code entry}; returns the entry that already holds it, or null. */
    @Nullable Entry add(String sni, Entry entry) {
      String name = normalize(sni);
      if (name.equals("*")) {
        if (any != null) {
          return any;
        }
        any = entry;
        return null;
      }
      return name.startsWith("*") ? wildcards.putIfAbsent(name.substring(1), entry) : exact.putIfAbsent(name, entry);
    }

    SniIndex build() {
      return new SniIndex(exact, wildcards, any, fallback);
    }
  }
}
