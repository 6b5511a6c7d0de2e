package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code multi-auth} (priority 2600, rewrite phase, an authentication plugin): {@code
 * auth_plugins}, an array of at least 2 objects, each naming authentication plugins with their
 * route configuration ({@code [{"basic-auth": {}}, {"key-auth": {"header": "apikey"}}]}). The
 * request is tried against each in order, with that plugin's own rewrite phase (so the consumer,
 * {@code X-Consumer-Username} and {@code hide_credentials} are the plugin's); the first that
 * authenticates wins, and when none does the answer is 401 {@code {"message":"Authorization
 * Failed"}}. Every inner configuration is checked by its plugin when stored, the error naming
 * {@code auth_plugins/<index>/<plugin>/<field>}; a plugin that is unknown, not an authentication
 * plugin, or multi-auth itself is refused. Differences from APISIX: an empty item ({@code {}},
 * which names no plugin and so would let every request through) and nesting multi-auth are
 * refused. On a consumer (an authentication plugin's place for a credential) a valid
 * configuration is accepted and has no effect, as in APISIX: the credentials multi-auth checks are
 * the consumers' own {@code basic-auth}, {@code jwt-auth} and {@code key-auth}.
 */
public final class MultiAuth implements GatewayPlugin<MultiAuth.Config> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PluginResponse FAILED = PluginResponse.message(401, "Authorization Failed");

  /** One inner plugin with its compiled configuration. */
  record Inner<C>(GatewayPlugin<C> plugin, C config) {
    @Nullable PluginResponse rewrite(PluginContext ctx) {
      return plugin.rewrite(config, ctx);
    }
  }

  record Config(List<Inner<?>> plugins) {}

  private volatile Map<String, GatewayPlugin<?>> plugins = Map.of();
  private volatile @Nullable String schema;

  @Override
  public String name() {
    return "multi-auth";
  }

  @Override
  public int priority() {
    return 2600;
  }

  @Override
  public boolean authenticates() {
    return true;
  }

  @Override
  public void plugins(Map<String, GatewayPlugin<?>> byName) {
    this.plugins = byName;
    this.schema = null;
  }

  /**
   * The bundled {@code schema/multi-auth.json} with, for each item of {@code auth_plugins}, the
   * gateway's other authentication plugins and their own published schemas: what {@link
   * #configure} enforces.
   */
  @Override
  public String schema() {
    String s = schema;
    if (s == null) {
      s = buildSchema();
      schema = s;
    }
    return s;
  }

  private String buildSchema() {
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(Schemas.load("multi-auth"));
      ObjectNode props = (ObjectNode) root.at("/properties/auth_plugins/items/properties");
      for (GatewayPlugin<?> p : innerPlugins()) {
        String name = p.name();
        String inner = p.schema();
        if (inner != null) {
          ObjectNode node = (ObjectNode) JSON.readTree(inner);
          node.remove("$schema");
          props.set(name, node);
        }
      }
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the schema of multi-auth", e);
    }
  }

  /** The authentication plugins an item may name, by name. */
  private List<GatewayPlugin<?>> innerPlugins() {
    List<GatewayPlugin<?>> out = new ArrayList<>();
    for (GatewayPlugin<?> p : new TreeMap<>(plugins).values()) {
      if (p.authenticates() && !p.name().equals(name())) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("auth_plugins", "_meta"), Set.of());
    Object raw = c.raw("auth_plugins");
    if (raw == null) {
      throw new InvalidConfigException("/auth_plugins", "required");
    }
    if (!(raw instanceof List<?> items)) {
      throw new InvalidConfigException("/auth_plugins", "an array of objects naming authentication plugins is required");
    }
    if (items.size() < 2) {
      throw new InvalidConfigException("/auth_plugins", "at least 2 items are required, got " + items.size());
    }
    List<Inner<?>> inner = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String at = "/auth_plugins/" + i;
      if (!(items.get(i) instanceof Map<?, ?> item)) {
        throw new InvalidConfigException(at, "an object naming an authentication plugin is required");
      }
      if (item.isEmpty()) {
        throw new InvalidConfigException(at, "names no plugin (at least one authentication plugin is required)");
      }
      for (Map.Entry<?, ?> e : item.entrySet()) {
        String name = String.valueOf(e.getKey());
        String field = at + "/" + name.replace("~", "~0").replace("/", "~1");
        GatewayPlugin<?> p = plugins.get(name);
        if (p == null) {
          throw new InvalidConfigException(field, "unknown plugin \"" + name + "\"");
        }
        if (p.name().equals(name())) {
          throw new InvalidConfigException(field, "multi-auth cannot run inside multi-auth");
        }
        if (!p.authenticates()) {
          throw new InvalidConfigException(field, "\"" + name + "\" is not an authentication plugin (multi-auth runs only "
              + String.join(", ", innerPlugins().stream().map(GatewayPlugin::name).toList()) + ")");
        }
        if (!(e.getValue() instanceof Map<?, ?> conf)) {
          throw new InvalidConfigException(field, "the plugin's configuration, an object, is required");
        }
        @SuppressWarnings("unchecked")
        Map<String, @Nullable Object> typed = (Map<String, @Nullable Object>) conf;
        try {
          inner.add(compile(p, typed));
        } catch (InvalidConfigException x) {
          throw x.under(field);
        }
      }
    }
    return new Config(List.copyOf(inner));
  }

  private static <C> Inner<C> compile(GatewayPlugin<C> plugin, Map<String, @Nullable Object> config) {
    return new Inner<>(plugin, plugin.configure(config));
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    for (Inner<?> p : config.plugins()) {
      if (p.rewrite(ctx) == null) {
        return null; // authenticated: the plugin set the consumer
      }
    }
    return FAILED;
  }
}
