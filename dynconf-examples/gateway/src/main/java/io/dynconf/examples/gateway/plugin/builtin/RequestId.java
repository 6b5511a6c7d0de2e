package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.ResponseHead;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code request-id} (priority 12015): {@code header_name} (default {@code X-Request-Id}),
 * {@code include_in_response} (default true), {@code algorithm} ({@code uuid} by default,
 * {@code uuidv7}, {@code nanoid}, {@code ksuid}, {@code range_id} with {@code range_id.length}
 * (at least 6, default 16) and {@code range_id.char_set} (at least 6 characters, APISIX's default
 * alphabet)). In the rewrite phase a request without the header (or with it empty) gets a new id
 * going upstream; in the header filter phase the response carries the request's id unless the
 * upstream already set the header.
 */
public final class RequestId implements GatewayPlugin<RequestId.Config> {
  /** APISIX's default, spelling included (it has no J and two G). */
  static final String DEFAULT_CHAR_SET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789";
  private static final String NANOID_ALPHABET = "-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final long KSUID_EPOCH = 1_400_000_000L;
  private static final SecureRandom RANDOM = new SecureRandom();

  record Config(String header, boolean inResponse, String algorithm, int length, String charSet) {}

  @Override
  public String name() {
    return "request-id";
  }

  private static final String SCHEMA = Schemas.load("request-id");

  /** The schema {@link #configure} enforces (bundled as {@code schema/request-id.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 12015;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("header_name", "include_in_response", "algorithm", "range_id", "_meta"), Set.of());
    String header = c.string("header_name", "X-Request-Id");
    if (header.isEmpty()) {
      throw new InvalidConfigException("/header_name", "must not be empty");
    }
    boolean inResponse = c.bool("include_in_response", true);
    String algorithm = c.string("algorithm", "uuid");
    if (!Set.of("uuid", "nanoid", "range_id", "ksuid", "uuidv7").contains(algorithm)) {
      throw new InvalidConfigException("/algorithm", "must be one of uuid, nanoid, range_id, ksuid, uuidv7, got \"" + algorithm + "\"");
    }
    int length = 16;
    String charSet = DEFAULT_CHAR_SET;
    Object range = c.raw("range_id");
    if (range != null) {
      if (!(range instanceof Map<?, ?> m)) {
        throw new InvalidConfigException("/range_id", "an object is required");
      }
      @SuppressWarnings("unchecked") // JSON objects have string keys
      Map<String, @Nullable Object> r = (Map<String, @Nullable Object>) m;
      try {
        Conf rc = new Conf(r, Set.of("length", "char_set"));
        length = (int) rc.integer("length", 16, 6, 1 << 20);
        charSet = rc.string("char_set", DEFAULT_CHAR_SET);
        if (charSet.length() < 6) {
          throw new InvalidConfigException("/char_set", "at least 6 characters are required");
        }
      } catch (InvalidConfigException e) {
        throw e.under("/range_id");
      }
    }
    return new Config(header, inResponse, algorithm, length, charSet);
  }

  static String generate(Config config) {
    return switch (config.algorithm()) {
      case "uuidv7" -> uuidV7(System.currentTimeMillis());
      case "nanoid" -> nanoid();
      case "ksuid" -> ksuid(System.currentTimeMillis() / 1000);
      case "range_id" -> rangeId(config.length(), config.charSet());
      default -> UUID.randomUUID().toString();
    };
  }

  /** RFC 9562's version 7: 48 bits of Unix milliseconds, then random bits. */
  static String uuidV7(long millis) {
    long hi = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0fffL);
    long lo = (RANDOM.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }

  /** 21 characters of the URL-safe alphabet, from 6 random bits each. */
  static String nanoid() {
    byte[] bytes = new byte[21];
    RANDOM.nextBytes(bytes);
    StringBuilder id = new StringBuilder(21);
    for (byte b : bytes) {
      id.append(NANOID_ALPHABET.charAt(b & 63));
    }
    return id.toString();
  }

  /** Segment's KSUID: 4 bytes of seconds since 2014-05-13 16:53:20 UTC and 16 random bytes, 27 base62 characters. */
  static String ksuid(long epochSeconds) {
    byte[] bytes = new byte[20];
    RANDOM.nextBytes(bytes);
    long t = epochSeconds - KSUID_EPOCH;
    for (int i = 0; i < 4; i++) {
      bytes[i] = (byte) (t >>> (24 - 8 * i));
    }
    BigInteger n = new BigInteger(1, bytes);
    BigInteger base = BigInteger.valueOf(62);
    char[] out = new char[27];
    for (int i = 26; i >= 0; i--) {
      BigInteger[] qr = n.divideAndRemainder(base);
      out[i] = BASE62.charAt(qr[1].intValue());
      n = qr[0];
    }
    return new String(out);
  }

  static String rangeId(int length, String charSet) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder id = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      id.append(charSet.charAt(random.nextInt(charSet.length())));
    }
    return id.toString();
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    String id = ctx.request().request().headers().get(config.header());
    if (id == null || id.isEmpty()) {
      id = generate(config);
      ctx.upstreamHeaders().set(config.header(), id);
    }
    if (config.inResponse()) {
      ctx.state().put("request-id-" + config.header(), id);
    }
    return null;
  }

  @Override
  public void headerFilter(Config config, PluginContext ctx, ResponseHead head) {
    if (!config.inResponse()) {
      return;
    }
    String existing = head.headers().get(config.header());
    Object id = ctx.state().get("request-id-" + config.header());
    if ((existing == null || existing.isEmpty()) && id != null) {
      head.headers().set(config.header(), id.toString());
    }
  }
}
