package io.dynconf.netty.plugin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The response head in the header filter phase: status and headers to change, a body to replace,
 * {@linkplain #addBodyFilter filters} to change the body as it streams.
 */
public final class ResponseHead {
  private int status;
  private final HttpHeaders headers;
  private byte @Nullable [] body;
  private @Nullable List<BodyFilter> filters;
  private @Nullable List<Runnable> lastHooks;

  public ResponseHead(int status, HttpHeaders headers) {
    this.status = status;
    this.headers = headers;
  }

  public int status() {
    return status;
  }

  public void status(int status) {
    this.status = status;
  }

  public HttpHeaders headers() {
    return headers;
  }

  /** The replacement body, or null to pass the original through. */
  public byte @Nullable [] body() {
    return body;
  }

  /** Replaces the body (the original is dropped as it arrives). */
  public void body(byte[] body) {
    this.body = body;
  }

  /**
   * Adds a filter of the body (after those added before it: the first added sees the body first).
   * Nothing is filtered for a response without a body (HEAD, 204, 304).
   */
  public void addBodyFilter(BodyFilter filter) {
    if (filters == null) {
      filters = new ArrayList<>(2);
    }
    filters.add(filter);
  }

  /** The body filters, in order; empty when none. */
  public List<BodyFilter> bodyFilters() {
    return filters == null ? List.of() : List.copyOf(filters);
  }

  /**
   * Runs {@code hook} once every plugin's header filter has run, on the final head, in the order
   * added: for what nginx does after APISIX's Lua filters (gzip decides on the final
   * {@code Content-Type}, {@code Content-Length} and {@code Content-Encoding}, and compresses the
   * body after every plugin's body filter).
   */
  public void afterHeaderFilters(Runnable hook) {
    if (lastHooks == null) {
      lastHooks = new ArrayList<>(1);
    }
    lastHooks.add(hook);
  }

  /** Runs the hooks of {@link #afterHeaderFilters}; called by the proxy once, after the header filter phase. */
  public void headerFiltersDone() {
    List<Runnable> hooks = lastHooks;
    lastHooks = null;
    if (hooks != null) {
      hooks.forEach(Runnable::run);
    }
  }

  /** {@code body} through every body filter at once (a body known whole: a replaced body, a plugin's answer). */
  public byte[] filterWhole(byte[] body, ByteBufAllocator alloc) {
    if (filters == null) {
      return body;
    }
    ByteBuf out = filterPart(Unpooled.wrappedBuffer(body), true, alloc);
    try {
      byte[] bytes = new byte[out.readableBytes()];
      out.readBytes(bytes);
      return bytes;
    } finally {
      out.release();
    }
  }

  /** One part of a streamed body through every body filter in order; takes ownership of {@code part}, returns what to send. */
  public ByteBuf filterPart(ByteBuf part, boolean last, ByteBufAllocator alloc) {
    ByteBuf b = part;
    if (filters != null) {
      for (BodyFilter f : filters) {
        b = f.filter(b, last, alloc);
      }
    }
    return b;
  }

  /** Tells every body filter the body will not end ({@link BodyFilter#abandon}). */
  public void abandonBody() {
    if (filters != null) {
      filters.forEach(BodyFilter::abandon);
    }
  }
}
