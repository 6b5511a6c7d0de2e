package io.dynconf.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** Shared helpers of the admin API tests (also used by dynconf-etcd's tests, through the test-jar). */
public final class AdminTesting {
  public static final String ADMIN_KEY = "admin-key-0123456789abcdef";
  public static final String VIEWER_KEY = "viewer-key-0123456789abcdef";
  public static final String UPSTREAM = "{\"nodes\":{\"127.0.0.1:8080\":1},\"type\":\"roundrobin\"}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AdminTesting() {}

  /** A clock whose epoch second the test sets. */
  public static final class TestClock extends Clock {
    private final AtomicLong seconds;

    public TestClock(long seconds) {
      this.seconds = new AtomicLong(seconds);
    }

    public void set(long s) {
      seconds.set(s);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochSecond(seconds.get());
    }
  }

  public static AdminApi.Builder builder(ConfigSource source, Clock clock) {
    return AdminApi.builder(source).apiKey(ADMIN_KEY, AdminRole.ADMIN).apiKey(VIEWER_KEY, AdminRole.VIEWER).clock(clock);
  }

  public static AdminRequest request(String method, String target, @Nullable String body, String... headers) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("X-API-KEY", ADMIN_KEY);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i + 1] == null) {
        h.remove(headers[i]);
      } else {
        h.put(headers[i], headers[i + 1]);
      }
    }
    return AdminRequest.of(method, target, h, body);
  }

  public static JsonNode json(AdminResponse r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.bodyUtf8(), e);
    }
  }

  public static String route(String uri, String upstreamId) {
    return "{\"uri\":\"" + uri + "\",\"upstream_id\":\"" + upstreamId + "\"}";
  }

  /** Every resource key under the prefix with its value, except the id generator's key. */
  public static Map<String, KeyValue> resources(ConfigSource source) {
    Map<String, KeyValue> out = new HashMap<>();
    for (KeyValue kv : source.list().kvs()) {
      if (!kv.key().equals(source.prefix() + "/gen_id")) {
        out.put(kv.key(), kv);
      }
    }
    return out;
  }

  /**
   * Checks what the admin API promises about the store: every resource value passes the data
   * plane's pipeline and every reference it makes resolves.
   */
  public static void assertStoreIsSound(ConfigSource source) {
    Map<String, KeyValue> all = resources(source);
    for (KeyValue kv : all.values()) {
      ResourceType<?> type = typeOf(source.prefix(), kv.key());
      if (type == null) {
        continue;
      }
      ResourceKey key = ResourceKey.tryParse(source.prefix(), kv.key(), type.idSegments()).orElseThrow();
      Object value = Pipeline.decode(type, key, kv.value(), kv.createRevision(), kv.modRevision()).value();
      @SuppressWarnings({"unchecked", "rawtypes"})
      var refs = ((ResourceType) type).referencesOf(value);
      for (Object o : refs) {
        io.dynconf.core.Reference ref = (io.dynconf.core.Reference) o;
        String target = source.prefix() + "/" + ref.type() + "/" + ref.id();
        assertThat(all).as("%s references %s", kv.key(), target).containsKey(target);
      }
    }
  }

  static @Nullable ResourceType<?> typeOf(String prefix, String key) {
    Optional<ResourceType<?>> t = StandardTypes.all().stream()
        .filter(ty -> key.startsWith(prefix + "/" + ty.path() + "/"))
        .findFirst();
    return t.orElse(null);
  }
}
