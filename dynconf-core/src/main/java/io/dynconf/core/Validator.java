package io.dynconf.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.internal.Pipeline;
import io.dynconf.core.spi.ChangeEvent;
import io.dynconf.core.spi.KeyValue;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Routes a key to its resource type and runs the type's pipeline within the registry's JSON
 * limits. Stateless: any thread may call it (the watch's, before queueing, and the apply thread's,
 * for listings).
 *
 * <p>Every failure of one value becomes a rejection naming its cause, including an {@link Error}
 * from a decoder or checker and a {@link StackOverflowError} (a per-value failure: a deeper value
 * overflows, another does not). Any other {@link VirtualMachineError} (out of memory, an internal
 * error) says nothing about the value: it is thrown on, and the apply loop answers it with a
 * resync, so a good value is never kept out by a failure of the machine.
 */
final class Validator {
  private final String prefix;
  private final Map<String, ResourceType<?>> typesByPath;
  private final ObjectMapper mapper;
  private final int maxDepth;
  private final int maxValueBytes;
  private final CheckedValues checkedValues;

  Validator(String prefix, Map<String, ResourceType<?>> typesByPath, int maxDepth, int maxValueBytes, CheckedValues checkedValues) {
    this.prefix = prefix;
    this.checkedValues = checkedValues;
    this.typesByPath = typesByPath;
    this.maxDepth = maxDepth;
    this.maxValueBytes = maxValueBytes;
    this.mapper = Pipeline.mapper(maxDepth);
  }

  /** One event after validation. */
  record Checked(ChangeEvent event, ResourceType<?> type, ResourceKey key, @Nullable ConfigItem<?> item, @Nullable String field,
      @Nullable String reason) {
    boolean isDelete() {
      return event.type() == ChangeEvent.Type.DELETE;
    }

    boolean isRejected() {
      return reason != null;
    }

    KeyValue kv() {
      return Objects.requireNonNull(event.kv(), "a put carries its value");
    }
  }

  /** The checked event, or null when the key is not a resource key of a registered type. */
  @Nullable Checked check(ChangeEvent e) {
    ResourceType<?> type = route(e.key());
    if (type == null) {
      return null;
    }
    ResourceKey key = ResourceKey.tryParse(prefix, e.key(), type.idSegments()).orElse(null);
    if (key == null) {
      return null;
    }
    if (e.type() == ChangeEvent.Type.DELETE) {
      return new Checked(e, type, key, null, null, null);
    }
    KeyValue kv = Objects.requireNonNull(e.kv());
    byte[] bytes = kv.valueUnsafe();
    if (bytes.length <= maxValueBytes && depthBelow(bytes, maxDepth)) { // this registry's own limits first
      ConfigItem<?> checked = checkedValues.take(e.key(), bytes, kv.createRevision(), kv.modRevision());
      if (checked != null) {
        return new Checked(e, type, key, checked, null, null);
      }
    }
    try {
      ObjectNode json = Pipeline.parseObject(kv.valueUnsafe(), mapper, maxDepth, maxValueBytes);
      ConfigItem<?> item = Pipeline.decode(type, key, json, kv.createRevision(), kv.modRevision());
      return new Checked(e, type, key, item, null, null);
    } catch (InvalidConfigException ex) {
      return new Checked(e, type, key, null, ex.field(), ex.reason());
    } catch (StackOverflowError ex) {
      return new Checked(e, type, key, null, "", type.name() + " checker failed: " + ex + " (the value is too deeply nested or recursive)");
    } catch (VirtualMachineError ex) {
      throw ex; // not the value's fault: the apply loop resyncs
    } catch (RuntimeException | Error ex) {
      return new Checked(e, type, key, null, "", type.name() + " checker failed: " + ex);
    }
  }

  /**
   * Whether {@code json}'s arrays and objects nest less deeply than {@code limit} (strings and
   * their escapes skipped). Conservative: a value exactly at the parser's limit, which the parser
   * would take, is checked in full instead.
   */
  static boolean depthBelow(byte[] json, int limit) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < json.length; i++) {
      byte b = json[i];
      if (inString) {
        if (b == '\\') {
          i++;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        if (++depth >= limit) {
          return false;
        }
      } else if (b == '}' || b == ']') {
        depth--;
      }
    }
    return true;
  }

  private @Nullable ResourceType<?> route(String key) {
    String route = ResourceType.routeOf(prefix, key);
    return route == null ? null : typesByPath.get(route);
  }
}
