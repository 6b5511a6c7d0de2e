package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Txn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * References between objects: a write compares that every object it references is still at the
 * revision read (and decodes); a delete finds the objects that still reference its target.
 */
final class ReferenceGuard {
  private static final int STORED_VALID_MAX = 1024;
  /** Referenced values that decoded, by key: see {@link #checkStored}. */
  private final java.util.concurrent.ConcurrentHashMap<String, KeyValue> storedValid = new java.util.concurrent.ConcurrentHashMap<>();
  private final AdminContext c;
  private final ConfigSource source;
  private final String prefix;
  private final Map<String, ResourceType<?>> typesByName;
  private final Map<String, List<ResourceType<?>>> referrers;

  ReferenceGuard(AdminContext c) {
    this.c = c;
    this.source = c.source;
    this.prefix = c.prefix;
    this.typesByName = c.typesByName;
    this.referrers = c.referrers;
  }

  /**
   * Adds to {@code txn}, for every reference of {@code item} to a type this API serves, a comparison
   * that the referenced object is still at the revision read here (so it still exists). Nothing is
   * written to it: a delete of it compares that no referrer changed since its listing (DESIGN.md,
   * "Admin API"). {@code skip}: keys written by this transaction anyway.
   */
  void guardReferences(Calls calls, ResourceType<?> type, ConfigItem<?> item, Txn.Builder txn,
      Map<String, KeyValue> touched, Set<String> skip, String context) {
    guardReferences(calls, type, item, txn, touched, skip, context, null);
  }

  /**
   * As above, reading each referenced object from {@code view} first (the source when the view
   * does not hold it); the transaction compares the revision read either way.
   */
  void guardReferences(Calls calls, ResourceType<?> type, ConfigItem<?> item, Txn.Builder txn,
      Map<String, KeyValue> touched, Set<String> skip, String context,
      java.util.function.@Nullable Function<String, @Nullable KeyValue> view) {
    for (Reference ref : referencesOf(type, item.value())) {
      ResourceType<?> target = typesByName.get(ref.type());
      if (target == null) {
        continue;
      }
      ResourceKey tk = c.tryKey(target, ref.id());
      String field = "/" + ref.field().replace('.', '/');
      if (tk == null) {
        throw Problem.badRequest(context + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id()) + " does not exist");
      }
      String tks = tk.toKey();
      if (skip.contains(tks) || touched.containsKey(tks)) {
        continue;
      }
      KeyValue x = view == null ? null : view.apply(tks);
      if (x == null) {
        x = calls.call("get " + tks, false, () -> source.get(tks));
      }
      if (x == null) {
        throw Problem.badRequest(context + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id()) + " does not exist");
      }
      checkTarget(ref, target, x, context);
      try {
        checkStored(target, tk, x);
      } catch (InvalidConfigException e) {
        throw Problem.badRequest(context + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id())
            + " is stored but invalid (" + e.getMessage() + "); fix it first");
      }
      touched.put(tks, x);
      txn.ifModRevision(tks, x.modRevision());
    }
  }

  String inUse(ResourceType<?> type, List<String> users) {
    int shown = Math.min(users.size(), 10);
    String names = String.join(", ", users.subList(0, shown)) + (users.size() > shown ? " and " + (users.size() - shown) + " more" : "");
    String what = kind(type) + (type.name().equals(StandardTypes.SERVICES.name()) ? " directly" : ""); // APISIX's words
    return "can not delete this " + what + ", " + names + (users.size() == 1 ? " is" : " are")
        + " still using it now; change or delete " + (users.size() == 1 ? "it" : "them") + " first, or add force=true";
  }

  /**
   * The objects among {@code kvs} (skipping keys in {@code overridden}, whose values there win)
   * that reference {@code type}'s {@code id}, as {@code route [1]}.
   */
  List<String> referrersOf(List<KeyValue> kvs, ResourceType<?> type, String id, Map<String, byte @Nullable []> overridden) {
    if (referringTypes(type).isEmpty()) {
      return List.of();
    }
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    List<String> users = new ArrayList<>();
    List<String> pluginUsers = new ArrayList<>();
    for (KeyValue kv : kvs) {
      if (overridden.containsKey(kv.key())) {
        continue;
      }
      collectReferrer(kv.key(), kv.valueUnsafe(), type, id, idBytes, users);
      collectPluginReferrer(kv.key(), kv.valueUnsafe(), type, id, pluginUsers);
    }
    for (Map.Entry<String, byte @Nullable []> e : overridden.entrySet()) {
      if (e.getValue() != null) {
        collectReferrer(e.getKey(), e.getValue(), type, id, idBytes, users);
        collectPluginReferrer(e.getKey(), e.getValue(), type, id, pluginUsers);
      }
    }
    pluginUsers.stream().distinct().forEach(users::add);
    return users;
  }

  /**
   * The types whose objects may keep an object of {@code type} in use: those that reference it,
   * and for an upstream every type whose {@code traffic-split} plugin may send to it. A delete
   * without force reads these (and a transaction compares them unchanged).
   */
  List<ResourceType<?>> referringTypes(ResourceType<?> type) {
    List<ResourceType<?>> referring = referrers.getOrDefault(type.name(), List.of());
    if (!type.name().equals(StandardTypes.UPSTREAMS.name())) {
      return referring;
    }
    List<ResourceType<?>> out = new ArrayList<>(referring);
    for (ResourceType<?> t : c.types) {
      if (PLUGIN_HOLDERS.containsKey(t.name()) && !out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** The types whose plugins APISIX searches for a traffic-split upstream_id before deleting an upstream, with its names for them. */
  private static final Map<String, String> PLUGIN_HOLDERS = Map.of("routes", "route", "services", "service", "plugin_configs", "plugin_config",
      "consumers", "consumer", "consumer_groups", "consumer_group", "global_rules", "global_rules");
  private static final byte[] TRAFFIC_SPLIT = "traffic-split".getBytes(StandardCharsets.UTF_8);

  /**
   * Adds {@code k} to {@code users} when it is an object whose {@code traffic-split} plugin sends
   * requests to upstream {@code id} ({@code rules[].weighted_upstreams[].upstream_id}), as APISIX's
   * upstream delete checker names it: {@code plugin in route [1]}. Such a reference is no {@link
   * Reference} (the data plane resolves it per request), so only a delete looks for it.
   */
  private void collectPluginReferrer(String k, byte[] value, ResourceType<?> type, String id, List<String> users) {
    if (!type.name().equals(StandardTypes.UPSTREAMS.name())) {
      return;
    }
    ResourceType<?> t = c.typeOfKey(k);
    if (t == null || !PLUGIN_HOLDERS.containsKey(t.name()) || indexOf(value, TRAFFIC_SPLIT) < 0) {
      return;
    }
    ObjectNode v = Json.parseStored(value);
    if (v == null) {
      return;
    }
    for (com.fasterxml.jackson.databind.JsonNode rule : v.path("plugins").path("traffic-split").path("rules")) {
      for (com.fasterxml.jackson.databind.JsonNode wu : rule.path("weighted_upstreams")) {
        if (id.equals(Json.idText(wu.get("upstream_id")))) {
          ResourceKey rk = ResourceKey.tryParse(prefix, k, t.idSegments()).orElse(null);
          users.add("plugin in " + PLUGIN_HOLDERS.get(t.name()) + " [" + (rk == null ? k : rk.id()) + "]");
        }
      }
    }
  }

  private void collectReferrer(String k, byte[] value, ResourceType<?> type, String id, byte[] idBytes, List<String> users) {
    ResourceType<?> t = c.typeOfKey(k);
    if (t == null || !t.referencedTypes().contains(type.name())) {
      return;
    }
    ResourceKey rk = ResourceKey.tryParse(prefix, k, t.idSegments()).orElse(null);
    if (rk == null || !rk.type().equals(t.path())) {
      return;
    }
    // cheap and sound pre-filter: a reference spells the id, unless the JSON escapes characters
    if (indexOf(value, idBytes) < 0 && indexOf(value, new byte[] {'\\'}) < 0) {
      return;
    }
    for (Reference ref : referencesIn(t, rk, value)) {
      if (ref.type().equals(type.name()) && ref.id().equals(id)) {
        users.add(kind(t) + " [" + rk.id() + "]");
        return;
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<Reference> referencesOf(ResourceType<?> type, Object value) {
    return ((ResourceType) type).referencesOf(value);
  }

  /** The references a stored value makes; none when it cannot be decoded (then it is not served either). */
  static List<Reference> referencesIn(ResourceType<?> type, ResourceKey key, byte[] value) {
    try {
      return referencesOf(type, Pipeline.decode(type, key, value, 1, 1).value());
    } catch (RuntimeException invalid) {
      try {
        Object v = type.decoder().decode(key, Pipeline.parseObject(value));
        return v == null ? List.of() : referencesOf(type, v);
      } catch (IOException | RuntimeException undecodable) {
        return List.of();
      }
    }
  }

  /**
   * Decodes a stored object that a write references (it must be valid), unless this very value (same
   * key, revisions and bytes) was decoded successfully before: every route written with {@code
   * upstream_id: be} would otherwise decode upstream {@code be} again. The pipeline is a function of
   * the bytes, so the answer cannot differ. At most {@value #STORED_VALID_MAX} values are remembered.
   *
   * @throws InvalidConfigException when it does not decode
   */
  void checkStored(ResourceType<?> target, ResourceKey tk, KeyValue x) {
    KeyValue ok = storedValid.get(x.key());
    if (ok != null && ok.modRevision() == x.modRevision() && ok.createRevision() == x.createRevision()
        && Arrays.equals(ok.valueUnsafe(), x.valueUnsafe())) {
      return;
    }
    Pipeline.decode(target, tk, x.valueUnsafe(), x.createRevision(), x.modRevision());
    if (storedValid.size() >= STORED_VALID_MAX) {
      storedValid.clear();
    }
    storedValid.put(x.key(), x);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * What a reference needs of its target beyond existing: {@code tls.client_cert_id} names an ssl
   * of type {@code client} (APISIX's upstream check), which the revision comparison then keeps so.
   */
  static void checkTarget(Reference ref, ResourceType<?> target, KeyValue x, String context) {
    if (!target.name().equals(StandardTypes.SSLS.name()) || !ref.field().endsWith("client_cert_id")) {
      return;
    }
    ObjectNode v = Json.parseStored(x.valueUnsafe());
    String sslType = v == null ? "server" : v.path("type").asText("server");
    if (!sslType.equals("client")) {
      throw Problem.badRequest(context + "invalid configuration: /" + ref.field().replace('.', '/') + ": ssl " + quote(ref.id())
          + " is of type " + sslType + "; a client certificate (type client) is required");
    }
  }
}
