/**
 * The example gateway's plugins: the SPI ({@link io.dynconf.examples.gateway.plugin.GatewayPlugin},
 * found by name through {@link java.util.ServiceLoader}), the per-request context, the chain
 * assembled per route, and the built-in plugins ({@code proxy-rewrite}, {@code key-auth},
 * {@code limit-count}, {@code response-rewrite}) configured with APISIX's JSON.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.gateway.plugin;
