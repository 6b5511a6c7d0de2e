package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX secret manager ({@code /apisix/secrets/<manager>/<id>}): where {@code $secret://}
 * references are resolved. The configuration differs per manager, so it is kept as a free-form
 * JSON tree (see {@link StandardTypes}), checked against that manager's schema, with its defaults
 * applied ({@code aws}: {@code region} us-east-1; {@code gcp}: {@code ssl_verify} true and the
 * {@code auth_config} endpoints and scope). Immutable.
 *
 * @param id the key's two-segment id, for example {@code vault/1}
 * @param manager the first segment: {@code vault}, {@code aws} or {@code gcp}
 * @param config every member of the value except {@code id}
 */
public record Secret(String id, String manager, Map<String, @Nullable Object> config) {

  public Secret {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(manager, "manager");
    config = JsonTree.freezeObject(config);
  }
}
