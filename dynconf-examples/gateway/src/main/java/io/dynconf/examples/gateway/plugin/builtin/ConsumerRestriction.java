package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code consumer-restriction} (priority 2400, access phase, after the authentication
 * plugins): {@code type} ({@code consumer_name} by default, {@code service_id}, {@code route_id},
 * {@code consumer_group_id}), at least one of {@code whitelist}, {@code blacklist} and
 * {@code allowed_by_methods} ({@code [{user, methods}]}: the methods a value may use),
 * {@code rejected_code} (default 403), {@code rejected_msg} (default {@code The <type> is
 * forbidden.}). A request without the value (no consumer, no service...) gets 401
 * {@code The request is rejected, please check the <type> for this request}. A blacklisted value is
 * refused; with a whitelist, an unlisted value is refused; a value not whitelisted and listed in
 * {@code allowed_by_methods} is refused for other methods. Answers are {@code {"message": ...}}.
 */
public final class ConsumerRestriction implements GatewayPlugin<ConsumerRestriction.Config> {
  private static final Set<String> TYPES = Set.of("consumer_name", "service_id", "route_id", "consumer_group_id");
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
      "CONNECT", "TRACE", "PURGE");

  record Config(String type, @Nullable Set<String> whitelist, @Nullable Set<String> blacklist,
      Map<String, Set<String>> allowedByMethods, PluginResponse refusal, PluginResponse missing) {}

  private volatile Map<String, String> groupByConsumer = Map.of();

  @Override
  public String name() {
    return "consumer-restriction";
  }

  private static final String SCHEMA = Schemas.load("consumer-restriction");

  /** The schema {@link #configure} enforces (bundled as {@code schema/consumer-restriction.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 2400;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("type", "whitelist", "blacklist", "allowed_by_methods", "rejected_code",
        "rejected_msg", "_meta"), Set.of());
    String type = c.string("type", "consumer_name");
    if (!TYPES.contains(type)) {
      throw new InvalidConfigException("/type", "must be one of consumer_name, service_id, route_id, consumer_group_id");
    }
    if (c.raw("whitelist") == null && c.raw("blacklist") == null && c.raw("allowed_by_methods") == null) {
      throw new InvalidConfigException("/whitelist", "one of whitelist, blacklist and allowed_by_methods is required");
    }
    Set<String> whitelist = list(c, "whitelist");
    Set<String> blacklist = list(c, "blacklist");
    Map<String, Set<String>> byMethods = new LinkedHashMap<>();
    Object raw = c.raw("allowed_by_methods");
    if (raw != null) {
      if (!(raw instanceof List<?> items)) {
        throw new InvalidConfigException("/allowed_by_methods", "an array is required");
      }
      for (int i = 0; i < items.size(); i++) {
        String at = "/allowed_by_methods/" + i;
        if (!(items.get(i) instanceof Map<?, ?> m)) {
          throw new InvalidConfigException(at, "an object is required");
        }
        @SuppressWarnings("unchecked") // JSON objects have string keys
        Map<String, @Nullable Object> item = (Map<String, @Nullable Object>) m;
        Conf ic;
        List<String> methods;
        String user;
        try {
          ic = new Conf(item, Set.of("user", "methods"));
          user = ic.string("user");
          methods = ic.strings("methods");
          if (ic.raw("methods") != null && methods.isEmpty()) {
            throw new InvalidConfigException("/methods", "expect array to have at least 1 items");
          }
          for (int j = 0; j < methods.size(); j++) {
            if (!METHODS.contains(methods.get(j))) {
              throw new InvalidConfigException("/methods/" + j, "must be one of " + String.join(", ", new java.util.TreeSet<>(METHODS)));
            }
          }
        } catch (InvalidConfigException e) {
          throw e.under(at);
        }
        // APISIX takes the first entry for a user; an entry without user matches nothing
        if (user != null) {
          byMethods.putIfAbsent(user, Set.copyOf(methods));
        }
      }
    }
    int code = (int) c.integer("rejected_code", 403, 200, 599);
    String message = c.string("rejected_msg", "The " + type + " is forbidden.");
    return new Config(type, whitelist, blacklist, Map.copyOf(byMethods), PluginResponse.message(code, message),
        PluginResponse.message(401, "The request is rejected, please check the " + type + " for this request"));
  }

  private static @Nullable Set<String> list(Conf c, String field) {
    if (c.raw(field) == null) {
      return null;
    }
    List<String> values = c.strings(field);
    if (values.isEmpty()) {
      throw new InvalidConfigException("/" + field, "expect array to have at least 1 items");
    }
    return Set.copyOf(new ArrayList<>(values));
  }

  @Override
  public void init(PluginEnvironment environment) {
    ConfigRegistry registry = environment.registry();
    registry.addListener(update -> {
      if (update.changedTypes().contains(StandardTypes.CONSUMERS.name())) {
        reindex(registry);
      }
    });
    reindex(registry);
  }

  private void reindex(ConfigRegistry registry) {
    Map<String, String> m = new HashMap<>();
    for (Consumer consumer : registry.snapshot().store(StandardTypes.CONSUMERS).values()) {
      if (consumer.groupId() != null) {
        m.put(consumer.username(), consumer.groupId());
      }
    }
    groupByConsumer = Map.copyOf(m);
  }

  private @Nullable String value(String type, PluginContext ctx) {
    var service = ctx.route().service();
    String consumer = ctx.consumer();
    return switch (type) {
      case "route_id" -> ctx.route().id();
      case "service_id" -> service == null ? null : service.id();
      case "consumer_group_id" -> consumer == null ? null : groupByConsumer.get(consumer);
      default -> consumer;
    };
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    String value = value(config.type(), ctx);
    if (value == null) {
      return config.missing();
    }
    if (config.blacklist() != null && config.blacklist().contains(value)) {
      return config.refusal();
    }
    boolean whitelisted = config.whitelist() != null && config.whitelist().contains(value);
    boolean block = config.whitelist() != null && !whitelisted;
    if (!whitelisted) {
      Set<String> methods = config.allowedByMethods().get(value);
      if (methods != null && !methods.contains(ctx.request().method())) {
        block = true;
      }
    }
    return block ? config.refusal() : null;
  }
}
