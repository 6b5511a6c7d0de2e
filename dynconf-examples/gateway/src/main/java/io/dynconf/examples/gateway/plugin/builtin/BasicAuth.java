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
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * APISIX's {@code basic-auth} (priority 2520, rewrite phase, an authentication plugin). On a route:
 * {@code hide_credentials} (default false: drop {@code Authorization} before the upstream),
 * {@code realm} (default {@code basic}, printable ASCII without {@code "} and {@code \}),
 * {@code anonymous_consumer} (the consumer to use when authentication fails). On a consumer:
 * {@code username} and {@code password}, both required. Failures answer 401 with
 * {@code WWW-Authenticate: Basic realm="<realm>"} and {@code {"message": ...}}: {@code Missing
 * authorization in request}, {@code Invalid authorization in request} (not {@code Basic <base64 of
 * user:password>}), {@code Invalid user authorization} (unknown user or wrong password). As in
 * APISIX, whitespace is removed from the decoded user and password and a password stops at its
 * first {@code :}. The consumer's name goes upstream as {@code X-Consumer-Username}.
 */
public final class BasicAuth implements GatewayPlugin<BasicAuth.Config> {
  private static final Pattern HEADER = Pattern.compile("(?i:basic)\\s(.+)");
  private static final Pattern REALM = Pattern.compile("^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$");
  private static final Pattern SPACE = Pattern.compile("\\s+");

  record Config(boolean hideCredentials, String realm, @Nullable String anonymous, @Nullable String username,
      @Nullable String password) {}

  /** A consumer's credential: its username and the password of its basic-auth configuration. */
  record Credential(String consumer, String password, @Nullable String credentialId, @Nullable String customId) {}

  private volatile Map<String, Credential> byUsername = Map.of();
  private volatile Set<String> consumers = Set.of();

  @Override
  public String name() {
    return "basic-auth";
  }

  private static final String SCHEMA = Schemas.load("basic-auth");

  /** The schema {@link #configure} enforces (bundled as {@code schema/basic-auth.json}). */
  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public int priority() {
    return 2520;
  }

  @Override
  public boolean authenticates() {
    return true;
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, Set.of("hide_credentials", "realm", "anonymous_consumer", "username", "password", "_meta"), Set.of());
    String realm = c.string("realm", "basic");
    if (!REALM.matcher(realm).matches()) {
      throw new InvalidConfigException("/realm", "must be printable ASCII without '\"' and '\\', at least 1 character");
    }
    String anonymous = c.string("anonymous_consumer");
    if (anonymous != null && anonymous.isEmpty()) {
      throw new InvalidConfigException("/anonymous_consumer", "must not be empty");
    }
    String username = c.string("username");
    String password = c.string("password");
    if ((username == null) != (password == null)) {
      // on a consumer both are required; a route's configuration carries neither
      throw new InvalidConfigException(username == null ? "/username" : "/password", "required (a consumer's basic-auth needs username and password)");
    }
    return new Config(c.bool("hide_credentials", false), realm, anonymous, username, password);
  }

  @Override
  public void init(PluginEnvironment environment) {
    ConfigRegistry registry = environment.registry();
    registry.addListener(update -> {
      if (AuthHolders.changed(update)) {
        reindex(registry);
      }
    });
    reindex(registry);
  }

  private void reindex(ConfigRegistry registry) {
    Map<String, Credential> m = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (Consumer consumer : registry.snapshot().store(StandardTypes.CONSUMERS).values()) {
      names.add(consumer.username());
    }
    for (AuthHolders.Holder holder : AuthHolders.of(registry.snapshot(), name())) { // consumers, then credentials
      Map<String, @Nullable Object> conf = holder.conf();
      if (conf.get("username") instanceof String user && conf.get("password") instanceof String password) {
        m.putIfAbsent(user, new Credential(holder.consumer(), password, holder.credentialId(), holder.customId()));
      }
    }
    byUsername = Map.copyOf(m);
    consumers = Set.copyOf(names);
  }

  /** The consumer authenticated by {@code authorization}, or the message of the 401. */
  private Object authenticate(@Nullable String authorization) {
    if (authorization == null) {
      return "Missing authorization in request";
    }
    Matcher m = HEADER.matcher(authorization);
    if (!m.find()) {
      return "Invalid authorization in request";
    }
    String decoded = decode(m.group(1));
    if (decoded == null) {
      return "Invalid authorization in request";
    }
    String[] parts = decoded.split(":", -1);
    if (parts.length < 2) {
      return "Invalid authorization in request";
    }
    String user = SPACE.matcher(parts[0]).replaceAll("");
    String password = SPACE.matcher(parts[1]).replaceAll("");
    Credential credential = byUsername.get(user);
    if (credential == null || !credential.password().equals(password)) {
      return "Invalid user authorization";
    }
    return credential;
  }

  private static @Nullable String decode(String base64) {
    String s = base64.strip();
    while (s.length() % 4 != 0 && s.length() % 4 != 1) {
      s = s + "="; // nginx's decoder accepts unpadded input
    }
    try {
      return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public @Nullable PluginResponse rewrite(Config config, PluginContext ctx) {
    Object result = authenticate(ctx.request().request().headers().get("Authorization"));
    if (result instanceof Credential credential) {
      AuthHolders.attach(ctx, credential.consumer(), credential.credentialId(), credential.customId());
    } else if (config.anonymous() != null && consumers.contains(config.anonymous())) {
      AuthHolders.attach(ctx, config.anonymous(), null, null);
    } else {
      String message = config.anonymous() != null ? "Invalid user authorization" : (String) result;
      PluginResponse r = PluginResponse.message(401, message);
      Map<String, String> headers = new HashMap<>(r.headers());
      headers.put("WWW-Authenticate", "Basic realm=\"" + config.realm() + "\"");
      return new PluginResponse(401, headers, r.body());
    }
    if (config.hideCredentials()) {
      ctx.upstreamHeaders().remove("Authorization");
    }
    return null;
  }
}
