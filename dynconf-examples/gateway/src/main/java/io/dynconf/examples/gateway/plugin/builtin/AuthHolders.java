package io.dynconf.examples.gateway.plugin.builtin;

import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigUpdate;
import io.dynconf.core.apisix.Consumer;
import io.dynconf.core.apisix.Credential;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.netty.plugin.PluginContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where an auth plugin finds its consumers' secrets, as APISIX 3.x does: in each consumer's own
 * {@code plugins}, and in the consumer's credentials ({@code
 * /apisix/consumers/<username>/credentials/<id>}), each of which authenticates as its consumer.
 * And what a match sends upstream, as APISIX's {@code consumer.attach_consumer}: {@code
 * X-Consumer-Username}, {@code X-Credential-Identifier} (only when the match was a credential) and
 * {@code X-Consumer-Custom-ID} (only when the consumer has a {@code custom_id} label).
 */
final class AuthHolders {
  private AuthHolders() {}

  /**
   * One holder of a plugin's configuration.
   *
   * @param consumer the consumer's username
   * @param credentialId the credential's id, or null for the consumer's own configuration
   * @param customId the consumer's {@code custom_id} label, or null
   * @param conf the plugin's configuration there
   */
  record Holder(String consumer, @Nullable String credentialId, @Nullable String customId, Map<String, @Nullable Object> conf) {}

  /** Whether {@code update} changed consumers or credentials (the index must be rebuilt). */
  static boolean changed(ConfigUpdate update) {
    return update.changedTypes().contains(StandardTypes.CONSUMERS.name()) || update.changedTypes().contains(StandardTypes.CREDENTIALS.name());
  }

  /**
   * Every holder of {@code plugin}'s configuration: consumers first (their own configuration wins a
   * clash, as the admin API refuses duplicate keys anyway), then credentials whose consumer exists.
   * A registry without the credentials type yields the consumers only.
   */
  static List<Holder> of(ConfigSnapshot snapshot, String plugin) {
    List<Holder> out = new ArrayList<>();
    Map<String, Consumer> byName = new HashMap<>();
    for (Consumer consumer : snapshot.store(StandardTypes.CONSUMERS).values()) {
      byName.put(consumer.username(), consumer);
      Map<String, @Nullable Object> conf = consumer.plugins().get(plugin);
      if (conf != null) {
        out.add(new Holder(consumer.username(), null, consumer.labels().get("custom_id"), conf));
      }
    }
    boolean credentials = snapshot.stores().stream().anyMatch(s -> s.type().name().equals(StandardTypes.CREDENTIALS.name()));
    if (credentials) {
      for (Credential credential : snapshot.store(StandardTypes.CREDENTIALS).values()) {
        Consumer consumer = byName.get(credential.consumer());
        Map<String, @Nullable Object> conf = credential.plugins().get(plugin);
        if (consumer != null && conf != null) { // the registry serves no credential without its consumer
          out.add(new Holder(consumer.username(), credential.id(), consumer.labels().get("custom_id"), conf));
        }
      }
    }
    return out;
  }

  /** Sets the authenticated consumer and the headers APISIX sends upstream for it. */
  static void attach(PluginContext ctx, String consumer, @Nullable String credentialId, @Nullable String customId) {
    ctx.consumer(consumer);
    ctx.upstreamHeaders().set("X-Consumer-Username", consumer);
    if (credentialId != null) {
      ctx.upstreamHeaders().set("X-Credential-Identifier", credentialId);
    } else {
      ctx.upstreamHeaders().remove("X-Credential-Identifier"); // never let the client choose it
    }
    if (customId != null) {
      ctx.upstreamHeaders().set("X-Consumer-Custom-ID", customId);
    } else {
      ctx.upstreamHeaders().remove("X-Consumer-Custom-ID");
    }
  }
}
