package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import java.util.Iterator;

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
 * Bulk writes do not run these checks yet.
 */
final class CrossChecks {
  private final AdminContext c;

  CrossChecks(AdminContext c) {
    this.c = c;
  }

  void check(Calls calls, ResourceType<?> type, String key, ObjectNode value, Txn.Builder txn) {
    // consumers and their credentials share the consumers directory and the key-auth keys
    boolean consumers = type.name().equals(StandardTypes.CONSUMERS.name()) || type.name().equals(StandardTypes.CREDENTIALS.name());
    boolean globalRules = type.name().equals(StandardTypes.GLOBAL_RULES.name());
    if (!consumers && !globalRules) {
      return;
    }
    String authKey = consumers ? authKey(value) : null;
    if (consumers && authKey == null) {
      return;
    }
    String dir = c.prefix + "/" + type.path() + "/";
    Listing listing = calls.call("list " + c.prefix, false, c.source::list);
    for (KeyValue kv : listing.kvs()) {
      if (!kv.key().startsWith(dir) || kv.key().equals(key)) {
        continue;
      }
      if (kv.key().startsWith(key + "/")) {
        continue; // a consumer does not conflict with its own credentials
      }
      ObjectNode other = Json.parseStored(kv.valueUnsafe());
      if (other == null) {
        continue;
      }
      String rest = kv.key().substring(dir.length());
      if (consumers) {
        if (authKey != null && authKey.equals(authKey(other))) {
          int slash = rest.indexOf('/');
          String owner = slash < 0 ? "consumer: " + rest
              : "credential: " + rest.substring(rest.lastIndexOf('/') + 1) + " of consumer: " + rest.substring(0, slash);
          throw Problem.badRequest("duplicate key found with " + owner);
        }
      } else {
        Iterator<String> names = value.path("plugins").fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          if (other.path("plugins").has(name)) {
            throw Problem.badRequest("plugin " + name + " already exists in global rule with id " + quote(rest));
          }
        }
      }
    }
    txn.ifUnchangedSince(dir, listing.revision());
  }

  private static @org.jspecify.annotations.Nullable String authKey(ObjectNode value) {
    JsonNode k = value.path("plugins").path("key-auth").path("key");
    return k.isTextual() ? k.textValue() : null;
  }
}
