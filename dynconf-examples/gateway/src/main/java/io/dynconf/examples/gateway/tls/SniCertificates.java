package io.dynconf.examples.gateway.tls;

import io.dynconf.core.tls.Certificates;
import io.dynconf.core.tls.Pem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.ConfigUpdate;
import io.dynconf.core.apisix.Ssl;
import io.dynconf.core.apisix.StandardTypes;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates of the HTTPS listener, chosen per connection by the TLS server name (SNI) from
 * the registry's ssls store; Netty's {@code SniHandler} asks {@link #map} once per handshake.
 *
 * <p>Served: ssls of {@code type} server with {@code status} 1, by their {@code snis} (see {@link
 * SniIndex} for the matching rules); {@code cert}/{@code key} and every {@code certs}/{@code keys}
 * pair go into one key manager, so an RSA and an ECDSA certificate for the same names are both
 * offered and the JDK picks one per client; {@code ssl_protocols} limits the protocols; {@code
 * client.ca} requires client certificates that chain to it ({@code skip_mtls_uri_regex} is not
 * supported: those URIs need a certificate too). A name held by two ssls goes to the lower id. A
 * handshake that matches no name, or sends none, gets the default certificate.
 *
 * <p>Not served, with a reason in {@link #problems()} and the log: an ssl whose key is sealed
 * ({@link KeyEncryption}) with a key id that is not configured or does not open, whose key is in
 * APISIX's AES-CBC form, that uses secret references ({@code $secret://}, {@code $env://}), whose key
 * does not match its certificate, or whose certificate has expired. dynconf-core's checker
 * rejects most of these before they are stored; the ones it cannot see (sealed keys) are caught
 * here.
 *
 * <p>Threads: the registry's listener only schedules a rebuild; one thread ({@code dynconf-tls})
 * builds the next index, reusing the contexts of unchanged ssls, and publishes it with one volatile
 * write. A handshake reads the index once; a connection keeps the context it was given, so a
 * replaced certificate affects new handshakes only and no connection is dropped.
 */
public final class SniCertificates implements Mapping<String, SslContext>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SniCertificates.class);
  private static final Pattern SECRET_REF = Pattern.compile("^(\\$secret://|\\$[Ee][Nn][Vv]://)");
  private static final char[] STORE_PASSWORD = "dynconf".toCharArray(); // in-memory key stores only

  /** The protocols offered by ALPN, in preference order; empty for none. */
  private final List<String> alpn;

  /** A built ssl: the value it was built from, and its entry or the reason it is not served. */
  private record Built(Ssl ssl, SniIndex.@Nullable Entry entry, @Nullable String problem) {}

  /** What one index build produced. */
  private record State(SniIndex index, Map<String, Built> built, Map<String, String> problems, long version) {}

  private final ConfigRegistry registry;
  private final KeyEncryption encryption;
  private final Clock clock;
  private final SniIndex.Entry fallback;
  private final ExecutorService builder;
  private final AtomicBoolean rebuildScheduled = new AtomicBoolean();
  private final ConfigRegistry.Listener listener = this::onUpdate;
  private volatile State state;

  /** A certificate chain (leaf first) and its private key. */
  public record Identity(List<X509Certificate> chain, PrivateKey key) {
    public Identity {
      chain = List.copyOf(chain);
      Objects.requireNonNull(key, "key");
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("empty certificate chain");
      }
    }

    /**
     * From PEM text: the key must match the first certificate.
     *
     * @throws IllegalArgumentException saying what does not parse or match
     */
    public static Identity fromPem(String certificates, String privateKey) {
      List<X509Certificate> chain = Pem.certificates(certificates);
      PrivateKey key = Pem.privateKey(privateKey);
      if (!Pem.matches(key, chain.get(0))) {
        throw new IllegalArgumentException("the private key does not match the certificate (" + describe(chain.get(0)) + ")");
      }
      return new Identity(chain, key);
    }

    /** Self-signed for {@code CN=dynconf-gateway} and {@code DNS:localhost}, EC P-256, valid a year. */
    public static Identity selfSigned(Clock clock) {
      Certificates.Issued issued = Certificates.builder("dynconf-gateway").dnsNames("localhost")
          .validity(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofDays(365))).issue();
      return new Identity(List.of(issued.certificate()), issued.key());
    }
  }

  private SniCertificates(ConfigRegistry registry, Identity defaultIdentity, KeyEncryption encryption, Clock clock,
      List<String> alpn) {
    this.alpn = List.copyOf(alpn);
    this.registry = registry;
    this.encryption = encryption;
    this.clock = clock;
    this.fallback = new SniIndex.Entry("default", context(List.of(defaultIdentity), null, null), defaultIdentity.chain().get(0));
    this.builder = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "dynconf-tls");
      t.setDaemon(true);
      return t;
    });
    this.state = build(new State(SniIndex.builder(fallback).build(), Map.of(), Map.of(), 0));
  }

  /**
   * Builds the index from the registry's current ssls and follows its changes.
   *
   * @param defaultIdentity served when no ssl matches the name, or no name is sent
   * @param clock the clock expiry is checked against
   */
  public static SniCertificates start(ConfigRegistry registry, Identity defaultIdentity, KeyEncryption encryption, Clock clock) {
    return start(registry, defaultIdentity, encryption, clock, List.of());
  }

  /**
   * As {@link #start(ConfigRegistry, Identity, KeyEncryption, Clock)}, every context offering
   * {@code alpn} (in preference order, e.g. {@code h2, http/1.1}) by ALPN; empty: no ALPN.
   */
  public static SniCertificates start(ConfigRegistry registry, Identity defaultIdentity, KeyEncryption encryption, Clock clock,
      List<String> alpn) {
    SniCertificates certificates = new SniCertificates(registry, defaultIdentity, encryption, clock, alpn);
    registry.addListener(certificates.listener);
    certificates.scheduleRebuild(); // a change published between the first build and addListener
    return certificates;
  }

  /** The context for a handshake that asked for {@code hostname} (null when none); never null. */
  @Override
  public SslContext map(@Nullable String hostname) {
    return state.index().select(hostname).context();
  }

  /** The leaf certificate a handshake for {@code hostname} gets now. */
  public X509Certificate certificateFor(@Nullable String hostname) {
    return state.index().select(hostname).leaf();
  }

  /** The id of the ssl serving {@code hostname} now, or {@code "default"}. */
  public String sslIdFor(@Nullable String hostname) {
    return state.index().select(hostname).sslId();
  }

  public X509Certificate defaultCertificate() {
    return fallback.leaf();
  }

  /** Ssls that are not served, by id, with the reason; immutable. */
  public Map<String, String> problems() {
    return state.problems();
  }

  /** Moves by one per published index. */
  public long version() {
    return state.version();
  }

  @Override
  public void close() {
    registry.removeListener(listener);
    builder.shutdownNow();
    try {
      builder.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onUpdate(ConfigUpdate update) {
    if (update.changedTypes().contains(StandardTypes.SSLS.name())) {
      scheduleRebuild();
    }
  }

  /** At most one rebuild waits; it reads the newest snapshot when it runs, so bursts coalesce. */
  private void scheduleRebuild() {
    if (rebuildScheduled.compareAndSet(false, true)) {
      try {
        builder.execute(() -> {
          rebuildScheduled.set(false);
          try {
            state = build(state);
          } catch (RuntimeException e) {
            LOG.error("TLS: cannot rebuild the certificate index; the previous one keeps serving", e);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        rebuildScheduled.set(false); // closed
      }
    }
  }

  /** The next state: a pure function of the ssls store and the previous state's built contexts. */
  private State build(State previous) {
    ConfigStore<Ssl> ssls = registry.snapshot().store(StandardTypes.SSLS);
    SniIndex.Builder index = SniIndex.builder(fallback);
    Map<String, Built> built = new HashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    for (Ssl ssl : ssls.values()) { // ordered by id: the lower id keeps a name held twice
      if (!ssl.type().equals("server") || ssl.status() != 1) {
        continue;
      }
      Built b = previous.built().get(ssl.id());
      if (b == null || !b.ssl().equals(ssl)) {
        b = build(ssl);
        if (b.problem() != null) {
          LOG.warn("TLS: ssl {} is not served: {}", ssl.id(), b.problem());
        } else {
          LOG.info("TLS: ssl {} serves {} ({})", ssl.id(), ssl.snis(), describe(Objects.requireNonNull(b.entry()).leaf()));
        }
      }
      built.put(ssl.id(), b);
      if (b.problem() != null) {
        problems.put(ssl.id(), b.problem());
        continue;
      }
      for (String sni : ssl.snis()) {
        SniIndex.Entry holder = index.add(sni, Objects.requireNonNull(b.entry(), "served without a problem"));
        if (holder != null) {
          problems.merge(ssl.id(), "sni " + sni + " is also held by ssl " + holder.sslId() + ", which serves it",
              (a, c) -> a + "; " + c);
        }
      }
    }
    return new State(index.build(), Map.copyOf(built), Map.copyOf(problems), previous.version() + 1);
  }

  private Built build(Ssl ssl) {
    List<Identity> pairs = new ArrayList<>();
    List<String> certs = new ArrayList<>(List.of(ssl.cert()));
    certs.addAll(ssl.certs());
    List<String> keys = new ArrayList<>(List.of(ssl.key()));
    keys.addAll(ssl.keys());
    if (certs.size() != keys.size()) {
      return new Built(ssl, null, "mismatched number of certs and keys");
    }
    for (int i = 0; i < certs.size(); i++) {
      String where = i == 0 ? "cert/key" : "certs/" + (i - 1) + "/keys/" + (i - 1);
      String cert = certs.get(i);
      String key = keys.get(i);
      if (SECRET_REF.matcher(cert).find() || SECRET_REF.matcher(key).find()) {
        return new Built(ssl, null, where + ": secret references ($secret://, $env://) are not resolved by the gateway");
      }
      String pem;
      if (KeyEncryption.isSealed(key)) {
        try {
          pem = encryption.open(key);
        } catch (IllegalArgumentException e) {
          return new Built(ssl, null, where + ": the sealed key does not open: " + e.getMessage());
        }
      } else if (!key.strip().startsWith("---")) {
        return new Built(ssl, null, where + ": the key is in APISIX's AES-CBC encrypted form, which the gateway "
            + "does not open; store it as PEM or sealed ($aesgcm$)");
      } else {
        pem = key;
      }
      try {
        List<X509Certificate> chain = Pem.certificates(cert);
        PrivateKey privateKey = Pem.privateKey(pem);
        if (!Pem.matches(privateKey, chain.get(0))) {
          return new Built(ssl, null, where + ": the private key does not match the certificate (" + describe(chain.get(0)) + ")");
        }
        if (chain.get(0).getNotAfter().toInstant().isBefore(clock.instant())) {
          return new Built(ssl, null, where + ": the certificate (" + describe(chain.get(0)) + ") expired at "
              + chain.get(0).getNotAfter().toInstant());
        }
        pairs.add(new Identity(chain, privateKey));
      } catch (IllegalArgumentException e) {
        return new Built(ssl, null, where + ": " + e.getMessage());
      }
    }
    try {
      List<X509Certificate> clientCa = null;
      if (ssl.client() != null) {
        if (SECRET_REF.matcher(ssl.client().ca()).find()) {
          return new Built(ssl, null, "client.ca: secret references are not resolved by the gateway");
        }
        clientCa = Pem.certificates(ssl.client().ca());
      }
      SslContext context = context(pairs, ssl.sslProtocols(), clientCa);
      return new Built(ssl, new SniIndex.Entry(ssl.id(), context, pairs.get(0).chain().get(0)), null);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return new Built(ssl, null, "cannot build a TLS context: " + e.getMessage());
    }
  }

  /** A server context (JDK provider) holding every pair in one key manager. */
  private SslContext context(List<Identity> pairs, @Nullable List<String> protocols, @Nullable List<X509Certificate> clientCa) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < pairs.size(); i++) {
        store.setKeyEntry("pair-" + i, pairs.get(i).key(), STORE_PASSWORD, pairs.get(i).chain().toArray(X509Certificate[]::new));
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, STORE_PASSWORD);
      SslContextBuilder b = SslContextBuilder.forServer(kmf).sslProvider(SslProvider.JDK);
      if (protocols != null && !protocols.isEmpty()) {
        b.protocols(protocols);
      }
      if (clientCa != null) {
        b.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE);
      }
      if (!alpn.isEmpty()) {
        b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
      }
      return b.build();
    } catch (Exception e) { // KeyStore, KeyManagerFactory and SSLException: all "cannot build"
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName() + ", serial " + certificate.getSerialNumber().toString(16)
        + ", expires " + certificate.getNotAfter().toInstant();
  }
}
