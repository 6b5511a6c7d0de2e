package io.dynconf.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.everit.json.schema.Schema;
import org.everit.json.schema.loader.SchemaLoader;
import org.json.JSONObject;
import org.json.JSONTokener;
import org.jspecify.annotations.Nullable;

/**
 * Describes one kind of resource kept under {@code <prefix>/<path>/<id>}: its Java type, its JSON
 * schema, a semantic checker, an optional compile step, and the references it makes to other
 * types. Immutable; build with {@link #builder(String, Class)}.
 *
 * <p>The pipeline for each value, in order: JSON parse (must be an object) → the id in the value
 * (field {@link #idField()}, when present) must equal the key's id → schema → {@link Decoder} →
 * {@link Checker} → compile. The first failure rejects the value with an {@link
 * InvalidConfigException}; the previous good value keeps serving.
 *
 * <pre>{@code
 * ResourceType<Quota> QUOTAS = ResourceType.builder("quotas", Quota.class)
 *     .schema("{\"type\":\"object\",\"required\":[\"limit\"]}")
 *     .checker(q -> { if (q.limit() > 1000) throw new InvalidConfigException("/limit", "at most 1000"); })
 *     .build();
 * }</pre>
 */
public final class ResourceType<T> {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();

  /** Turns a schema-valid JSON object into the immutable Java value. */
  @FunctionalInterface
  public interface Decoder<T> {
    T decode(ResourceKey key, ObjectNode json) throws IOException;
  }

  /** Semantic checks the schema cannot express; throws {@link InvalidConfigException}. */
  @FunctionalInterface
  public interface Checker<T> {
    void check(T value);
  }

  private final String name;
  private final String path;
  private final Class<T> javaType;
  private final @Nullable Schema schema;
  private final Decoder<T> decoder;
  private final Checker<T> checker;
  private final @Nullable Function<? super T, ?> compiler;
  private final Function<? super T, List<Reference>> references;
  private final Set<String> referencedTypes;
  private final String idField;
  private final int idSegments;
  private final @Nullable String nestedSegment;

  private ResourceType(Builder<T> b) {
    this.name = b.name;
    this.path = b.path;
    this.javaType = b.javaType;
    this.schema = b.schema;
    this.decoder = b.decoder != null ? b.decoder : jacksonDecoder(b.javaType);
    this.checker = b.checker;
    this.compiler = b.compiler;
    this.references = b.references;
    this.referencedTypes = Set.copyOf(b.referencedTypes);
    this.idField = b.idField;
    this.idSegments = b.idSegments;
    this.nestedSegment = b.nestedSegment;
  }

  public static <T> Builder<T> builder(String name, Class<T> javaType) {
    return new Builder<>(name, javaType);
  }

  /**
   * This type with {@code extra} run after its own checker: the same name, path, schema, decoder,
   * compiler and references, so a registry built with the variant serves the same store (found by
   * name). For checks that depend on the deployment, such as the plugins a gateway knows.
   */
  public ResourceType<T> withExtraChecker(Checker<T> extra) {
    Objects.requireNonNull(extra, "extra");
    Checker<T> own = checker;
    Builder<T> b = new Builder<>(name, javaType);
    b.path = path;
    b.schema = schema;
    b.decoder = decoder;
    b.checker = v -> {
      own.check(v);
      extra.check(v);
    };
    b.compiler = compiler;
    b.references = references;
    b.referencedTypes = referencedTypes;
    b.idField = idField;
    b.idSegments = idSegments;
    b.nestedSegment = nestedSegment;
    return new ResourceType<>(b);
  }

  /** The type's name, for example {@code routes}. */
  public String name() {
    return name;
  }

  /** The key segment under the prefix, for example {@code routes} (by default the name). */
  public String path() {
    return path;
  }

  public Class<T> javaType() {
    return javaType;
  }

  public @Nullable Schema schema() {
    return schema;
  }

  public Decoder<T> decoder() {
    return decoder;
  }

  public Checker<T> checker() {
    return checker;
  }

  public @Nullable Function<? super T, ?> compiler() {
    return compiler;
  }

  /** The references a value makes (each must resolve for the value to be served). */
  public List<Reference> referencesOf(T value) {
    return references.apply(value);
  }

  /** The names of the types this type may reference. */
  public Set<String> referencedTypes() {
    return referencedTypes;
  }

  /** The field of the value that repeats the id ({@code id}; {@code username} for consumers). */
  public String idField() {
    return idField;
  }

  /** How many key segments form the id (1; 2 for secrets such as {@code vault/1}). */
  public int idSegments() {
    return idSegments;
  }

  /**
   * The fixed middle segment of a type nested under another's objects (see {@link
   * Builder#nestedUnder}): {@code credentials} for APISIX's consumer credentials; null otherwise.
   */
  public @Nullable String nestedSegment() {
    return nestedSegment;
  }

  /**
   * The key that routes a stored key to this type: the {@link #path()}, or for a nested type
   * {@code <path>/&#42;/<nestedSegment>} ({@code consumers/&#42;/credentials}). Types of one registry have
   * distinct route keys; {@link #routeOf} computes the route key of a stored key.
   */
  public String routeKey() {
    return nestedSegment == null ? path : path + "/*/" + nestedSegment;
  }

  /**
   * The route key of the stored key {@code key} under {@code prefix} (normalised, no trailing
   * slash): {@code routes} for {@code /apisix/routes/1}, {@code consumers/&#42;/credentials} for
   * {@code /apisix/consumers/jack/credentials/a}; null when the key is not under the prefix or
   * names no object.
   */
  public static @Nullable String routeOf(String prefix, String key) {
    int start = prefix.length() + 1;
    if (!key.startsWith(prefix) || key.length() <= start || key.charAt(prefix.length()) != '/') {
      return null;
    }
    int slash = key.indexOf('/', start);
    if (slash < 0) {
      return null;
    }
    return routeOfId(key.substring(start, slash), key.substring(slash + 1));
  }

  /** The route key of id {@code id} (one or more segments) under key segment {@code path}. */
  public static String routeOfId(String path, String id) {
    int a = id.indexOf('/');
    if (a < 0) {
      return path;
    }
    int b = id.indexOf('/', a + 1);
    if (b < 0 || id.indexOf('/', b + 1) >= 0) {
      return path; // one or two segments (secrets' vault/1); four or more route nowhere nested
    }
    return path + "/*/" + id.substring(a + 1, b);
  }

  /**
   * The id this type stores in the value's id field for the object at {@code key}: the key's id, or
   * for a nested type its last segment ({@code a} for {@code /apisix/consumers/jack/credentials/a},
   * as APISIX stores a credential in etcd; its standalone file spells the whole {@code
   * jack/credentials/a}, which is accepted too).
   */
  public String shortId(ResourceKey key) {
    String id = key.id();
    return nestedSegment == null ? id : id.substring(id.lastIndexOf('/') + 1);
  }

  /**
   * Validates one stored value exactly as the registry, the admin API and the file source do
   * (parse, id matches the key, schema, decode, check, compile) and returns the item the registry
   * would serve. References are not resolved here: that needs the other stores.
   *
   * @throws InvalidConfigException naming the field and the reason when the value is refused
   */
  public ConfigItem<T> validate(ResourceKey key, byte[] json, long createRevision, long modRevision) {
    return io.dynconf.core.internal.Pipeline.decode(this, key, json, createRevision, modRevision);
  }

  @Override
  public String toString() {
    return "ResourceType[" + name + "]";
  }

  private static <T> Decoder<T> jacksonDecoder(Class<T> type) {
    if (type == ObjectNode.class || type == JsonNode.class) {
      return (key, json) -> type.cast(json.deepCopy());
    }
    return (key, json) -> DEFAULT_MAPPER.treeToValue(json, type);
  }

  /** Builds a {@link ResourceType}; every setter validates at once. */
  public static final class Builder<T> {
    private final String name;
    private final Class<T> javaType;
    private String path;
    private @Nullable Schema schema;
    private @Nullable Decoder<T> decoder;
    private Checker<T> checker = v -> {};
    private @Nullable Function<? super T, ?> compiler;
    private Function<? super T, List<Reference>> references = v -> List.of();
    private Set<String> referencedTypes = Set.of();
    private String idField = "id";
    private int idSegments = 1;
    private @Nullable String nestedSegment;

    private Builder(String name, Class<T> javaType) {
      if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
        throw new IllegalArgumentException("resource type name \"" + name + "\" must match " + NAME.pattern());
      }
      this.name = name;
      this.path = name;
      this.javaType = Objects.requireNonNull(javaType, "javaType");
    }

    /** The key segment under the prefix when it differs from the name. */
    public Builder<T> path(String path) {
      if (!NAME.matcher(Objects.requireNonNull(path, "path")).matches()) {
        throw new IllegalArgumentException("resource type " + name + ": path \"" + path + "\" must match " + NAME.pattern());
      }
      this.path = path;
      return this;
    }

    public Builder<T> schema(Schema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /** A JSON Schema (draft-07 unless it says otherwise) given as text. */
    public Builder<T> schema(String json) {
      try {
        return schema(load(new JSONObject(new JSONTokener(json))));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("resource type " + name + ": invalid JSON schema: " + e.getMessage(), e);
      }
    }

    /** A JSON Schema read from a class-path resource. */
    public Builder<T> schemaResource(Class<?> anchor, String resource) {
      try (InputStream in = anchor.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalArgumentException("resource type " + name + ": no schema resource " + resource + " next to " + anchor.getName());
        }
        return schema(load(new JSONObject(new JSONTokener(in))));
      } catch (IOException e) {
        throw new UncheckedIOException("resource type " + name + ": cannot read schema " + resource, e);
      }
    }

    private static Schema load(JSONObject json) {
      return SchemaLoader.builder().schemaJson(json).draftV7Support().build().load().build();
    }

    public Builder<T> decoder(Decoder<T> decoder) {
      this.decoder = Objects.requireNonNull(decoder, "decoder");
      return this;
    }

    public Builder<T> checker(Checker<T> checker) {
      this.checker = Objects.requireNonNull(checker, "checker");
      return this;
    }

    /** A step that derives a form once per value (for example a compiled route). */
    public Builder<T> compile(Function<? super T, ?> compiler) {
      this.compiler = Objects.requireNonNull(compiler, "compiler");
      return this;
    }

    /** The references a value makes, and the types they may point to. */
    public Builder<T> references(Set<String> types, Function<? super T, List<Reference>> references) {
      this.referencedTypes = Set.copyOf(types);
      this.references = Objects.requireNonNull(references, "references");
      return this;
    }

    public Builder<T> idField(String idField) {
      this.idField = Objects.requireNonNull(idField, "idField");
      return this;
    }

    public Builder<T> idSegments(int idSegments) {
      if (idSegments < 1 || idSegments > 2) {
        throw new IllegalArgumentException("resource type " + name + ": idSegments must be 1 or 2, was " + idSegments);
      }
      this.idSegments = idSegments;
      return this;
    }

    /**
     * Objects of this type live under the objects of the type at key segment {@code parentPath},
     * below the fixed segment {@code segment}: {@code <prefix>/<parentPath>/<parentId>/<segment>/<id>},
     * as APISIX 3.x stores consumer credentials ({@code /apisix/consumers/jack/credentials/a}).
     * The id is the three segments {@code <parentId>/<segment>/<id>}; the path becomes {@code
     * parentPath} and the {@link #routeKey() route key} {@code <parentPath>/&#42;/<segment>}.
     */
    public Builder<T> nestedUnder(String parentPath, String segment) {
      path(parentPath);
      if (!NAME.matcher(Objects.requireNonNull(segment, "segment")).matches()) {
        throw new IllegalArgumentException("resource type " + name + ": segment \"" + segment + "\" must match " + NAME.pattern());
      }
      this.nestedSegment = segment;
      this.idSegments = 3;
      return this;
    }

    public ResourceType<T> build() {
      if (referencedTypes.contains(name)) {
        throw new IllegalArgumentException("resource type " + name + " may not reference itself");
      }
      return new ResourceType<>(this);
    }
  }
}
