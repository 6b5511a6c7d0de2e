package io.dynconf.netty.plugin;

import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/** The response head in the header filter phase: status and headers to change, a body to replace. */
public final class ResponseHead {
  private int status;
  private final HttpHeaders headers;
  private byte @Nullable [] body;

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
}
