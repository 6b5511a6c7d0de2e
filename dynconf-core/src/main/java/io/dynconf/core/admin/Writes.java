package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
/**
 * PUT, POST, PATCH and DELETE of one object: the write loop (read, build, validate, guard the
 * references, commit in one transaction comparing everything read; retry until the deadline on a
 * lost race) and the delete that refuses while referrers exist.
 */
final class Writes {
  private final AdminContext c;
  private final ReferenceGuard guard;
  private final CrossChecks crossChecks;
  private final ConfigSource source;
  private final String prefix;
  private final String pathPrefix;
  private final Set<ResourceType<?>> timestamped;

  Writes(AdminContext c, ReferenceGuard guard) {
    this.c = c;
    this.crossChecks = new CrossChecks(c);
    this.guard = guard;
    this.source = c.source;
    this.prefix = c.prefix;
    this.pathPrefix = c.pathPrefix;
    this.timestamped = c.timestamped;
  }

  private enum Mode {
    PUT,
    POST,
    PATCH
  }

  /** Builds the value to store from the current one (null when absent). */
  @FunctionalInterface
  private interface ValueBuilder {
    ObjectNode build(@Nullable KeyValue prev, @Nullable ObjectNode prevJson);
  }

  @Nullable AdminResponse put(Calls calls, ResourceType<?> type, @Nullable String pathId, AdminRequest request, Conditions conditions, Flags flags) {
    ObjectNode body = c.bodyObject(request, type);
    c.forbidTimestamps(body);
    String bodyId = Json.idText(body.get(type.idField()));
    String id = pathId;
    if (id == null) {
      if (bodyId == null) {
        throw Problem.badRequest("missing " + kind(type) + " id");
      }
      id = bodyId;
    } else if (bodyId != null && !bodyId.equals(id) && !(type.nestedSegment() != null && bodyId.equals(id.substring(id.lastIndexOf('/') + 1)))) {
      throw Problem.badRequest(wrongId(type, bodyId, id));
    }
    ResourceKey key = c.key(type, id);
    if (type.nestedSegment() != null) { // APISIX: a credential of a consumer that does not exist is 404, before anything is written
      String parentKey = c.prefix + "/" + type.path() + "/" + id.substring(0, id.indexOf('/'));
      if (calls.call("get " + parentKey, false, () -> source.get(parentKey)) == null) {
        throw new Problem(404, "consumer not found: " + quote(parentKey) + " does not exist; create the " + type.path()
            .replaceAll("s$", "") + " " + quote(id.substring(0, id.indexOf('/'))) + " first");
      }
    }
    String finalId = id;
    return write(calls, type, key, Mode.PUT, conditions, flags, (prev, prevJson) -> {
      ObjectNode value = body.deepCopy();
      c.injectId(type, value, finalId);
      c.stamp(type, value, prevJson, true);
      return value;
    });
  }

  AdminResponse post(Calls calls, ResourceType<?> type, AdminRequest request, Flags flags) {
    if (!type.idField().equals("id") || type.idSegments() != 1) {
      throw new Problem(405, "not supported `POST` method for " + kind(type) + ": its id is not generated (use PUT)", Map.of("Allow", "GET, PUT, PATCH, DELETE"), Map.of());
    }
    ObjectNode body = c.bodyObject(request, type);
    if (body.hasNonNull("id")) {
      throw Problem.badRequest("wrong " + kind(type) + " id, do not need it: POST generates the id; use PUT to choose one");
    }
    c.forbidTimestamps(body);
    // validate before an id is spent, so that a rejected POST writes nothing at all
    String placeholder = "0".repeat(20);
    ObjectNode trial = body.deepCopy();
    c.injectId(type, trial, placeholder);
    c.stamp(type, trial, null, true);
    c.validate(type, c.key(type, placeholder), Json.bytes(trial), "");
    for (int attempt = 0; ; attempt++) { // until the request deadline: a taken id is taken by a newer write
      calls.backoff(attempt);
      String id = flags.dryRun() ? placeholder : generateId(calls);
      ResourceKey key = c.key(type, id);
      AdminResponse r = write(calls, type, key, Mode.POST, Conditions.NONE, flags, (prev, prevJson) -> {
        ObjectNode value = body.deepCopy();
        c.injectId(type, value, id);
        c.stamp(type, value, null, true);
        return value;
      });
      if (r != null) {
        return r;
      }
    }
  }

  /**
   * A 20-digit id from the revision of a write to {@code <prefix>/gen_id}, as APISIX makes them:
   * unique, sorted by creation. A source that reads from memory (the in-memory and standalone file
   * sources, which hold only resource types: APISIX's standalone file has no {@code gen_id}) gives
   * the revision after its current one instead; a POST that loses that id to a concurrent write
   * finds it taken and takes the next.
   */
  private String generateId(Calls calls) {
    if (source.readsFromMemory()) {
      long next = calls.call("list " + prefix, false, source::list).revision() + 1;
      return String.format(Locale.ROOT, "%020d", next);
    }
    String genKey = prefix + "/gen_id";
    TxnResult r = calls.call("put " + genKey, true, () -> source.txn(Txn.builder().put(genKey, "1").build()));
    return String.format(Locale.ROOT, "%020d", r.revision());
  }

  @Nullable AdminResponse patch(Calls calls, ResourceType<?> type, String id, List<String> sub, AdminRequest request, Conditions conditions, Flags flags) {
    if (request.bodyLength() == 0) {
      throw Problem.badRequest("missing new configuration");
    }
    JsonNode patch = Json.parse(request.bodyUnsafe());
    if (sub.isEmpty() && !patch.isObject()) {
      throw Problem.badRequest("invalid configuration: a PATCH of the whole " + kind(type) + " takes a JSON object (a merge patch), got " + Json.type(patch));
    }
    if (sub.size() > AdminApi.MAX_SUB_PATH_DEPTH) {
      throw Problem.badRequest("invalid sub-path: at most " + AdminApi.MAX_SUB_PATH_DEPTH + " segments");
    }
    for (String s : sub) {
      if (!AdminApi.SUB_PATH_SEGMENT.matcher(s).matches()) {
        throw Problem.badRequest("invalid sub-path: segment " + quote(s) + " must match " + AdminApi.SUB_PATH_SEGMENT.pattern());
      }
    }
    ResourceKey key = c.key(type, id);
    boolean setsUpdateTime = sub.isEmpty() ? patch.has("update_time") : sub.equals(List.of("update_time"));
    return write(calls, type, key, Mode.PATCH, conditions, flags, (prev, prevJson) -> {
      if (prevJson == null) {
        throw Problem.badRequest(kind(type) + " " + id + " holds a value that is not a JSON object; replace it with PUT");
      }
      ObjectNode value = prevJson.deepCopy();
      if (sub.isEmpty()) {
        Json.mergePatch(value, patch);
      } else {
        Json.setAt(value, sub, patch);
      }
      String idNow = Json.idText(value.get(type.idField()));
      if (idNow != null && !idNow.equals(id)) {
        throw Problem.badRequest(wrongId(type, idNow, id));
      }
      if (type.idField().equals("id")) {
        value.remove("id"); // APISIX's PATCH stores the path's id, a string, even over an integer id a PUT kept
      }
      c.injectId(type, value, id);
      if (timestamped.contains(type)) {
        if (!value.has("create_time")) {
          value.put("create_time", c.unstampedTime.getAsLong()); // what a GET showed for it
        }
        if (!setsUpdateTime) {
          value.put("update_time", c.now());
        }
      }
      return value;
    });
  }

  /**
   * Validates and writes one key in a loop: read the current value, build the new one, validate it,
   * read what it references, and commit all of it in one transaction that compares every key read.
   * Returns null only for a POST whose generated key turned out to be taken.
   */
  private @Nullable AdminResponse write(Calls calls, ResourceType<?> type, ResourceKey key, Mode mode, Conditions conditions, Flags flags, ValueBuilder build) {
    String k = key.toKey();
    for (int attempt = 0; ; attempt++) { // until the request deadline: the calls answer 503 then
      calls.backoff(attempt);
      // the first attempt reads the node's view (no source call); a stale view fails the
      // transaction's compares and the next attempt reads the source. A PATCH reads its key from
      // the source (a change between its read and its write is a 409, which a view that is behind
      // would fake), and only what it references from the view. A dry run reads the source: it has
      // no transaction whose compares would catch a view that is behind.
      var view = attempt == 0 && !conditions.any() && !flags.dryRun() ? c.nodeView : null;
      boolean keyFromView = view != null && mode != Mode.PATCH;
      KeyValue prev = keyFromView ? Objects.requireNonNull(view).apply(k) : calls.call("get " + k, false, () -> source.get(k));
      if (mode == Mode.POST && prev != null) {
        return null;
      }
      conditions.check(type, key.id(), prev); // first: If-Match on an absent object is a 412
      if (mode == Mode.PATCH && prev == null) {
        throw notFound(type, key.id());
      }
      ObjectNode prevJson = prev == null ? null : Json.parseStored(prev.valueUnsafe());
      ObjectNode value = build.build(prev, prevJson);
      byte[] bytes = Json.bytes(value);
      ConfigItem<?> item = c.validate(type, key, bytes, "");
      // a PUT without a condition is last-writer-wins: after two lost races on the key itself it
      // stops comparing it (it still compares what it references), so a hot key cannot starve it
      boolean lastWriterWins = mode == Mode.PUT && !conditions.any() && attempt >= 2;
      Txn.Builder txn = lastWriterWins ? Txn.builder() : Txn.builder().ifModRevision(k, prev == null ? 0 : prev.modRevision());
      Map<String, KeyValue> touched = new LinkedHashMap<>();
      guard.guardReferences(calls, type, item, txn, touched, Set.of(k), "", view);
      crossChecks.check(calls, type, k, value, txn);
      c.checkTxnSize(1, 1 + touched.size());
      txn.put(k, bytes);
      if (flags.dryRun()) {
        return json(200, dryRun(key, value), null);
      }
      c.offerChecked(k, bytes, item);
      TxnResult r = calls.call("write " + k, true, () -> source.txn(txn.build()));
      if (r.succeeded()) {
        ObjectNode body = Json.object();
        body.put("key", k);
        body.set("value", value); // APISIX strips etcd's indexes from a write's answer; the revision is in X-Dynconf-Revision and ETag
        return json(prev == null ? 201 : 200, body, r.revision(), r.revision());
      }
      if (keyFromView) {
        continue; // read the source this time: the view may have been behind
      }
      KeyValue now = calls.call("get " + k, false, () -> source.get(k));
      if (modRevision(now) != modRevision(prev)) {
        conditions.check(type, key.id(), now); // 412 when the change broke the client's condition
        if (mode == Mode.PATCH && now == null) {
          throw notFound(type, key.id());
        }
        if (mode == Mode.PATCH) {
          throw new Problem(409, kind(type) + " " + key.id() + " changed while the patch was applied (revision " + modRevision(prev)
              + ", now " + modRevision(now) + "); read it again and retry");
        }
        if (mode == Mode.POST) {
          return null;
        }
      }
      // a referenced object changed, or last-writer-wins: validate against the new state and retry
    }
  }

  // ---------------------------------------------------------------- delete

  AdminResponse delete(Calls calls, ResourceType<?> type, String id, Conditions conditions, Flags flags) {
    ResourceKey key = c.key(type, id);
    String k = key.toKey();
    List<ResourceType<?>> referring = guard.referringTypes(type); // for an upstream also the holders of traffic-split plugins
    List<ResourceType<?>> children = c.children(type); // deleted with it, as APISIX deletes a consumer's credentials
    boolean checkReferrers = (!flags.force() && !referring.isEmpty()) || !children.isEmpty();
    String childDir = k + "/";
    for (int attempt = 0; ; attempt++) { // until the request deadline
      calls.backoff(attempt);
      KeyValue current;
      List<String> users = List.of();
      long listed = 0;
      List<String> childKeys = new java.util.ArrayList<>();
      if (checkReferrers) {
        Listing listing = calls.call("list " + prefix, false, source::list);
        listed = listing.revision();
        current = c.find(listing, k);
        List<KeyValue> others = new java.util.ArrayList<>(listing.kvs().size());
        for (KeyValue kv : listing.kvs()) {
          if (kv.key().startsWith(childDir)) {
            childKeys.add(kv.key()); // a child refers to its parent: not a user that blocks the delete
          } else {
            others.add(kv);
          }
        }
        if (current != null && !flags.force()) {
          users = guard.referrersOf(others, type, id, Map.of());
        }
        if (childKeys.size() + 1 > c.maxTxnOps) {
          throw Problem.badRequest("can not delete this " + kind(type) + ": it has " + childKeys.size() + " nested objects (credentials) and one "
              + "transaction deletes at most " + (c.maxTxnOps - 1) + "; delete some of them first");
        }
      } else {
        current = calls.call("get " + k, false, () -> source.get(k));
      }
      conditions.check(type, id, current); // first: If-Match on an absent object is a 412
      if (current == null) {
        throw notFound(type, id);
      }
      if (!users.isEmpty()) {
        throw Problem.badRequest(guard.inUse(type, users));
      }
      ObjectNode body = Json.object();
      body.put("deleted", "1");
      body.put("key", k);
      if (flags.dryRun()) {
        body.put("dry_run", true);
        return json(200, body, null);
      }
      Txn.Builder txn = Txn.builder().ifModRevision(k, current.modRevision()).delete(k);
      if (checkReferrers) { // no object that may reference this one changed since the listing found none
        for (ResourceType<?> t : referring) {
          txn.ifUnchangedSince(prefix + "/" + t.path() + "/", listed);
        }
        if (!children.isEmpty()) { // and no child appeared since: the parent goes with all its children
          txn.ifUnchangedSince(childDir, listed);
          childKeys.forEach(txn::delete);
        }
      }
      TxnResult r = calls.call("delete " + k, true, () -> source.txn(txn.build()));
      if (r.succeeded()) {
        return json(200, body, null, r.revision());
      }
      KeyValue now = calls.call("get " + k, false, () -> source.get(k));
      conditions.check(type, id, now); // 412 when the change broke the client's condition; else look again
      if (now == null) {
        throw notFound(type, id);
      }
      // it changed, or a possible referrer changed since the listing: look again
    }
  }
}
