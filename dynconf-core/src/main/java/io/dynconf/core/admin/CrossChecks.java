package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's checks of a write against the other objects of its kind, made in the write's
 * transaction (it compares that nothing under the kind's directory changed since the listing
 * these checks read, so two concurrent writes cannot both pass):
 *
 * <ul>
 *   <li>a consumer's or credential's {@code key-auth} key is used by no other consumer or
 *       credential (a consumer's own credentials excepted): 400 "duplicate key found with consumer:
 *       <username>" (or "with credential: <id> of consumer: <username>");
 *   <li>a plugin appears in at most one global rule: 400 "plugin <name> already exists in global
 *       rule with id <id>".
 * </ul>
 *
 * A bulk write runs them on the state it leaves ({@link #checkBulk}): against the stored objects it
 * keeps and against each other.
 */
final class CrossChecks {
  private final AdminContext c;

  CrossChecks(AdminContext c) {
    this.c = c;
  }

  private static boolean keyed(ResourceType<?> type) {
    // consumers and their credentials share the consumers directory and the key-auth keys
    return type.name().equals(StandardTypes.CONSUMERS.name()) || type.name().equals(StandardTypes.CREDENTIALS.name());
  }

  private static boolean globalRules(ResourceType<?> type) {
    return type.name().equals(StandardTypes.GLOBAL_RULES.name());
  }

  void check(Calls calls, ResourceType<?> type, String key, ObjectNode value, Txn.Builder txn) {
    if (!keyed(type) && !globalRules(type)) {
      return;
    }
    if (keyed(type) && authKey(value) == null) {
      return;
    }
    String dir = c.prefix + "/" + type.path() + "/";
    Listing listing = calls.call("list " + dir, false, () -> c.source.list(dir)); // only the directory the check reads and the txn compares
    Map<String, byte[]> others = new LinkedHashMap<>();
    for (KeyValue kv : listing.kvs()) {
      others.put(kv.key(), kv.valueUnsafe());
    }
    String conflict = conflict(type, dir, key, value, others);
    if (conflict != null) {
      throw Problem.badRequest(conflict);
    }
    txn.ifUnchangedSince(dir, listing.revision());
  }

  /** The directories {@link #checkBulk} reads for writes of these types (none for most types). */
  Set<String> dirsChecked(java.util.Collection<ResourceType<?>> written) {
    Set<String> dirs = new HashSet<>();
    for (ResourceType<?> type : written) {
      if (keyed(type) || globalRules(type)) {
        dirs.add(c.prefix + "/" + type.path() + "/");
      }
    }
    return dirs;
  }

  /**
   * The same checks for a bulk write, on the state it leaves: {@code listed} with {@code finals}
   * applied (null: deleted). {@code written} maps each key the bulk puts to its type and where to
   * name it in an error. Returns the directories whose listing the checks read (the transaction
   * compares them unchanged since).
   */
  Set<String> checkBulk(List<KeyValue> listed, Map<String, byte @Nullable []> finals, Map<String, ResourceType<?>> written,
      Map<String, String> where) {
    Map<String, byte[]> state = new LinkedHashMap<>();
    for (KeyValue kv : listed) {
      state.put(kv.key(), kv.valueUnsafe());
    }
    finals.forEach((k, v) -> {
      if (v == null) {
        state.remove(k);
      } else {
        state.put(k, v);
      }
    });
    Set<String> dirs = new HashSet<>();
    for (Map.Entry<String, ResourceType<?>> e : written.entrySet()) {
      ResourceType<?> type = e.getValue();
      if (!keyed(type) && !globalRules(type)) {
        continue;
      }
      byte[] bytes = state.get(e.getKey());
      ObjectNode value = bytes == null ? null : Json.parseStored(bytes);
      if (value == null || (keyed(type) && authKey(value) == null)) {
        continue;
      }
      String dir = c.prefix + "/" + type.path() + "/";
      String conflict = conflict(type, dir, e.getKey(), value, state);
      if (conflict != null) {
        throw Problem.badRequest(where.getOrDefault(e.getKey(), "") + conflict);
      }
      dirs.add(dir);
    }
    return dirs;
  }

  /** Why {@code value} at {@code key} conflicts with one of {@code others} (by key; its own entry is skipped), or null. */
  private static @Nullable String conflict(ResourceType<?> type, String dir, String key, ObjectNode value, Map<String, byte[]> others) {
    boolean consumers = keyed(type);
    String authKey = consumers ? authKey(value) : null;
    for (Map.Entry<String, byte[]> kv : others.entrySet()) {
      String k = kv.getKey();
      if (!k.startsWith(dir) || k.equals(key)) {
        continue;
      }
      if (k.startsWith(key + "/")) {
        continue; // a consumer does not conflict with its own credentials
      }
      ObjectNode other = Json.parseStored(kv.getValue());
      if (other == null) {
        continue;
      }
      String rest = k.substring(dir.length());
      if (consumers) {
        if (authKey != null && authKey.equals(authKey(other))) {
          int slash = rest.indexOf('/');
          String owner = slash < 0 ? "consumer: " + rest
              : "credential: " + rest.substring(rest.lastIndexOf('/') + 1) + " of consumer: " + rest.substring(0, slash);
          return "duplicate key found with " + owner;
        }
      } else {
        Iterator<String> names = value.path("plugins").fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          if (other.path("plugins").has(name)) {
            return "plugin " + name + " already exists in global rule with id " + quote(rest);
          }
        }
      }
    }
    return null;
  }

  private static @Nullable String authKey(ObjectNode value) {
    JsonNode k = value.path("plugins").path("key-auth").path("key");
    return k.isTextual() ? k.textValue() : null;
  }
}
