package io.dynconf.core.admin;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What the admin API answers: an HTTP status, headers ({@code Content-Type}, {@code ETag}, ...) and
 * a JSON body. Immutable; the body is copied in and out ({@link #bodyUtf8()} decodes it).
 *
 * @param status the HTTP status, for example 200, 201, 400 or 503
 * @param headers the response headers, looked up case-insensitively
 * @param body the JSON body
 */
public record AdminResponse(int status, Map<String, String> headers, byte[] body) {
  public AdminResponse {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status code, was " + status);
    }
    TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    copy.putAll(Objects.requireNonNull(headers, "headers"));
    headers = Collections.unmodifiableMap(copy);
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The body as text. */
  public String bodyUtf8() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** One header, or null when absent (the name is case-insensitive). */
  public @Nullable String header(String name) {
    return headers.get(name);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdminResponse r && status == r.status && headers.equals(r.headers) && Arrays.equals(body, r.body);
  }

  @Override
  public int hashCode() {
    return (status * 31 + headers.hashCode()) * 31 + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "AdminResponse[" + status + " " + bodyUtf8() + "]";
  }
}
