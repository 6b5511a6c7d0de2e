package io.dynconf.netty.plugin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Changes a response body as it streams to the client (APISIX's {@code body_filter} phase, and
 * nginx's own filters such as gzip), added in the header filter phase with {@link
 * ResponseHead#addBodyFilter}. One instance per response, called on the connection's event loop
 * for each part of the body in order, the last with {@code last} true (exactly once, even for an
 * empty body), so a filter holds at most what it chooses to between parts: memory stays bounded
 * however long the body. A response whose body is filtered loses its {@code Content-Length}
 * (the proxy sends it chunked, or close-delimited to an HTTP/1.0 client) unless the whole body is
 * known at once (a plugin's answer, a replaced body).
 */
public interface BodyFilter {

  /**
   * The bytes to send for {@code part}. Takes ownership of {@code part}: returns it (changed or
   * not) or releases it and returns another buffer (possibly empty), which the proxy then owns.
   */
  ByteBuf filter(ByteBuf part, boolean last, ByteBufAllocator alloc);

  /** The exchange ended before the last part (the client or the upstream went away): release what is held. Must not throw. */
  default void abandon() {}
}
