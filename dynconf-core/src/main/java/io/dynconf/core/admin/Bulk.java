package io.dynconf.core.admin;

import static io.dynconf.core.admin.Responses.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.ConfigItem;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.Reference;
import io.dynconf.core.ResourceKey;
import io.dynconf.core.ResourceType;
import io.dynconf.core.spi.ConfigSource;
import io.dynconf.core.spi.KeyValue;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.Txn;
import io.dynconf.core.spi.TxnResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;
/** {@code POST <pathPrefix>/bulk}: many PUTs and DELETEs validated together and committed in one transaction. */
final class Bulk {
  private final AdminContext c;
  private final ReferenceGuard guard;
  private final CrossChecks crossChecks;
  private final ConfigSource source;
  private final String prefix;
  private final Map<String, ResourceType<?>> typesByPath;
  private final Map<String, ResourceType<?>> typesByName;
  private final ExecutorService executor;
  private final Duration requestTimeout;

  Bulk(AdminContext c, ReferenceGuard guard) {
    this.crossChecks = new CrossChecks(c);
    this.c = c;
    this.guard = guard;
    this.source = c.source;
    this.prefix = c.prefix;
    this.typesByPath = c.typesByPath;
    this.typesByName = c.typesByName;
    this.executor = c.executor;
    this.requestTimeout = c.requestTimeout;
  }

  private record BulkOp(int index, boolean delete, ResourceType<?> type, ResourceKey key, @Nullable ObjectNode body) {
    String where() {
      return "operations/" + index + " (" + type.path() + " " + key.id() + "): ";
    }
  }

  AdminResponse bulk(AdminRequest request, Flags flags, long arrivedNanos) {
    List<BulkOp> ops = operations(request);
    Calls calls = new Calls(executor, requestTimeout, arrivedNanos, source.readsFromMemory());
    for (int attempt = 0; ; attempt++) { // until the request deadline
      calls.backoff(attempt);
      AdminResponse done = new Attempt(ops, calls, flags).run();
      if (done != null) {
        return done;
      }
    }
  }

  private List<BulkOp> operations(AdminRequest request) {
    if (request.bodyLength() == 0) {
      throw Problem.badRequest("missing configurations: the body is {\"operations\": [{\"method\": \"PUT\", \"type\": \"routes\", \"id\": \"1\", \"value\": {...}}, ...]}");
    }
    JsonNode body = Json.parse(request.bodyUnsafe());
    JsonNode list = body.path("operations");
    if (!body.isObject() || !list.isArray() || list.isEmpty()) {
      throw Problem.badRequest("invalid configuration: the body must be an object whose \"operations\" is a non-empty array");
    }
    if (list.size() > AdminApi.MAX_BULK_OPERATIONS) {
      throw Problem.badRequest("too many operations: " + list.size() + "; at most " + AdminApi.MAX_BULK_OPERATIONS + " in one bulk request");
    }
    List<BulkOp> ops = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      ops.add(bulkOp(i, list.get(i), seen));
    }
    return ops;
  }

  /**
   * One attempt at a bulk: read, check everything against what was read, write in one transaction
   * that compares what was read. Each phase is its own method (the JIT compiles them apart: as one
   * method of 200 lines, each recompilation of it took the compiler a second and a half).
   */
  private final class Attempt {
    private final List<BulkOp> ops;
    private final Calls calls;
    private final Flags flags;
    private final boolean deletes;
    private final Listing listing;
    private final Map<String, KeyValue> current = new HashMap<>();
    private final Map<String, byte @Nullable []> finals = new LinkedHashMap<>(); // key -> new bytes, null for a delete
    private final Map<String, ObjectNode> values = new HashMap<>();
    private final Map<String, ConfigItem<?>> items = new HashMap<>();
    private final Txn.Builder txn = Txn.builder();
    private final Set<String> compared = new HashSet<>();
    private final Set<String> ranges = new HashSet<>();
    private final Map<BulkOp, List<Reference>> refs = new HashMap<>(); // each put's references, found once

    Attempt(List<BulkOp> ops, Calls calls, Flags flags) {
      this.ops = ops;
      this.calls = calls;
      this.flags = flags;
      this.deletes = ops.stream().anyMatch(BulkOp::delete);
      this.listing = read();
    }

    /** The answer, or null when the transaction's compare failed (something read here changed). */
    @Nullable AdminResponse run() {
      prepare();
      guardChildren();
      compareDeleted();
      findReferences();
      if (!deletes) {
        readReferenced();
      }
      checkReferences();
      crossCheck();
      if (!flags.force()) {
        checkInUse();
      }
      for (Map.Entry<String, byte @Nullable []> e : finals.entrySet()) {
        if (e.getValue() == null) {
          txn.delete(e.getKey());
        } else {
          txn.put(e.getKey(), e.getValue());
        }
      }
      c.checkTxnSize(finals.size(), compared.size() + ranges.size());
      if (flags.dryRun()) {
        return dryRunAnswer();
      }
      items.forEach((k, item) -> c.offerChecked(k, Objects.requireNonNull(finals.get(k), "a put's bytes"), item));
      TxnResult r = calls.call("bulk write of " + ops.size() + " operations", true, () -> source.txn(txn.build()));
      return r.succeeded() ? answer(r) : null; // null: read and validate again
    }

    /**
     * A bulk that deletes reads the whole prefix (children, referrers); one that only puts reads its
     * own keys, what they reference and the directories its cross checks need: at 100,000 routes a
     * whole listing per bulk was most of a bulk's cost (and etcd's).
     */
    private Listing read() {
      Listing read = deletes ? calls.call("list " + prefix, false, source::list)
          : calls.call("get " + ops.size() + " keys", false, () -> source.getAll(ops.stream().map(o -> o.key().toKey()).toList()));
      for (KeyValue kv : read.kvs()) {
        current.put(kv.key(), kv);
      }
      return read;
    }

    /** Each operation's outcome: a delete (with its children) or a put's stamped, checked bytes. */
    private void prepare() {
      for (BulkOp op : ops) {
        String k = op.key().toKey();
        KeyValue prev = current.get(k);
        if (op.delete()) {
          if (prev == null) {
            throw new Problem(404, op.where() + kind(op.type()) + " " + op.key().id() + " not found");
          }
          finals.put(k, null);
          if (!c.children(op.type()).isEmpty()) { // its credentials go with it, as with a single DELETE
            for (KeyValue kv : listing.kvs()) {
              if (kv.key().startsWith(k + "/")) {
                finals.putIfAbsent(kv.key(), null);
              }
            }
          }
          continue;
        }
        ObjectNode value = Objects.requireNonNull(op.body()).deepCopy();
        c.injectId(op.type(), value, op.key().id());
        c.stamp(op.type(), value, prev == null ? null : Json.parseStored(prev.valueUnsafe()), true);
        byte[] bytes = Json.bytes(value);
        items.put(k, c.validate(op.type(), op.key(), bytes, op.where()));
        values.put(k, value);
        finals.put(k, bytes);
      }
    }

    /** A deleted parent goes with all its children: no child may be written here or appear since the listing. */
    private void guardChildren() {
      for (BulkOp op : ops) {
        if (op.delete() && !c.children(op.type()).isEmpty()) {
          String childDir = op.key().toKey() + "/";
          for (BulkOp other : ops) {
            if (!other.delete() && other.key().toKey().startsWith(childDir)) {
              throw Problem.badRequest(other.where() + "its " + kind(op.type()) + " " + quote(op.key().id()) + " is deleted by " + op.where().trim()
                  .replaceAll(":$", "") + " of this request");
            }
          }
          if (ranges.add(childDir)) {
            txn.ifUnchangedSince(childDir, listing.revision());
          }
        }
      }
    }

    private void compareDeleted() {
      for (BulkOp op : ops) {
        String k = op.key().toKey();
        if (op.delete()) {
          txn.ifModRevision(k, Objects.requireNonNull(current.get(k), "listed above").modRevision());
          compared.add(k);
        }
      }
    }

    private void findReferences() {
      for (BulkOp op : ops) {
        if (!op.delete()) {
          ConfigItem<?> item = Objects.requireNonNull(items.get(op.key().toKey()), "validated above");
          refs.put(op, guard.referencesOf(op.type(), item.value()));
        }
      }
    }

    /** What the puts reference, unless written here: read at once. */
    private void readReferenced() {
      Set<String> targets = new HashSet<>();
      for (List<Reference> rs : refs.values()) {
        for (Reference ref : rs) {
          ResourceType<?> target = typesByName.get(ref.type());
          ResourceKey tk = target == null ? null : c.tryKey(target, ref.id());
          if (tk != null && !finals.containsKey(tk.toKey())) {
            targets.add(tk.toKey());
          }
        }
      }
      if (!targets.isEmpty()) {
        for (KeyValue kv : calls.call("get " + targets.size() + " referenced keys", false, () -> source.getAll(targets)).kvs()) {
          current.put(kv.key(), kv);
        }
      }
    }

    private void checkReferences() {
      for (BulkOp op : ops) {
        if (op.delete()) {
          continue;
        }
        for (Reference ref : Objects.requireNonNull(refs.get(op), "found above")) {
          ResourceType<?> target = typesByName.get(ref.type());
          if (target != null) {
            checkReference(op, ref, target);
          }
        }
      }
    }

    private void checkReference(BulkOp op, Reference ref, ResourceType<?> target) {
      ResourceKey tk = c.tryKey(target, ref.id());
      String field = "/" + ref.field().replace('.', '/');
      String missing = op.where() + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id()) + " does not exist";
      if (tk == null) {
        throw Problem.badRequest(missing);
      }
      String tks = tk.toKey();
      if (finals.containsKey(tks)) {
        if (finals.get(tks) == null) {
          throw Problem.badRequest(missing + " (this request deletes it)");
        }
        return; // written by this transaction
      }
      KeyValue x = current.get(tks);
      if (x == null) {
        throw Problem.badRequest(missing);
      }
      ReferenceGuard.checkTarget(ref, target, x, op.where());
      if (compared.add(tks)) {
        try {
          guard.checkStored(target, tk, x);
        } catch (InvalidConfigException e) {
          throw Problem.badRequest(op.where() + "invalid configuration: " + field + ": " + kind(target) + " " + quote(ref.id())
              + " is stored but invalid (" + e.getMessage() + "); fix it first");
        }
        txn.ifModRevision(tks, x.modRevision());
      }
    }

    /** The checks single writes make against the other objects of their kind, on the state this bulk leaves. */
    private void crossCheck() {
      Map<String, ResourceType<?>> written = new LinkedHashMap<>();
      Map<String, String> whereOf = new HashMap<>();
      for (BulkOp op : ops) {
        if (!op.delete()) {
          written.put(op.key().toKey(), op.type());
          whereOf.put(op.key().toKey(), op.where());
        }
      }
      Map<String, Long> readAt = new HashMap<>(); // directory -> the revision its listing was read at
      List<KeyValue> checked = listing.kvs();
      if (!deletes) {
        checked = new ArrayList<>();
        for (String dir : crossChecks.dirsChecked(written.values())) {
          Listing d = calls.call("list " + dir, false, () -> source.list(dir));
          checked.addAll(d.kvs());
          readAt.put(dir, d.revision());
        }
      }
      for (String dir : crossChecks.checkBulk(checked, finals, written, whereOf)) {
        if (ranges.add(dir)) {
          txn.ifUnchangedSince(dir, deletes ? listing.revision() : Objects.requireNonNull(readAt.get(dir), "read above"));
        }
      }
    }

    private void checkInUse() {
      for (BulkOp op : ops) {
        if (op.delete()) {
          List<String> users = guard.referrersOf(listing.kvs(), op.type(), op.key().id(), finals);
          if (!users.isEmpty()) {
            throw Problem.badRequest(op.where() + guard.inUse(op.type(), users));
          }
          for (ResourceType<?> t : guard.referringTypes(op.type())) {
            String range = prefix + "/" + t.path() + "/";
            if (ranges.add(range)) { // no possible referrer changed since the listing found none
              txn.ifUnchangedSince(range, listing.revision());
            }
          }
        }
      }
    }

    private AdminResponse dryRunAnswer() {
      ObjectNode out = Json.object();
      out.put("dry_run", true);
      ArrayNode arr = out.putArray("list");
      for (BulkOp op : ops) {
        arr.add(op.delete() ? deleted(op.key().toKey()) : dryRun(op.key(), Objects.requireNonNull(values.get(op.key().toKey()), "validated above")));
      }
      return json(200, out, null);
    }

    private AdminResponse answer(TxnResult r) {
      ObjectNode out = Json.object();
      out.put("revision", r.revision());
      ArrayNode arr = out.putArray("list");
      for (BulkOp op : ops) {
        String k = op.key().toKey();
        if (op.delete()) {
          arr.add(deleted(k));
        } else {
          ObjectNode o = arr.addObject();
          o.put("key", k);
          o.set("value", values.get(k)); // as a single write's answer: no indexes (the revision is above)
        }
      }
      return json(200, out, null, r.revision());
    }
  }

  private BulkOp bulkOp(int i, JsonNode node, Set<String> seen) {
    String where = "operations/" + i + ": ";
    if (!node.isObject()) {
      throw Problem.badRequest(where + "must be an object with method, type, id and (for PUT) value");
    }
    String method = node.path("method").asText("").toUpperCase(Locale.ROOT);
    if (!method.equals("PUT") && !method.equals("DELETE")) {
      throw Problem.badRequest(where + "method must be PUT or DELETE, was " + quote(node.path("method").toString()));
    }
    String typeName = node.path("type").asText("");
    ResourceType<?> type = c.typeNamed(typeName);
    if (type == null) {
      throw Problem.badRequest(where + "Unsupported resource type: " + typeName);
    }
    c.refuseIfDisabled(type, where);
    if (AdminApi.APISIX_UNSUPPORTED.getOrDefault(type, Set.of()).contains(method)) {
      throw Problem.badRequest(where + "not supported `" + method + "` method for " + kind(type));
    }
    JsonNode value = node.get("value");
    String id = Json.idText(node.get("id"));
    if (id == null && value != null && value.isObject()) {
      id = Json.idText(value.get(type.idField()));
    }
    if (id == null) {
      throw Problem.badRequest(where + "missing " + kind(type) + " id");
    }
    ResourceKey key;
    try {
      key = ResourceKey.of(prefix, type.path(), id);
      if (type.idSegments() == 1 && id.contains("/")) {
        throw new IllegalArgumentException("id " + quote(id) + " must be one path segment");
      }
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest(where + "invalid " + kind(type) + " id: " + e.getMessage());
    }
    if (!seen.add(key.toKey())) {
      throw Problem.badRequest(where + key.toKey() + " appears more than once");
    }
    if (method.equals("DELETE")) {
      return new BulkOp(i, true, type, key, null);
    }
    if (value == null || !value.isObject()) {
      throw Problem.badRequest(where + "value must be a JSON object");
    }
    ObjectNode body = (ObjectNode) value;
    String bodyId = Json.idText(body.get(type.idField()));
    if (bodyId != null && !bodyId.equals(id)) {
      throw Problem.badRequest(where + wrongId(type, bodyId, id));
    }
    try {
      c.forbidTimestamps(body);
    } catch (Problem p) {
      throw Problem.badRequest(where + p.getMessage());
    }
    return new BulkOp(i, false, type, key, body);
  }
}
