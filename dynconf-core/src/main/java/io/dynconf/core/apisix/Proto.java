package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX proto ({@code /apisix/protos/<id>}): protobuf definitions for gRPC transcoding.
 * Immutable; optional fields are null when absent, collections empty.
 *
 * @param id the key's id
 * @param content {@code .proto} source or a base64 {@code FileDescriptorSet}, kept as text (not
 *     compiled here)
 */
public record Proto(
    String id,
    @Nullable String name,
    @Nullable String desc,
    Map<String, String> labels,
    String content,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Proto {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    Objects.requireNonNull(content, "content");
  }
}
