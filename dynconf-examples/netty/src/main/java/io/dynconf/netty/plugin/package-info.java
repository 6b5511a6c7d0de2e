/**
 * The proxy's plugins: the SPI ({@link io.dynconf.netty.plugin.GatewayPlugin}, found by name
 * through {@link java.util.ServiceLoader}), the per-request context, and the chain assembled per
 * route, configured with APISIX's JSON. The example gateway's built-in plugins ({@code
 * proxy-rewrite}, {@code key-auth}, {@code limit-count}, {@code response-rewrite}) implement it.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.netty.plugin;
