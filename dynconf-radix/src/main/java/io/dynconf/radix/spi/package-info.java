/**
 * Service-provider interfaces of dynconf-radix: contracts that applications implement to extend
 * routing, for example an adapter that exposes a server's request (Netty, Undertow, Vert.x, ...)
 * to the matcher without copying it, or an additional match condition. Types here are interfaces
 * and the small value types in their signatures; they are public and versioned like the API, and
 * their implementations are called on the request path, so they must be fast and thread-safe.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix.spi;
