package io.dynconf.netty.plugin;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The first bytes of a body, kept for the log phase ({@link PluginContext#captureRequestBody}):
 * the proxy {@linkplain #append appends} each part as it relays it; beyond {@link #limit()} bytes
 * nothing more is kept, only counted. The buffer grows with what arrives, never past the limit.
 * One per request, on its event loop.
 */
public final class BodyCapture {
  private final int limit;
  private byte[] bytes = new byte[0];
  private int size;
  private long seen;

  private BodyCapture(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    this.limit = limit;
  }

  static BodyCapture widen(@org.jspecify.annotations.Nullable BodyCapture old, int limit) {
    if (old == null) {
      return new BodyCapture(limit);
    }
    if (limit <= old.limit) {
      return old;
    }
    BodyCapture c = new BodyCapture(limit);
    c.bytes = Arrays.copyOf(old.bytes, old.size);
    c.size = old.size;
    c.seen = old.seen;
    return c;
  }

  /** Keeps what fits of {@code part} (its reader index untouched); called by the proxy. */
  public void append(ByteBuf part) {
    int n = part.readableBytes();
    seen += n;
    int take = Math.min(n, limit - size);
    if (take <= 0) {
      return;
    }
    if (size + take > bytes.length) {
      int grown = (int) Math.min(limit, Math.max((long) size + take, Math.max(256L, bytes.length * 2L)));
      bytes = Arrays.copyOf(bytes, grown);
    }
    part.getBytes(part.readerIndex(), bytes, size, take);
    size += take;
  }

  /** Keeps what fits of {@code part}; called by the proxy for bodies it makes itself. */
  public void append(byte[] part) {
    append(io.netty.buffer.Unpooled.wrappedBuffer(part));
  }

  /** The most this keeps. */
  public int limit() {
    return limit;
  }

  /** The bytes kept (at most {@link #limit()}). */
  public byte[] bytes() {
    return Arrays.copyOf(bytes, size);
  }

  /** The bytes kept, decoded as UTF-8 (malformed sequences replaced). */
  public String text() {
    return new String(bytes, 0, size, StandardCharsets.UTF_8);
  }

  /** How many bytes were kept. */
  public int size() {
    return size;
  }

  /** How many body bytes went by, kept or not. */
  public long seen() {
    return seen;
  }

  /** Whether bytes went by that were not kept. */
  public boolean truncated() {
    return seen > size;
  }
}
