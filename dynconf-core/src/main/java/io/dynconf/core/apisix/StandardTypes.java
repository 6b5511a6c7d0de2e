package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.ResourceType;


import io.dynconf.core.internal.StdCheckers;
import io.dynconf.core.internal.StdDecoders;
import io.dynconf.core.internal.StdSchemas;
import io.dynconf.core.internal.StdReferences;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The resource types of Apache APISIX 3.18, with its etcd layout ({@code /apisix/routes/1}, ...),
 * its JSON Schemas (bundled under {@code io/dynconf/core/apisix/schema/}), its semantic checks and its
 * references between resources, decoded to immutable records.
 *
 * <p>Every value goes through the pipeline described in {@link ResourceType}: the schema, then the
 * type's decoder (which applies APISIX's defaults, normalises singular/plural spellings,
 * and rejects malformed node and IP addresses), then its checker (the rules of APISIX's {@code
 * check_conf} that JSON Schema cannot express, such as a valid {@code vars} expression or a
 * {@code chash} key). Each error names the field as a JSON pointer and the reason.
 *
 * <p><b>Free-form JSON</b> (plugin configurations, {@code vars}, plugin metadata, secret manager
 * configurations, node {@code metadata}, health {@code checks}, ...) is exposed as deep-immutable
 * {@code java.util} trees: an object is an unmodifiable, order-keeping {@code Map<String,
 * Object>}, an array an unmodifiable {@code List}, and the leaves are {@code String}, {@code
 * Boolean}, {@code Long} (every number without a fraction that fits, {@code 80.0} included, as
 * Lua reads it), {@code Double} (every other number) and {@code null} (JSON null). Records built
 * in Java deep-copy such trees in their constructors.
 *
 * <p>Ids are always text: the key's id ({@code 1} and {@code "1"} name the same resource in
 * APISIX), and so are referenced ids such as {@code upstream_id}.
 */
public final class StandardTypes {
  private StandardTypes() {}

  public static final ResourceType<Ssl> SSLS = ResourceType.builder("ssls", Ssl.class)
      .schemaResource(StandardTypes.class, "schema/ssls.json")
      .decoder(StdDecoders::ssl)
      .checker(StdCheckers::ssl)
      .build();

  /** Upstreams; {@code tls.client_cert_id} references an ssl. */
  public static final ResourceType<Upstream> UPSTREAMS = ResourceType.builder("upstreams", Upstream.class)
      .schemaResource(StandardTypes.class, "schema/upstreams.json")
      .decoder(StdDecoders::upstream)
      .checker(StdCheckers::upstream)
      .references(Set.of("ssls"), StdReferences::upstream)
      .build();

  /** Services; reference an upstream ({@code upstream_id}) and an embedded upstream's ssl. */
  public static final ResourceType<Service> SERVICES = ResourceType.builder("services", Service.class)
      .schemaResource(StandardTypes.class, "schema/services.json")
      .decoder(StdDecoders::service)
      .checker(StdCheckers::service)
      .references(Set.of("upstreams", "ssls"), StdReferences::service)
      .build();

  public static final ResourceType<PluginConfig> PLUGIN_CONFIGS = ResourceType.builder("plugin_configs", PluginConfig.class)
      .schemaResource(StandardTypes.class, "schema/plugin_configs.json")
      .decoder(StdDecoders::pluginConfig)
      .build();

  /**
   * Routes; reference an upstream ({@code upstream_id}), a service ({@code service_id}), a plugin
   * config ({@code plugin_config_id}) and an embedded upstream's ssl.
   */
  public static final ResourceType<Route> ROUTES = ResourceType.builder("routes", Route.class)
      .schema(StdSchemas.withoutTopLevelCombinators("routes.json")) // the decoder checks those rules, faster
      .decoder(StdDecoders::route)
      .checker(StdCheckers::route)
      .references(Set.of("upstreams", "services", "plugin_configs", "ssls"), StdReferences::route)
      .build();

  public static final ResourceType<ConsumerGroup> CONSUMER_GROUPS = ResourceType.builder("consumer_groups", ConsumerGroup.class)
      .schemaResource(StandardTypes.class, "schema/consumer_groups.json")
      .decoder(StdDecoders::consumerGroup)
      .build();

  /** Consumers, keyed by {@code username}; reference a consumer group ({@code group_id}). */
  public static final ResourceType<Consumer> CONSUMERS = ResourceType.builder("consumers", Consumer.class)
      .schemaResource(StandardTypes.class, "schema/consumers.json")
      .decoder(StdDecoders::consumer)
      .references(Set.of("consumer_groups"), StdReferences::consumer)
      .idField("username")
      .build();

  /**
   * Consumer credentials (APISIX 3.x), stored under their consumer: {@code
   * /apisix/consumers/<username>/credentials/<id>}, id {@code <username>/credentials/<id>}. Each
   * references its consumer, so a credential is served only while its consumer exists; it holds at
   * most one plugin, which {@link #withPlugins} checks is an authentication plugin.
   */
  public static final ResourceType<Credential> CREDENTIALS = ResourceType.builder("credentials", Credential.class)
      .schemaResource(StandardTypes.class, "schema/credentials.json")
      .decoder(StdDecoders::credential)
      .references(Set.of("consumers"), StdReferences::credential)
      .nestedUnder("consumers", "credentials")
      .build();

  public static final ResourceType<GlobalRule> GLOBAL_RULES = ResourceType.builder("global_rules", GlobalRule.class)
      .schemaResource(StandardTypes.class, "schema/global_rules.json")
      .decoder(StdDecoders::globalRule)
      .build();

  /**
   * Plugin metadata, keyed by plugin name; only the envelope is checked here ({@link #withPlugins}
   * adds the plugin's own metadata check).
   */
  public static final ResourceType<PluginMetadata> PLUGIN_METADATA = ResourceType.builder("plugin_metadata", PluginMetadata.class)
      .schemaResource(StandardTypes.class, "schema/plugin_metadata.json")
      .decoder(StdDecoders::pluginMetadata)
      .build();

  /** Stream routes; reference an upstream ({@code upstream_id}) and a service ({@code service_id}). */
  public static final ResourceType<StreamRoute> STREAM_ROUTES = ResourceType.builder("stream_routes", StreamRoute.class)
      .schemaResource(StandardTypes.class, "schema/stream_routes.json")
      .decoder(StdDecoders::streamRoute)
      .checker(StdCheckers::streamRoute)
      .references(Set.of("upstreams", "services"), StdReferences::streamRoute)
      .build();

  public static final ResourceType<Proto> PROTOS = ResourceType.builder("protos", Proto.class)
      .schemaResource(StandardTypes.class, "schema/protos.json")
      .decoder(StdDecoders::proto)
      .build();

  /** Secret managers, keyed by {@code <manager>/<id>} (two key segments). */
  public static final ResourceType<Secret> SECRETS = ResourceType.builder("secrets", Secret.class)
      .schemaResource(StandardTypes.class, "schema/secrets.json")
      .decoder(StdDecoders::secret)
      .idSegments(2)
      .build();

  private static final List<ResourceType<?>> ALL = List.of(SSLS, UPSTREAMS, SERVICES, PLUGIN_CONFIGS, ROUTES,
      CONSUMER_GROUPS, CONSUMERS, CREDENTIALS, GLOBAL_RULES, PLUGIN_METADATA, STREAM_ROUTES, PROTOS, SECRETS);

  /** Every standard type, each after the types it references. */
  public static List<ResourceType<?>> all() {
    return ALL;
  }

  /**
   * Every standard type, with the {@code plugins} of routes, services, plugin configs, global
   * rules, consumers, consumer groups and credentials checked by {@code catalog} (those of stream
   * routes by {@link PluginCatalog#checkStream}, plugin metadata by {@link
   * PluginCatalog#checkMetadata}). The variants share names
   * with the standard types, so {@code snapshot.store(StandardTypes.ROUTES)} finds their stores.
   */
  public static List<ResourceType<?>> withPlugins(PluginCatalog catalog) {
    java.util.Objects.requireNonNull(catalog, "catalog");
    List<ResourceType<?>> out = new java.util.ArrayList<>(ALL.size());
    for (ResourceType<?> t : ALL) {
      out.add(withPlugins(t, catalog));
    }
    return List.copyOf(out);
  }

  /**
   * {@code types} (standard types or their variants, such as {@link #withPlugins}'s) with every
   * upstream's {@code type} checked against the load balancers the host implements: upstreams,
   * and the upstreams embedded in routes, services and stream routes. APISIX's schema takes any
   * text there (a plugin may add a balancer), so without this an upstream of an unknown type is
   * accepted and every request to it fails. The registry and the admin API use the same types, so
   * both refuse it: {@code /type} (or {@code /upstream/type}) "no load balancer implements type
   * ...; known: ...".
   *
   * @param balancerTypes the upstream types the host's balancers implement, such as {@code
   *     roundrobin}, {@code chash}, {@code ewma}, {@code least_conn}
   */
  @SuppressWarnings({"unchecked", "rawtypes"}) // each variant keeps its own record type, matched by name
  public static List<ResourceType<?>> withBalancers(List<? extends ResourceType<?>> types, java.util.Set<String> balancerTypes) {
    Set<String> known = Set.copyOf(balancerTypes);
    if (known.isEmpty()) {
      throw new IllegalArgumentException("balancerTypes is empty: name the upstream types the host's balancers implement");
    }
    List<ResourceType<?>> out = new java.util.ArrayList<>(types.size());
    for (ResourceType<?> t : types) {
      ResourceType r = t;
      if (t.name().equals(UPSTREAMS.name())) {
        out.add(((ResourceType<Upstream>) r).withExtraChecker(u -> checkBalancer(u, known, "")));
      } else if (t.name().equals(ROUTES.name())) {
        out.add(((ResourceType<Route>) r).withExtraChecker(v -> checkBalancer(v.upstream(), known, "/upstream")));
      } else if (t.name().equals(SERVICES.name())) {
        out.add(((ResourceType<Service>) r).withExtraChecker(v -> checkBalancer(v.upstream(), known, "/upstream")));
      } else if (t.name().equals(STREAM_ROUTES.name())) {
        out.add(((ResourceType<StreamRoute>) r).withExtraChecker(v -> checkBalancer(v.upstream(), known, "/upstream")));
      } else {
        out.add(t);
      }
    }
    return List.copyOf(out);
  }

  private static void checkBalancer(@Nullable Upstream u, Set<String> known, String at) {
    if (u != null && !known.contains(u.type())) {
      throw new InvalidConfigException(at + "/type", "no load balancer implements type \"" + u.type() + "\"; known: "
          + String.join(", ", new java.util.TreeSet<>(known)));
    }
  }

  private static ResourceType<?> withPlugins(ResourceType<?> t, PluginCatalog catalog) {
    if (t == ROUTES) {
      return ROUTES.withExtraChecker(v -> checkPlugins(v.plugins(), catalog));
    } else if (t == SERVICES) {
      return SERVICES.withExtraChecker(v -> checkPlugins(v.plugins(), catalog));
    } else if (t == PLUGIN_CONFIGS) {
      return PLUGIN_CONFIGS.withExtraChecker(v -> checkPlugins(v.plugins(), catalog));
    } else if (t == GLOBAL_RULES) {
      return GLOBAL_RULES.withExtraChecker(v -> checkPlugins(v.plugins(), catalog));
    } else if (t == CONSUMERS) {
      return CONSUMERS.withExtraChecker(v -> checkPlugins(v.plugins(), catalog));
    } else if (t == STREAM_ROUTES) {
      return STREAM_ROUTES.withExtraChecker(v -> {
        for (Map.Entry<String, Map<String, @Nullable Object>> e : v.plugins().entrySet()) {
          try {
            catalog.checkStream(e.getKey(), e.getValue());
          } catch (InvalidConfigException x) {
            throw x.under("/plugins/" + e.getKey().replace("~", "~0").replace("/", "~1"));
          }
        }
        if (v.protocol() != null) {
          try {
            catalog.checkStreamProtocol(v.protocol());
          } catch (InvalidConfigException x) {
            throw x.under("/protocol");
          }
        }
      });
    } else if (t == CREDENTIALS) {
      return CREDENTIALS.withExtraChecker(v -> {
        checkPlugins(v.plugins(), catalog);
        checkAuthOnly(v.plugins(), catalog);
      });
    } else if (t == CONSUMER_GROUPS) {
      return CONSUMER_GROUPS.withExtraChecker(v -> checkPlugins(v.plugins(), catalog));
    } else if (t == PLUGIN_METADATA) {
      return PLUGIN_METADATA.withExtraChecker(v -> catalog.checkMetadata(v.pluginName(), v.metadata()));
    }
    return t;
  }

  /**
   * {@code types} with every upstream — the upstreams' own and those embedded in routes, services
   * and stream routes — also checked by {@code check}: for what the host can serve, such as the
   * balancer types it registered (a gateway passes its balancers' {@code check}). The registry and
   * the admin API built with the same types then refuse the same values, so an upstream no
   * balancer implements is a 400 at the admin API, not a 502 on every request.
   *
   * @param check throws {@link InvalidConfigException} naming the field inside the upstream
   */
  @SuppressWarnings("unchecked")
  public static List<ResourceType<?>> withUpstreamCheck(List<ResourceType<?>> types, ResourceType.Checker<Upstream> check) {
    java.util.Objects.requireNonNull(check, "check");
    List<ResourceType<?>> out = new java.util.ArrayList<>(types.size());
    for (ResourceType<?> t : types) {
      Class<?> java = t.javaType(); // the standard records only: a host's own type of the same name is left alone
      if (java == Upstream.class) {
        out.add(((ResourceType<Upstream>) t).withExtraChecker(check));
      } else if (java == Route.class) {
        out.add(((ResourceType<Route>) t).withExtraChecker(v -> embedded(v.upstream(), check)));
      } else if (java == Service.class) {
        out.add(((ResourceType<Service>) t).withExtraChecker(v -> embedded(v.upstream(), check)));
      } else if (java == StreamRoute.class) {
        out.add(((ResourceType<StreamRoute>) t).withExtraChecker(v -> embedded(v.upstream(), check)));
      } else {
        out.add(t);
      }
    }
    return List.copyOf(out);
  }

  private static void embedded(@Nullable Upstream upstream, ResourceType.Checker<Upstream> check) {
    if (upstream != null) {
      try {
        check.check(upstream);
      } catch (InvalidConfigException x) {
        throw x.under("/upstream");
      }
    }
  }

  /** APISIX's rule for credentials: only plugins of type {@code auth} (when the catalog lists its plugins). */
  private static void checkAuthOnly(Map<String, Map<String, @Nullable Object>> plugins, PluginCatalog catalog) {
    for (String name : plugins.keySet()) {
      if (Boolean.FALSE.equals(catalog.authenticates(name))) {
        throw new InvalidConfigException("/plugins/" + name.replace("~", "~0").replace("/", "~1"),
            "only supports auth type plugins in consumer credential; " + name + " is not an authentication plugin");
      }
    }
  }

  private static void checkPlugins(Map<String, Map<String, @Nullable Object>> plugins, PluginCatalog catalog) {
    for (Map.Entry<String, Map<String, @Nullable Object>> e : plugins.entrySet()) {
      try {
        catalog.check(e.getKey(), e.getValue());
      } catch (InvalidConfigException x) {
        throw x.under("/plugins/" + e.getKey().replace("~", "~0").replace("/", "~1"));
      }
    }
  }
}
