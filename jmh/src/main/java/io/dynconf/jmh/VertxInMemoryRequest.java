package io.dynconf.jmh;

import io.netty.handler.codec.DecoderResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpFrame;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.StreamPriority;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.QueryParamDecoder;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Vert.x server request held in memory, for timing {@code io.vertx.ext.web.Router#handle}
 * without a socket: the method and path are set before each lookup and everything Vert.x Web's
 * routing reads is answered from fields (no headers, no query, HTTP/1.1). What routing does not
 * need throws, so a benchmark that strays off the routing path fails loudly instead of measuring
 * something else. A miss makes Vert.x answer 404 through {@link #response()}, which throws
 * {@link Miss}. Not thread-safe; one per benchmark thread.
 */
final class VertxInMemoryRequest extends HttpServerRequestInternal {

  /** Thrown when Vert.x Web found no route and asks for the response to send its 404. */
  static final class Miss extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Miss() {
      super("no route", null, false, false);
    }
  }

  private static final Miss MISS = new Miss();

  private final ContextInternal context;
  private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
  private final HostAndPort authority = HostAndPort.create("localhost", 8080);
  private HttpMethod method = HttpMethod.GET;
  private String path = "/";
  private @Nullable MultiMap params;

  VertxInMemoryRequest(ContextInternal context) {
    this.context = context;
  }

  VertxInMemoryRequest set(HttpMethod method, String path) {
    this.method = method;
    this.path = path;
    this.params = null;
    return this;
  }

  /**
   * A new map per request, made when first asked for, as Vert.x's own server request does (it
   * decodes the query into it; there is none here). Vert.x Web adds the path parameters to it.
   */
  @Override
  public MultiMap params(boolean semicolonIsNormalChar) {
    MultiMap p = params;
    if (p == null) {
      p = MultiMap.caseInsensitiveMultiMap();
      params = p;
    }
    return p;
  }

  @Override
  public String getParamsCharset() {
    return "UTF-8";
  }

  @Override
  public HttpMethod method() {
    return method;
  }

  @Override
  public String uri() {
    return path;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public @Nullable String query() {
    return null;
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public @Nullable String getHeader(String name) {
    return null;
  }

  @Override
  public @Nullable String getHeader(CharSequence name) {
    return null;
  }

  @Override
  public HttpVersion version() {
    return HttpVersion.HTTP_1_1;
  }

  @Override
  public String scheme() {
    return "http";
  }

  @Override
  public HostAndPort authority() {
    return authority;
  }

  @Override
  public HostAndPort authority(boolean real) {
    return authority;
  }

  @Override
  public boolean isValidAuthority() {
    return true;
  }

  @Override
  public String absoluteURI() {
    return "http://localhost:8080" + path;
  }

  @Override
  public boolean isSSL() {
    return false;
  }

  @Override
  public ContextInternal context() {
    return context;
  }

  @Override
  public @Nullable Object metric() {
    return null;
  }

  @Override
  public HttpServerResponse response() {
    throw MISS;
  }

  @Override
  public boolean isEnded() {
    return true;
  }

  @Override
  public HttpServerRequest pause() {
    return this;
  }

  @Override
  public HttpServerRequest resume() {
    return this;
  }

  @Override
  public HttpServerRequest fetch(long amount) {
    return this;
  }

  // ---- not on the routing path ----

  private static UnsupportedOperationException off(String what) {
    return new UnsupportedOperationException(what + " is not part of routing");
  }

  @Override
  public QueryParamDecoder queryParamDecoder() {
    throw off("queryParamDecoder");
  }

  @Override
  public HttpServerRequest exceptionHandler(@Nullable Handler<Throwable> handler) {
    throw off("exceptionHandler");
  }

  @Override
  public HttpServerRequest handler(@Nullable Handler<Buffer> handler) {
    throw off("handler");
  }

  @Override
  public HttpServerRequest endHandler(@Nullable Handler<Void> endHandler) {
    throw off("endHandler");
  }

  @Override
  public long bytesRead() {
    throw off("bytesRead");
  }

  @Override
  public HttpServerRequest setParamsCharset(String charset) {
    throw off("setParamsCharset");
  }



  @Override
  public Future<Buffer> body() {
    throw off("body");
  }

  @Override
  public Future<Void> end() {
    throw off("end");
  }

  @Override
  public Future<NetSocket> toNetSocket() {
    throw off("toNetSocket");
  }

  @Override
  public HttpServerRequest setExpectMultipart(boolean expect) {
    throw off("setExpectMultipart");
  }

  @Override
  public boolean isExpectMultipart() {
    throw off("isExpectMultipart");
  }

  @Override
  public HttpServerRequest uploadHandler(@Nullable Handler<HttpServerFileUpload> uploadHandler) {
    throw off("uploadHandler");
  }

  @Override
  public MultiMap formAttributes() {
    throw off("formAttributes");
  }

  @Override
  public @Nullable String getFormAttribute(String attributeName) {
    throw off("getFormAttribute");
  }

  @Override
  public Future<ServerWebSocket> toWebSocket() {
    throw off("toWebSocket");
  }

  @Override
  public HttpServerRequest customFrameHandler(Handler<HttpFrame> handler) {
    throw off("customFrameHandler");
  }

  @Override
  public HttpConnection connection() {
    throw off("connection");
  }

  @Override
  public HttpServerRequest streamPriorityHandler(Handler<StreamPriority> handler) {
    throw off("streamPriorityHandler");
  }

  @Override
  public DecoderResult decoderResult() {
    throw off("decoderResult");
  }

  @Override
  public @Nullable Cookie getCookie(String name) {
    throw off("getCookie");
  }

  @Override
  public @Nullable Cookie getCookie(String name, String domain, String path) {
    throw off("getCookie");
  }

  @Override
  public Set<Cookie> cookies(String name) {
    throw off("cookies");
  }

  @Override
  public Set<Cookie> cookies() {
    throw off("cookies");
  }
}
