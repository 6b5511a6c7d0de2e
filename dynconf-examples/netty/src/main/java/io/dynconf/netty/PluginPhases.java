package io.dynconf.netty;

import io.dynconf.netty.plugin.PluginChain;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.Plugins;
import io.dynconf.netty.plugin.ResponseHead;
import io.dynconf.radix.ResolvedRoute;
import org.jspecify.annotations.Nullable;

/**
 * The plugin phases of one request, in APISIX's order: the global rules' rewrite and access, the
 * route's rewrite, the consumer's plugins joining the route's (their rewrite then), the route's
 * access; later the header filter on the response head and the log phase once it is over.
 */
final class PluginPhases {
  private final PluginContext ctx;
  private final PluginChain global;
  private PluginChain chain;
  private final long start;

  private PluginPhases(PluginContext ctx, PluginChain global, PluginChain chain, long start) {
    this.ctx = ctx;
    this.global = global;
    this.chain = chain;
    this.start = start;
  }

  /** The phases for {@code route}, or null when neither the route nor the global rules have plugins. */
  static @Nullable PluginPhases of(NettyRouteRequest request, ResolvedRoute route, @Nullable Plugins plugins) {
    PluginChain chain = route.attachment() instanceof PluginChain pc ? pc : PluginChain.EMPTY;
    PluginChain global = plugins == null ? PluginChain.EMPTY : plugins.global();
    if (chain.isEmpty() && global.isEmpty()) {
      return null;
    }
    // copies the request's headers: only when plugins run
    return new PluginPhases(new PluginContext(request, route), global, chain, System.nanoTime());
  }

  PluginContext context() {
    return ctx;
  }

  /** Runs the rewrite and access phases: a response when a plugin answers the request itself, else null. */
  @Nullable PluginResponse rewriteAndAccess(@Nullable Plugins plugins) {
    PluginResponse r = global.rewrite(ctx);
    if (r == null) {
      r = global.access(ctx);
    }
    if (r == null) {
      r = chain.rewrite(ctx);
    }
    String consumer = ctx.consumer();
    if (r == null && consumer != null && plugins != null) {
      PluginChain own = plugins.consumer(consumer);
      if (!own.isEmpty()) { // APISIX: the consumer's plugins join the route's, then their rewrite runs
        chain = chain.merge(own);
        r = own.rewrite(ctx);
      }
    }
    if (r == null) {
      r = chain.access(ctx);
    }
    return r;
  }

  void headerFilter(ResponseHead head) {
    head.headers().add(ctx.responseHeaders());
    global.headerFilter(ctx, head);
    chain.headerFilter(ctx, head);
    head.headerFiltersDone();
  }

  /** The log phase, after {@code log}'s facts (upstream, sizes) are handed to the plugins' context. */
  void log(int status, RequestLog log) {
    long now = System.nanoTime(); // one instant for both: the upstream time never exceeds the request's
    long nanos = now - start;
    ctx.exchange(log.exchangeAt(now));
    global.log(ctx, status, nanos);
    chain.log(ctx, status, nanos);
  }
}
